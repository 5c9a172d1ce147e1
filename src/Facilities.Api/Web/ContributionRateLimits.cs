using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Facilities.Api.Web;

/// <summary>Budgets per hour, bound from the configuration section "RateLimits" (e.g. <c>RateLimits__Proposals=3</c>).</summary>
public sealed class RateLimitSettings
{
    public const string Section = "RateLimits";

    public bool Enabled { get; set; } = true;
    public double WindowMinutes { get; set; } = 60;

    /// <summary>Per account and window, below <see cref="HigherFrom"/> reputation.</summary>
    public int Proposals { get; set; } = 10;
    public int Votes { get; set; } = 60;

    /// <summary>Reports and confirmations share this budget.</summary>
    public int Reports { get; set; } = 20;

    public int HigherFrom { get; set; } = 100;
    public int HigherFactor { get; set; } = 10;

    /// <summary>Per IP address the budget is this many times an established account's: people share addresses.</summary>
    public int PerIpFactor { get; set; } = 10;

    /// <summary>Register, login and refresh per IP address and window.</summary>
    public int AuthPerIp { get; set; } = 60;

    /// <summary>Reads per IP address and window; unset means reads are not limited.</summary>
    public int? ReadsPerIp { get; set; }

    public int Budget(string action, int reputation) =>
        (action switch { ProposalsAction => Proposals, VotesAction => Votes, ReportsAction => Reports, _ => 0 })
        * (reputation >= HigherFrom ? HigherFactor : 1);

    public const string ProposalsAction = "proposals";
    public const string VotesAction = "votes";
    public const string ReportsAction = "reports";
    public const string AuthAction = "auth";
}

/// <summary>Endpoint metadata: which budget a request spends.</summary>
public sealed record ContributionBudget(string Action);

/// <summary>
/// Rate limits for writes (ASP.NET Core rate limiting): one fixed window per account and action, whose size grows
/// with reputation, chained with one per IP address, so neither many accounts on one address nor one account on many
/// addresses gets around them. A refusal is a 429 problem with Retry-After.
/// </summary>
public sealed class ContributionRateLimits : IDisposable
{
    public const string ReputationItem = "facilities.reputation";

    private readonly RateLimitSettings _settings;
    private readonly PartitionedRateLimiter<BudgetRequest> _perAccount;
    private readonly PartitionedRateLimiter<BudgetRequest> _perIp;

    public sealed record BudgetRequest(string? Action, Guid? User, int Reputation, string Ip, bool IsRead);

    public ContributionRateLimits(RateLimitSettings settings)
    {
        _settings = settings;
        var window = TimeSpan.FromMinutes(settings.WindowMinutes);
        _perAccount = PartitionedRateLimiter.Create<BudgetRequest, string>(r =>
        {
            if (!settings.Enabled || r.User is null || r.Action is null or RateLimitSettings.AuthAction)
            {
                return RateLimitPartition.GetNoLimiter("none");
            }
            var budget = settings.Budget(r.Action, r.Reputation);
            // The budget is part of the key: an account that reaches the higher tier starts a window of the new size.
            return RateLimitPartition.GetFixedWindowLimiter($"{r.Action}:{r.User}:{budget}", _ => Window(budget, window));
        });
        _perIp = PartitionedRateLimiter.Create<BudgetRequest, string>(r =>
        {
            int? budget = !settings.Enabled ? null
                : r.Action == RateLimitSettings.AuthAction ? settings.AuthPerIp
                : r.Action is not null ? settings.Budget(r.Action, settings.HigherFrom) * settings.PerIpFactor
                : r.IsRead ? settings.ReadsPerIp
                : null;
            return budget is { } permits
                ? RateLimitPartition.GetFixedWindowLimiter($"{r.Action ?? "reads"}:{r.Ip}", _ => Window(permits, window))
                : RateLimitPartition.GetNoLimiter("none");
        });
        Global = PartitionedRateLimiter.CreateChained(_perAccount, _perIp).WithTranslatedKey<HttpContext>(ToRequest, leaveOpen: true);
    }

    public PartitionedRateLimiter<HttpContext> Global { get; }

    /// <summary>What an account has left of each budget in the current window (for GET /me).</summary>
    public IReadOnlyDictionary<string, BudgetLeft> Left(Guid user, int reputation) =>
        new[] { RateLimitSettings.ProposalsAction, RateLimitSettings.VotesAction, RateLimitSettings.ReportsAction }.ToDictionary(
            action => action,
            action => new BudgetLeft(
                _settings.Budget(action, reputation),
                _settings.Enabled ? _perAccount.GetStatistics(new BudgetRequest(action, user, reputation, "", false))?.CurrentAvailablePermits ?? 0
                    : _settings.Budget(action, reputation),
                _settings.WindowMinutes * 60));

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) =>
        new() { PermitLimit = Math.Max(permits, 0), Window = window, QueueLimit = 0, AutoReplenishment = true };

    private static BudgetRequest ToRequest(HttpContext http)
    {
        var action = http.GetEndpoint()?.Metadata.GetMetadata<ContributionBudget>()?.Action;
        Guid? user = Guid.TryParse(http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value, out var id) ? id : null;
        var reputation = http.Items.TryGetValue(ReputationItem, out var r) && r is int value ? value : 1;
        var ip = http.Connection.RemoteIpAddress?.ToString() ?? IPAddress.Loopback.ToString();
        return new BudgetRequest(action, user, reputation, ip, HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method));
    }

    public void Dispose()
    {
        Global.Dispose();
        _perAccount.Dispose();
        _perIp.Dispose();
    }
}

public sealed record BudgetLeft(int Limit, long Remaining, double WindowSeconds);

public static class ContributionRateLimitsRegistration
{
    public static IServiceCollection AddContributionRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>() ?? new RateLimitSettings();
        services.AddSingleton(settings);
        services.AddSingleton<ContributionRateLimits>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<ContributionRateLimits>((options, limits) =>
        {
            options.GlobalLimiter = limits.Global;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var problems = context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status429TooManyRequests,
                        Title = "Too many requests",
                        Detail = $"The budget for this kind of request is spent; try again in {seconds} s.",
                        Type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
                    },
                });
            };
        });
        return services;
    }

    /// <summary>
    /// Reads the reputation of an authenticated write's account before the rate limiter partitions it (the partition
    /// function cannot wait for the database), then applies the limits.
    /// </summary>
    public static IApplicationBuilder UseContributionRateLimits(this IApplicationBuilder app)
    {
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<ContributionBudget>() is not null
                && Guid.TryParse(http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value, out var id))
            {
                var dataSource = http.RequestServices.GetRequiredService<NpgsqlDataSource>();
                await using var command = dataSource.CreateCommand("select reputation from users where id = $1");
                command.Parameters.AddWithValue(id);
                if (await command.ExecuteScalarAsync(http.RequestAborted) is int reputation)
                {
                    http.Items[ContributionRateLimits.ReputationItem] = reputation;
                }
            }
            await next(http);
        });
        // Reads are not limited unless ReadsPerIp is set: they then skip the limiter altogether instead of being
        // partitioned into an unlimited bucket, which cost the hot nearby path measurable CPU per request.
        var settings = app.ApplicationServices.GetRequiredService<RateLimitSettings>();
        return app.UseWhen(
            http => settings.ReadsPerIp is not null || !(HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method)),
            limited => limited.UseRateLimiter());
    }
}
