using System.Text.Json;
using Facilities.Api.Data;
using Facilities.Api.Web;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Facilities.Api.Features.Health;

/// <summary>
/// Healthy when PostgreSQL answers and PostGIS is installed in the database. Unhealthy names PostgreSQL and why: the
/// service's one dependency. A connection a PostgreSQL restart broke is not an outage: the pools are cleared and the
/// check asked once more on a fresh connection.
/// </summary>
public sealed class DatabaseHealthCheck([FromKeyedServices(DatabaseRegistration.Readers)] NpgsqlDataSource dataSource, IServiceProvider services)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = dataSource.CreateCommand("select postgis_lib_version()");
                var version = await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy($"PostGIS {version}");
            }
            catch (Exception e) when (attempt == 1 && DatabaseFaults.IsBrokenConnection(e))
            {
                DatabaseReconnect.ClearPools(services);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                var why = e is PostgresException p ? $"{p.MessageText} ({p.SqlState})" : (e.InnerException ?? e).Message;
                return HealthCheckResult.Unhealthy($"PostgreSQL does not answer: {why}", e);
            }
        }
    }
}

/// <summary>Ready only when every migration this build carries is applied: a replica of a newer build waits for them.</summary>
public sealed class MigrationsHealthCheck(NpgsqlDataSource dataSource) : IHealthCheck
{
    private static readonly string[] Expected = Migrator.Scripts().Select(s => s.Id).ToArray();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var command = dataSource.CreateCommand("select coalesce(array_agg(id), '{}') from schema_migrations");
            var applied = (string[])(await command.ExecuteScalarAsync(cancellationToken))!;
            var missing = Expected.Except(applied, StringComparer.Ordinal).ToList();
            return missing.Count == 0
                ? HealthCheckResult.Healthy($"{Expected.Length} migrations applied")
                : HealthCheckResult.Unhealthy($"migrations not applied: {string.Join(", ", missing)}");
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"cannot read the applied migrations: {(e is PostgresException p ? p.MessageText : e.Message)}", e);
        }
    }
}

/// <summary>Unhealthy from the moment the replica begins to stop, so the load balancer sends it nothing new.</summary>
public sealed class AcceptingHealthCheck(ShutdownDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("this replica is stopping") : HealthCheckResult.Healthy("accepting requests"));
}

/// <summary>
/// <c>/healthz</c>: PostgreSQL and PostGIS. <c>/healthz/live</c>: the process answers (for a supervisor that restarts
/// a hung process; it never looks at the database, so a database outage restarts nothing). <c>/healthz/ready</c>:
/// the database answers, every migration is applied and the replica is not stopping (for a load balancer).
/// </summary>
public static class HealthEndpoint
{
    public const string ReadyTag = "ready";

    public static IHealthChecksBuilder AddFacilitiesHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<MigrationsHealthCheck>("migrations", tags: [ReadyTag])
            .AddCheck<AcceptingHealthCheck>("accepting", tags: [ReadyTag]);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", Options(check => check.Name == "database")).WithTags("Operations");
        app.MapHealthChecks("/healthz/live", Options(_ => false)).WithTags("Operations");
        app.MapHealthChecks("/healthz/ready", Options(check => check.Tags.Contains(ReadyTag))).WithTags("Operations");
        return app;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) =>
        new()
        {
            Predicate = predicate,
            ResponseWriter = (context, report) =>
            {
                if (report.Status == HealthStatus.Unhealthy)
                {
                    context.Response.Headers.RetryAfter = DatabaseReconnect.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                context.Response.ContentType = "application/json";
                return context.Response.WriteAsync(JsonSerializer.Serialize(new
                {
                    status = report.Status.ToString().ToLowerInvariant(),
                    checks = report.Entries.ToDictionary(e => e.Key, e => new
                    {
                        status = e.Value.Status.ToString().ToLowerInvariant(),
                        description = e.Value.Description,
                    }),
                }));
            },
        };
}
