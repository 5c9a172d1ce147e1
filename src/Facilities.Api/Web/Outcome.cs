namespace Facilities.Api.Web;

/// <summary>
/// The answer of a command that may refuse yet must keep what it found on the way (a vote on a proposal found
/// expired marks it expired). A refusal is an ordinary answer here, so the transaction commits as for any other;
/// the endpoint turns it into its problem details.
/// </summary>
public sealed record Outcome<T>(T? Value, DomainException? Refusal) : IRefusable
{
    public bool IsRefused => Refusal is not null;

    public T ValueOrThrow() => Refusal is null ? Value! : throw Refusal;
}

public static class Outcome
{
    public static Outcome<T> Done<T>(T value) => new(value, null);

    public static Outcome<T> Refused<T>(DomainException refusal) => new(default, refusal);
}

/// <summary>An answer that may be a refusal although its transaction commits (what a contribution budget gives back for).</summary>
public interface IRefusable
{
    bool IsRefused { get; }
}
