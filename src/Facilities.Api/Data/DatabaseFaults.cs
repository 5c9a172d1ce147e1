using Npgsql;

namespace Facilities.Api.Data;

/// <summary>
/// Failures that say nothing about the request and everything about the database's state at that moment: it is
/// down, restarting, out of connections, or a lock could not be had in time. Retrying later can succeed, so a
/// client gets a 503 with Retry-After and a background job waits and tries again.
/// </summary>
public static class DatabaseFaults
{
    /// <summary>lock_not_available: the session's <c>lock_timeout</c> ran out before it got the lock.</summary>
    public const string LockNotAvailable = "55P03";

    /// <summary>The database did the work's refusal, not the work's own fault: try again later.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        PostgresException p => p.SqlState == LockNotAvailable || p.SqlState.StartsWith("08", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal)
                               || p.IsTransient,
        // Npgsql marks socket errors, refused connections, timeouts and an exhausted pool transient.
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or System.Net.Sockets.SocketException,
        _ => false,
    };

    /// <summary>
    /// The connection itself is gone (the server restarted or was killed, the socket broke): the pool's other idle
    /// connections to that server are as dead, so the pool is worth clearing, and a read is worth one more try on
    /// a fresh connection.
    /// </summary>
    public static bool IsBrokenConnection(Exception exception) => exception switch
    {
        PostgresException p => p.SqlState is "57P01" or "57P02" || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException n => n.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException,
        _ => false,
    };

    /// <summary>The lock wait ran out (see <see cref="LockNotAvailable"/>).</summary>
    public static bool IsLockTimeout(Exception exception) => exception is PostgresException { SqlState: LockNotAvailable };
}
