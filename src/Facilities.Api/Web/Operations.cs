using System.Diagnostics;
using Microsoft.AspNetCore.HttpOverrides;
using OpenTelemetry.Metrics;

namespace Facilities.Api.Web;

/// <summary>
/// What an operator running several replicas needs from each: metrics for Prometheus at /metrics (ASP.NET Core,
/// Kestrel, Npgsql's pools and commands, the .NET runtime), one log line per request with its trace id, and a stop
/// that drains: on SIGTERM the replica first answers 503 at /healthz/ready for <c>Facilities:ShutdownDrainSeconds</c>
/// while still serving, so the load balancer takes it out before Kestrel stops accepting connections, and then
/// Kestrel lets the requests in flight finish (up to the host's shutdown timeout).
/// </summary>
public static class Operations
{
    public const string DrainSetting = "Facilities:ShutdownDrainSeconds";

    public static IServiceCollection AddOperations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting")
            // Npgsql's own meter: pool usage, commands executing, bytes; System.Runtime: GC, thread pool, CPU, memory.
            .AddMeter("Npgsql", "System.Runtime")
            .AddPrometheusExporter());
        var drain = TimeSpan.FromSeconds(configuration.GetValue(DrainSetting, 0.0));
        services.AddSingleton(new ShutdownDrain(drain));
        services.AddHostedService(services => services.GetRequiredService<ShutdownDrain>());
        // Behind HAProxy (./run.sh --ha) every request comes from the proxy: its X-Forwarded-For names the client, which
        // the per-address budgets need. Trusted from loopback proxies (ForwardedHeadersOptions' default) and from the
        // networks in Facilities:TrustedNetworks (CIDR, comma-separated: a container network's proxy).
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var network in (configuration["Facilities:TrustedNetworks"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        // Long enough for the drain and for the requests in flight after it.
        services.Configure<HostOptions>(options => options.ShutdownTimeout = drain + TimeSpan.FromSeconds(30));
        return services;
    }

    /// <summary>With <c>Facilities:ForwardedHeaders=true</c>: the client's address from a loopback proxy's X-Forwarded-For.</summary>
    public static IApplicationBuilder UseForwardedClientAddress(this IApplicationBuilder app, IConfiguration configuration) =>
        configuration.GetValue("Facilities:ForwardedHeaders", false) ? app.UseForwardedHeaders() : app;

    /// <summary>
    /// One line per request: method, route pattern or path (never the query, which holds residents' positions),
    /// status, milliseconds and trace id; not for health checks and metric scrapes. Off with
    /// <c>Logging:LogLevel:Facilities.Requests=Warning</c>.
    /// </summary>
    public static IApplicationBuilder UseRequestLogs(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Facilities.Requests");
        if (!logger.IsEnabled(LogLevel.Information))
        {
            return app;
        }
        return app.Use(async (http, next) =>
        {
            // A load balancer's health checks and Prometheus's scrapes come every few seconds: not worth a line each.
            if (http.Request.Path.StartsWithSegments("/healthz") || http.Request.Path.StartsWithSegments("/metrics"))
            {
                await next(http);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(http);
            }
            finally
            {
                var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value;
                RequestLog.Served(logger, http.Request.Method, route, http.Response.StatusCode,
                    Stopwatch.GetElapsedTime(started).TotalMilliseconds, Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);
            }
        });
    }

    /// <summary>Prometheus's scrape endpoint.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").WithTags("Operations");
        return app;
    }
}

internal static partial class RequestLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "{Method} {Route} answered {Status} in {ElapsedMs:0.0} ms (trace {TraceId})")]
    public static partial void Served(ILogger logger, string method, string? route, int status, double elapsedMs, string traceId);
}

/// <summary>
/// Says the replica is stopping as soon as the host begins to stop, then waits <see cref="Delay"/> before the host
/// goes on to stop Kestrel (hosted services stop in reverse order, and the web server was registered before this).
/// </summary>
public sealed class ShutdownDrain(TimeSpan delay) : IHostedService
{
    private volatile bool _draining;

    public TimeSpan Delay { get; } = delay;

    public bool IsDraining => _draining;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }
    }

    /// <summary>Called when the host signals stopping, before any service stops.</summary>
    public void Begin() => _draining = true;
}
