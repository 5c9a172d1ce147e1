using Npgsql;

namespace Facilities.Api.Data;

/// <summary>
/// The connection and transaction of the command being handled, one per request scope. The transaction behaviour
/// (Web/TransactionBehavior) opens it for a command; a command sent from inside another finds it open and joins it,
/// so the outer command commits or rolls back both. A deadlock or serialization failure (rare: every writer takes
/// its locks in the order <see cref="FacilityChanges"/> documents) runs the whole work again in a fresh transaction.
/// </summary>
public sealed class UnitOfWork(NpgsqlDataSource dataSource, ConfidenceParameters confidence)
{
    private const int Attempts = 4;

    private NpgsqlConnection? _connection;
    private NpgsqlTransaction? _transaction;
    private FacilityChanges? _facilities;

    public bool IsOpen => _transaction is not null;

    public NpgsqlConnection Connection => _connection ?? throw NotOpen();

    public NpgsqlTransaction Transaction => _transaction ?? throw NotOpen();

    /// <summary>The one way a facility changes in this transaction.</summary>
    public FacilityChanges Facilities => _facilities ?? throw NotOpen();

    /// <summary>
    /// Runs <paramref name="work"/> in this scope's transaction: inside the open one when there is one, otherwise in
    /// a new one committed when the work returns and rolled back when it throws.
    /// </summary>
    public async ValueTask<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> work, CancellationToken ct)
    {
        if (IsOpen)
        {
            return await work(ct);
        }
        for (var attempt = 1; ; attempt++)
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            Enter(connection, transaction);
            try
            {
                var result = await work(ct);
                await _facilities!.CompleteAsync(ct);
                await transaction.CommitAsync(ct);
                return result;
            }
            catch (PostgresException e) when (attempt < Attempts
                && e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure)
            {
                await transaction.RollbackAsync(ct);
            }
            finally
            {
                Leave();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction its caller owns and ends itself (an import commits, or rolls back
    /// a dry run): commands sent meanwhile join it, and the facility changes are completed before this returns.
    /// </summary>
    public async ValueTask<T> JoinAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Func<CancellationToken, ValueTask<T>> work, CancellationToken ct)
    {
        if (IsOpen)
        {
            throw new InvalidOperationException("A transaction is open in this scope already.");
        }
        Enter(connection, transaction);
        try
        {
            var result = await work(ct);
            await _facilities!.CompleteAsync(ct);
            return result;
        }
        finally
        {
            Leave();
        }
    }

    private void Enter(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        (_connection, _transaction) = (connection, transaction);
        _facilities = new FacilityChanges(connection, transaction, confidence);
    }

    private void Leave() => (_connection, _transaction, _facilities) = (null, null, null);

    private static InvalidOperationException NotOpen() =>
        new("No transaction is open: only a command (IWriteCommand) runs in one.");
}
