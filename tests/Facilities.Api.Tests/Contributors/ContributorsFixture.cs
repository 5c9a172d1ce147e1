using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Facilities.Api.Tests.Contributors;

/// <summary>An account signed in through the API, with a client that sends its bearer token.</summary>
public sealed record Account(Guid Id, string Email, string Password, HttpClient Client);

/// <summary>
/// A fresh database and the API over it with a configured first admin; rate limits are off unless a subclass sets
/// budgets. Established users are made the way an operator makes them: the admin sets their reputation.
/// </summary>
public class ContributorsFixture : IAsyncLifetime
{
    public const string AdminEmail = "admin@facilities.test";
    public const string AdminPassword = "correct horse battery";

    private FacilitiesApp _inner = null!;
    private int _accounts;

    public TestDatabase Database { get; private set; } = null!;
    public WebApplicationFactory<Program> App { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;
    public Account Admin { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits:Enabled"] = "false",
    };

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        _inner = new FacilitiesApp(Database);
        App = _inner.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("FACILITIES_ADMIN_EMAIL", AdminEmail);
            builder.UseSetting("FACILITIES_ADMIN_PASSWORD", AdminPassword);
            foreach (var (key, value) in Settings)
            {
                builder.UseSetting(key, value);
            }
        });
        Anonymous = App.CreateClient();
        Admin = await LoginAsync(AdminEmail, AdminPassword);
    }

    public async Task DisposeAsync()
    {
        Anonymous.Dispose();
        await App.DisposeAsync();
        await _inner.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>A new account, at the given reputation (set by the admin when it is not the initial 1).</summary>
    public async Task<Account> RegisterAsync(int reputation = 1, string? name = null)
    {
        var n = Interlocked.Increment(ref _accounts);
        var email = $"user{n}-{Guid.NewGuid():N}@facilities.test";
        const string password = "a long enough password";
        using var response = await Anonymous.PostAsJsonAsync("/api/v1/auth/register", new { email, password, name = name ?? $"user {n}" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register answered {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var account = new Account(json.GetProperty("id").GetGuid(), email, password, Client(json.GetProperty("access_token").GetString()!));
        if (reputation != 1)
        {
            await SetReputationAsync(account.Id, reputation);
        }
        return account;
    }

    public async Task SetReputationAsync(Guid user, int reputation)
    {
        using var set = await Admin.Client.PutAsJsonAsync($"/api/v1/admin/users/{user}/reputation", new { reputation });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
    }

    public async Task<Account> LoginAsync(string email, string password)
    {
        using var response = await Anonymous.PostAsJsonAsync("/api/v1/auth/login", new { email, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"login answered {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var me = Client(json.GetProperty("access_token").GetString()!);
        var id = (await me.GetFromJsonAsync<JsonElement>("/api/v1/me")).GetProperty("id").GetGuid();
        return new Account(id, email, password, me);
    }

    public HttpClient Client(string token)
    {
        var client = App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A facility made by the admin's create proposal (which applies at once), at a place of its own.</summary>
    public async Task<Guid> CreateFacilityAsync(object? changes = null, double? lat = null, double? lon = null)
    {
        var n = Interlocked.Increment(ref _accounts);
        var proposal = await ProposeAsync(Admin, new
        {
            kind = "create",
            location = new { lat = lat ?? 51.0 + n * 0.01, lon = lon ?? -0.5 + n * 0.01 },
            changes = changes ?? new { category = "toilet", name = $"Facility {n}", wheelchair = "no" },
            comment = "Seen it",
        });
        Assert.Equal("accepted", proposal.GetProperty("state").GetString());
        return proposal.GetProperty("facility_id").GetGuid();
    }

    /// <summary>Posts as <paramref name="account"/>, asserts the status (201 unless told) and answers the body.</summary>
    public static async Task<JsonElement> PostAsync(Account account, string url, object body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var response = await account.Client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Posts a proposal and asserts the 201.</summary>
    public static Task<JsonElement> ProposeAsync(Account author, object body) => PostAsync(author, "/api/v1/proposals", body);

    public static async Task<(HttpStatusCode Status, JsonElement Body)> VoteAsync(Account voter, Guid proposal, string vote)
    {
        using var response = await voter.Client.PostAsJsonAsync($"/api/v1/proposals/{proposal}/votes", new { vote });
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> FacilityAsync(Guid id) =>
        (await Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/facilities/{id}")).GetProperty("properties");

    public async Task<int> ReputationAsync(Guid user) =>
        (await Anonymous.GetFromJsonAsync<JsonElement>($"/api/v1/users/{user}")).GetProperty("reputation").GetInt32();

    public async Task<long> ScalarAsync(string sql, params object[] values)
    {
        await using var dataSource = Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql, params object[] values)
    {
        await using var dataSource = Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        await command.ExecuteNonQueryAsync();
    }
}

internal static class ProblemAssert
{
    /// <summary>Asserts a problem+json answer with this status; returns its body.</summary>
    public static async Task<JsonElement> IsProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
