using Facilities.Api.Data;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Facilities.Api.Web;

/// <summary>
/// The one place where validation failures and domain refusals become RFC 9457 problem details.
/// Anything else is a server fault and stays a 500 (logged by the framework).
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            ValidationException validation => ProblemResponses.ToValidationProblem("The request has invalid parameters", validation.Errors),
            // A multipart body's text found unstorable while the endpoint read its sections (Web/StorableParts.cs).
            UnstorableTextException unstorable => ProblemResponses.ToValidationProblem("The request has invalid parameters", [unstorable.Failure]),
            DomainException refusal => new ProblemDetails
            {
                Status = refusal.Status,
                Title = refusal.Title,
                Detail = refusal.Message,
                Type = TypeFor(refusal.Status),
            },
            _ when DatabaseFaults.IsUnavailable(exception) => DatabaseUnavailable(httpContext, exception),
            BadHttpRequestException bad => ProblemResponses.ForBadRequest(bad),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        if (exception is DomainException { RetryAfterSeconds: { } retryAfter })
        {
            httpContext.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status400BadRequest;
        problem.Type ??= TypeFor(httpContext.Response.StatusCode);
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>
    /// PostgreSQL is down or restarting, out of connections, or a write waited out its lock: not the request's
    /// fault, and worth repeating a little later, which Retry-After says (RFC 9110 §10.2.3).
    /// </summary>
    private static ProblemDetails DatabaseUnavailable(HttpContext httpContext, Exception fault)
    {
        var lockWait = DatabaseFaults.IsLockTimeout(fault);
        var seconds = lockWait ? DatabaseReconnect.LockRetryAfterSeconds : DatabaseReconnect.RetryAfterSeconds;
        httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable,
            Title = "Service unavailable",
            Detail = lockWait
                ? $"Another change to the map (a partner's import) holds the change feed; nothing was changed, try again in {seconds} s."
                : $"The database (PostgreSQL) is not available right now; try again in {seconds} s.",
            Type = "https://www.rfc-editor.org/rfc/rfc9110#section-15.6.4",
        };
    }

    private static string TypeFor(int status) => status switch
    {
        400 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.1",
        401 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2",
        403 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.4",
        404 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.5",
        409 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.10",
        413 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.14",
        415 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.16",
        422 => "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.21",
        429 => "https://www.rfc-editor.org/rfc/rfc6585#section-4",
        _ => "about:blank",
    };
}
