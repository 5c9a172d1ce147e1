namespace Facilities.Api.Web;

/// <summary>
/// A refusal a handler decides on (unknown id, conflicting edit, missing right). It carries the HTTP status
/// the client should see; <see cref="ProblemExceptionHandler"/> renders it as problem details.
/// </summary>
public class DomainException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;

    /// <summary>When set, the answer's Retry-After (a refusal that holds only for now: a limit, a busy resource).</summary>
    public int? RetryAfterSeconds { get; init; }
}

public sealed class NotFoundException(string what, string id)
    : DomainException(StatusCodes.Status404NotFound, "Not found", $"No {what} has the id '{id}'.");
