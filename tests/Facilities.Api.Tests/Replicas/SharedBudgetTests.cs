using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Testing;

namespace Facilities.Api.Tests.Replicas;

/// <summary>
/// Contribution budgets live in PostgreSQL: two API instances over one database spend from one budget, a restart keeps
/// it, and a request refused by validation or answered 409 spends none of it.
/// </summary>
public sealed class SharedBudgetTests : IAsyncLifetime
{
    private const int Budget = 3;
    private TestDatabase _database = null!;
    private readonly Guid _facility = Guid.NewGuid();
    private readonly Guid _removed = Guid.NewGuid();

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        await TestFacilities.InsertAsync(_database, [
            new TestFacility(-0.12, 51.5) { Id = _facility, Name = "Budget test" },
            new TestFacility(-0.13, 51.5) { Id = _removed, Name = "Gone", Status = "removed" },
        ]);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private FacilitiesApp Replica() => new(_database, settings: new Dictionary<string, string>
    {
        ["RateLimits:Proposals"] = Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:AuthPerIp"] = "1000",
        ["RateLimits:PerIpFactor"] = "1000",
    });

    private static async Task<string> RegisterAsync(FacilitiesApp app)
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"budget-{Guid.NewGuid():N}@facilities.test", password = "a long enough password", name = "Budget user" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static HttpClient Client(FacilitiesApp app, string token)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<HttpResponseMessage> ProposeAsync(HttpClient client, string name, Guid? facility = null, string? comment = "Seen the sign") =>
        await client.PostAsJsonAsync("/api/v1/proposals",
            new { kind = "update", facility_id = facility ?? _facility, changes = new { name }, comment });

    private static async Task<int> RemainingAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("rate_limits").GetProperty("proposals").GetProperty("remaining").GetInt32();

    [Fact]
    public async Task Two_replicas_spend_one_budget_and_a_restart_keeps_it()
    {
        string token;
        await using (var a = Replica())
        await using (var b = Replica())
        {
            token = await RegisterAsync(a);
            using var onA = Client(a, token);
            using var onB = Client(b, token);
            Assert.Equal(HttpStatusCode.Created, (await ProposeAsync(onA, "One")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await ProposeAsync(onB, "Two")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await ProposeAsync(onA, "Three")).StatusCode);
            Assert.Equal(0, await RemainingAsync(onB));
            using var refused = await ProposeAsync(onB, "Four");
            var problem = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, problem);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
            Assert.Contains("budget", JsonDocument.Parse(problem).RootElement.GetProperty("detail").GetString());
        }

        await using var restarted = Replica();
        using var again = Client(restarted, token);
        Assert.Equal(0, await RemainingAsync(again));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await ProposeAsync(again, "Five")).StatusCode);
        Assert.Equal(Budget, await ScalarAsync("select count(*) from proposals"));
    }

    [Fact]
    public async Task A_proposal_refused_by_validation_or_answered_409_spends_no_budget()
    {
        await using var app = Replica();
        using var client = Client(app, await RegisterAsync(app));
        Assert.Equal(Budget, await RemainingAsync(client));

        using (var invalid = await ProposeAsync(client, "No comment", comment: null))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }
        Assert.Equal(Budget, await RemainingAsync(client));

        using (var conflict = await ProposeAsync(client, "Removed", _removed))
        {
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        }
        Assert.Equal(Budget, await RemainingAsync(client));

        Assert.Equal(HttpStatusCode.Created, (await ProposeAsync(client, "Accepted one")).StatusCode);
        Assert.Equal(Budget - 1, await RemainingAsync(client));
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var dataSource = _database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
