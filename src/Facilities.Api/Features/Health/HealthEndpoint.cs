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

public static class HealthEndpoint
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
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
        }).WithTags("Operations");
        return app;
    }
}
