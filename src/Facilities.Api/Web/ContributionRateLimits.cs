using System.Net;
using System.Net.Sockets;
using Facilities.Api.Data;
using Mediator;
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

    /// <summary>Reads per IP address and window, counted by each replica in memory; unset means reads are not limited.</summary>
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
/// Contribution budgets in PostgreSQL (rate_limit_windows, migration 0014): one fixed window per account and action,
/// whose size grows with reputation, and one per IP address, so neither many accounts on one address nor one account
/// on many addresses gets around them, and every replica spends from the same budget. A write's budget is spent in
/// the write's own transaction (<see cref="ContributionBudgetBehavior{TMessage,TResponse}"/>): a request refused by
/// validation never reaches it, and one answered 409 rolls its increment back with the rest. Sign-in attempts spend
/// theirs at once, whatever the answer. A refusal is a 429 problem with Retry-After.
/// </summary>
public sealed class ContributionRateLimits(RateLimitSettings settings, NpgsqlDataSource dataSource)
{
    private static readonly string[] Actions = [RateLimitSettings.ProposalsAction, RateLimitSettings.VotesAction, RateLimitSettings.ReportsAction];

    // One statement per request: each key's row of the current window is created or incremented, but only while it
    // is below its budget. The row lock is held until the transaction ends, so two replicas spending the same key
    // take turns and neither can overspend; a key refused (no row returned) makes the caller roll back the others.
    private const string SpendSql =
        "with w as (select to_timestamp(floor(extract(epoch from now()) / $3) * $3) as start), " +
        "granted as (" +
        "    insert into rate_limit_windows as r (key, window_start, spent, budget) " +
        "    select k.key, w.start, 1, k.budget from unnest($1::text[], $2::int[]) as k(key, budget), w " +
        "    on conflict (key, window_start) do update set spent = r.spent + 1, budget = excluded.budget " +
        "    where r.spent < excluded.budget returning 1) " +
        "select (select count(*) from granted)::int, " +
        "  greatest(1, ceil(extract(epoch from (select start from w) + make_interval(secs => $3) - now())))::int";

    private const string GiveBackSql =
        "update rate_limit_windows set spent = spent - 1 " +
        "where key = any($1) and window_start = to_timestamp(floor(extract(epoch from now()) / $2) * $2) and spent > 0";

    public RateLimitSettings Settings => settings;

    private double WindowSeconds => settings.WindowMinutes * 60;

    /// <summary>The keys and budgets a contribution of <paramref name="action"/> by this account from this address spends.</summary>
    public (string[] Keys, int[] Budgets) ContributionKeys(string action, Guid user, int reputation, string address) =>
        ([$"{action}:user:{user}", $"{action}:ip:{address}"],
         [settings.Budget(action, reputation), settings.Budget(action, settings.HigherFrom) * settings.PerIpFactor]);

