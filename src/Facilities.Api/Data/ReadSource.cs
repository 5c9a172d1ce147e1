using Npgsql;

namespace Facilities.Api.Data;

/// <summary>
/// The pool a read-only request reads from: a standby's when one is configured (<c>ConnectionStrings:FacilitiesReads</c>)
/// and usable (<see cref="StandbyLag"/>), the primary's readers' pool otherwise. A request that carries credentials
/// (a contributor's bearer token, a partner's key) always reads from the primary: that is how a contributor's read
/// right after their own write sees it, whichever replica serves either request, at the price of the few signed-in
/// reads going to the primary; residents' anonymous reads, the volume, go to the standbys.
/// </summary>
public sealed class ReadSource(IServiceProvider services, IHttpContextAccessor http, StandbyLag lag)
{
    private NpgsqlDataSource? _chosen;

    public NpgsqlDataSource DataSource => _chosen ??= Choose();

    /// <summary>Whether this request reads from a standby.</summary>
    public bool FromStandby => lag.Configured && lag.Usable && !Identified(http.HttpContext);

    public NpgsqlCommand CreateCommand(string sql) => DataSource.CreateCommand(sql);

    public NpgsqlBatch CreateBatch() => DataSource.CreateBatch();

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct) => DataSource.OpenConnectionAsync(ct);

    private NpgsqlDataSource Choose() => FromStandby
        ? services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseRegistration.StandbyReaders)
        : services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseRegistration.Readers);

    /// <summary>Signed in or a partner: the request carries a bearer token or an API key.</summary>
    public static bool Identified(HttpContext? http) =>
        http is not null && (http.Request.Headers.Authorization.Count > 0 || http.Request.Headers.ContainsKey("X-Api-Key"));
}

/// <summary>
/// Watches how far the standby behind <c>ConnectionStrings:FacilitiesReads</c> is behind the primary, every
/// <c>Facilities:Reads:CheckSeconds</c> (2): a standby whose replay is behind what it has received by more than
/// <c>Facilities:Reads:MaxLagSeconds</c> (5), or that does not answer, is not read from until it catches up.
/// Caught up means replayed all it received (an idle primary sends nothing, so the age of the last replayed
/// transaction alone would call an idle standby late). With several standbys behind one connection string, each
/// check sees the one its connection reached; the topology's HAProxy checks each with Patroni's lag bound as well.
/// </summary>
public sealed class StandbyLag(IServiceProvider services, IConfiguration configuration, ILogger<StandbyLag> logger) : BackgroundService
{
    private const string LagSql =
        "select case when not pg_is_in_recovery() or pg_last_wal_receive_lsn() is null or pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0 " +
        "       else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0) end::float8";

    private volatile bool _usable = true;

    public bool Configured { get; } = !string.IsNullOrEmpty(configuration.GetConnectionString(DatabaseRegistration.StandbyConnectionName));

    public bool Usable => _usable;

    public double MaxLagSeconds { get; } = configuration.GetValue("Facilities:Reads:MaxLagSeconds", 5.0);

    public double? LastLagSeconds { get; private set; }

    /// <summary>The decision, apart from the database: usable when the lag is known and within the bound.</summary>
    public static bool WithinBound(double? lagSeconds, double maxLagSeconds) => lagSeconds is { } lag && lag <= maxLagSeconds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Configured)
        {
            return;
        }
        var standby = services.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseRegistration.StandbyReaders);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(configuration.GetValue("Facilities:Reads:CheckSeconds", 2.0)));
        do
        {
            double? lag;
            try
            {
                await using var command = standby.CreateCommand(LagSql);
                lag = (double)(await command.ExecuteScalarAsync(stoppingToken))!;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                lag = null;
                logger.LogWarning(e, "The standby does not answer; reads go to the primary");
            }
            var usable = WithinBound(lag, MaxLagSeconds);
            if (usable != _usable)
            {
                logger.LogWarning("Reads go to {Where}: standby lag {Lag} s, bound {Bound} s", usable ? "the standby" : "the primary", lag, MaxLagSeconds);
            }
            (LastLagSeconds, _usable) = (lag, usable);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
