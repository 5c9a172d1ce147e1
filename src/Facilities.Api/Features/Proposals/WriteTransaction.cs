using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Runs a write in one transaction, committed only if the work returns. A deadlock or serialization failure (rare:
/// every writer takes its locks in one order) is retried from the start with a fresh transaction.
/// </summary>
public static class WriteTransaction
{
    private const int Attempts = 4;

    public static async ValueTask<T> RunAsync<T>(NpgsqlDataSource dataSource, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work,
        CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            try
            {
                var result = await work(connection, transaction);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (PostgresException e) when (attempt < Attempts
                && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                await transaction.RollbackAsync(ct);
            }
        }
    }
}

/// <summary>A refusal that must still commit what was found on the way (a proposal found expired is marked so).</summary>
public sealed class CommitThenRefuseException(Web.DomainException refusal) : Exception(refusal.Message)
{
    public Web.DomainException Refusal { get; } = refusal;
}