    /// <summary>
    /// Spends one of each key's budget on <paramref name="connection"/> (in its open transaction, when it has one);
    /// answers null when granted, or the seconds until the window ends when one key's budget is spent. A refusal
    /// inside a transaction leaves the other keys incremented: the caller rolls back.
    /// </summary>
    public async Task<int?> SpendAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] keys, int[] budgets, CancellationToken ct)
    {
        if (budgets.Any(b => b <= 0))
        {
            return (int)Math.Ceiling(WindowSeconds);
        }
        await using var command = new NpgsqlCommand(SpendSql, connection, transaction);
        command.Parameters.AddWithValue(keys);
        command.Parameters.AddWithValue(budgets);
        command.Parameters.AddWithValue(WindowSeconds);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt32(0) == keys.Length ? null : reader.GetInt32(1);
    }

    /// <summary>Gives back what <see cref="SpendAsync"/> took, in the same transaction (a refusal that still commits).</summary>
    public async Task GiveBackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] keys, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(GiveBackSql, connection, transaction);
        command.Parameters.AddWithValue(keys);
        command.Parameters.AddWithValue(WindowSeconds);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Spends one attempt of the address's sign-in budget, committed at once: null when granted, else the seconds to wait.</summary>
    public async Task<int?> SpendSignInAsync(string address, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await SpendAsync(connection, null, [$"{RateLimitSettings.AuthAction}:ip:{address}"], [settings.AuthPerIp], ct);
    }

    /// <summary>What an account has left of each budget in the current window (for GET /me).</summary>
    public async Task<IReadOnlyDictionary<string, BudgetLeft>> LeftAsync(Guid user, int reputation, CancellationToken ct)
    {
        var spent = new Dictionary<string, int>();
        if (settings.Enabled)
        {
            await using var command = dataSource.CreateCommand(
                "select key, spent from rate_limit_windows where key = any($1) and window_start = to_timestamp(floor(extract(epoch from now()) / $2) * $2)");
            command.Parameters.AddWithValue(Actions.Select(a => $"{a}:user:{user}").ToArray());
            command.Parameters.AddWithValue(WindowSeconds);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                spent[reader.GetString(0)] = reader.GetInt32(1);
            }
        }
        return Actions.ToDictionary(action => action, action =>
        {
            var limit = settings.Budget(action, reputation);
            return new BudgetLeft(limit, Math.Max(0, limit - spent.GetValueOrDefault($"{action}:user:{user}")), WindowSeconds);
        });
    }

    /// <summary>Deletes the windows that have ended (hourly, by one replica: Data/PeriodicJobs.cs).</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("delete from rate_limit_windows where window_start < now() - make_interval(secs => $1)");
        command.Parameters.AddWithValue(WindowSeconds);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The address a budget is kept for: IPv4 as it is, IPv6 by its /64 (one subscriber's network; an attacker gets
    /// 2^64 addresses from one, which must not mean 2^64 budgets).
    /// </summary>
    public static string AddressKey(IPAddress? address)
    {
        address ??= IPAddress.Loopback;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public static DomainException Refusal(int seconds) =>
        new(StatusCodes.Status429TooManyRequests, "Too many requests", $"The budget for this kind of request is spent; try again in {seconds} s.")
        {
            RetryAfterSeconds = seconds,
        };
}

/// <summary>Hourly, by one replica: deletes the budget windows that have ended.</summary>
public sealed class RateLimitWindowSweep(ContributionRateLimits limits) : IPeriodicJob
{
    public string Name => "rate-limit-sweep";

    public TimeSpan Interval => TimeSpan.FromHours(1);

    public Task RunAsync(IServiceProvider services, CancellationToken ct) => limits.SweepAsync(ct);
}

public sealed record BudgetLeft(int Limit, long Remaining, double WindowSeconds);

/// <summary>
/// Spends the contribution budget of the HTTP request's endpoint (<see cref="ContributionBudget"/>) inside the
/// transaction of its command, right after <see cref="TransactionBehavior{TMessage,TResponse}"/> opened it: once per
/// transaction (a command sent from inside another does not spend again; a retried transaction spends afresh). A
/// refusal that still commits (<see cref="Outcome{T}"/>) gives the budget back.
/// </summary>
public sealed class ContributionBudgetBehavior<TMessage, TResponse>(
    IHttpContextAccessor http, UnitOfWork unitOfWork, ContributionRateLimits limits) : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    private const string SpentInItem = "facilities.budget-spent-in";

    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        if (message is not IWriteCommand || !limits.Settings.Enabled || http.HttpContext is not { } context
            || context.GetEndpoint()?.Metadata.GetMetadata<ContributionBudget>() is not { Action: not RateLimitSettings.AuthAction } budget
            || !Guid.TryParse(context.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value, out var user)
            || ReferenceEquals(context.Items[SpentInItem], unitOfWork.Transaction))
        {
            return await next(message, cancellationToken);
        }
        context.Items[SpentInItem] = unitOfWork.Transaction;

        int reputation;
        await using (var read = new NpgsqlCommand("select reputation from users where id = $1", unitOfWork.Connection, unitOfWork.Transaction))
        {
            read.Parameters.AddWithValue(user);
            reputation = await read.ExecuteScalarAsync(cancellationToken) is int value ? value : 1;
        }
        var (keys, budgets) = limits.ContributionKeys(budget.Action, user, reputation, ContributionRateLimits.AddressKey(context.Connection.RemoteIpAddress));
        if (await limits.SpendAsync(unitOfWork.Connection, unitOfWork.Transaction, keys, budgets, cancellationToken) is { } seconds)
        {
            throw ContributionRateLimits.Refusal(seconds);
        }
        var response = await next(message, cancellationToken);
        if (response is IRefusable { IsRefused: true })
        {
            await limits.GiveBackAsync(unitOfWork.Connection, unitOfWork.Transaction, keys, cancellationToken);
        }
        return response;
    }
}

/// <summary>
/// Reads per IP address, counted by each replica in memory (a guard against one address flooding a replica, not a
/// fairness budget: behind a load balancer of N replicas an address gets up to N times it). Fixed windows aligned
/// to the clock; the table is emptied at each window's start and holds at most <see cref="MaxTracked"/> addresses,
/// beyond which new addresses share one budget, so a flood of addresses cannot grow the process's memory.
/// </summary>
public sealed class ReadBudgets(int budget, TimeSpan window, TimeProvider clock)
{
    public const int MaxTracked = 100_000;
    private const string Overflow = "(others)";

    private readonly Lock _gate = new();
    private Dictionary<string, int> _spent = new(StringComparer.Ordinal);
    private long _window = -1;

    /// <summary>Null when granted, else the seconds until the window ends.</summary>
    public int? TrySpend(string address)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var length = (long)window.TotalMilliseconds;
        var current = now / length;
        lock (_gate)
        {
            if (current != _window)
            {
                _window = current;
                // A new dictionary rather than Clear(): Clear keeps the capacity a flood grew it to.
                _spent = new Dictionary<string, int>(StringComparer.Ordinal);
            }
            var key = _spent.Count >= MaxTracked && !_spent.ContainsKey(address) ? Overflow : address;
            var spent = _spent.GetValueOrDefault(key);
            if (spent >= budget)
            {
                return (int)Math.Max(1, Math.Ceiling(((current + 1) * length - now) / 1000.0));
            }
            _spent[key] = spent + 1;
            return null;
        }
    }

    public int Tracked
    {
        get
        {
            lock (_gate)
            {
                return _spent.Count;
            }
        }
    }
}

public static class ContributionRateLimitsRegistration
{
    public static IServiceCollection AddContributionRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = configuration.GetSection(RateLimitSettings.Section).Get<RateLimitSettings>() ?? new RateLimitSettings();
        services.AddSingleton(settings);
        services.AddSingleton<ContributionRateLimits>();
        services.AddHttpContextAccessor();
        if (settings.ReadsPerIp is { } reads)
        {
            services.AddSingleton(services => new ReadBudgets(reads, TimeSpan.FromMinutes(settings.WindowMinutes), services.GetRequiredService<TimeProvider>()));
        }
        return services;
    }

    /// <summary>
    /// Sign-in attempts (register, login, refresh) spend the address's budget before anything else, and reads the
    /// replica's per-address budget when one is set; contributions spend theirs in their command's transaction
    /// (<see cref="ContributionBudgetBehavior{TMessage,TResponse}"/>).
    /// </summary>
    public static IApplicationBuilder UseContributionRateLimits(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<RateLimitSettings>();
        if (!settings.Enabled)
        {
            return app;
        }
        var limits = app.ApplicationServices.GetRequiredService<ContributionRateLimits>();
        var reads = app.ApplicationServices.GetService<ReadBudgets>();
        return app.Use(async (http, next) =>
        {
            int? refused = null;
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
            {
                refused = reads?.TrySpend(ContributionRateLimits.AddressKey(http.Connection.RemoteIpAddress));
            }
            else if (http.GetEndpoint()?.Metadata.GetMetadata<ContributionBudget>() is { Action: RateLimitSettings.AuthAction })
            {
                refused = await limits.SpendSignInAsync(ContributionRateLimits.AddressKey(http.Connection.RemoteIpAddress), http.RequestAborted);
            }
            if (refused is { } seconds)
            {
                await WriteRefusalAsync(http, seconds);
                return;
            }
            await next(http);
        });
    }

    private static async Task WriteRefusalAsync(HttpContext http, int seconds)
    {
        http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        var refusal = ContributionRateLimits.Refusal(seconds);
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = refusal.Status,
                Title = refusal.Title,
                Detail = refusal.Message,
                Type = "https://www.rfc-editor.org/rfc/rfc6585#section-4",
            },
        });
    }
}
