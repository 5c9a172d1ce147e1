using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Api.Data;
using Facilities.Testing;
using Npgsql;

namespace Facilities.Api.Tests.Replicas;

/// <summary>
/// Reads on standbys: a second database stands for the standby (it holds a facility the primary does not, so which
/// one answered shows), anonymous reads go to it, and a signed-in contributor's reads go to the primary, where their
/// own writes are. A standby host that does not answer is skipped for the primary.
/// </summary>
public sealed class StandbyReadTests : IAsyncLifetime
{
    private TestDatabase _primary = null!;
    private TestDatabase _standby = null!;
    private readonly Guid _onPrimary = Guid.NewGuid();
    private readonly Guid _onStandby = Guid.NewGuid();

    public async Task InitializeAsync()
    {
        _primary = await TestDatabase.CreateAsync();
        _standby = await TestDatabase.CreateAsync();
        await TestFacilities.InsertAsync(_primary, [new TestFacility(-0.12, 51.5) { Id = _onPrimary, Name = "Primary's" }]);
        await TestFacilities.InsertAsync(_standby, [new TestFacility(-0.12, 51.5) { Id = _onStandby, Name = "Standby's" }]);
    }

    public async Task DisposeAsync()
    {
        await _standby.DisposeAsync();
        await _primary.DisposeAsync();
    }

    private FacilitiesApp App(string reads) => new(_primary, settings: new Dictionary<string, string>
    {
        ["ConnectionStrings:" + DatabaseRegistration.StandbyConnectionName] = reads,
        ["RateLimits:Enabled"] = "false",
    });

    /// <summary>A client of a contributor who has just registered: their reads go to the primary.</summary>
    private static async Task<HttpClient> SignedInAsync(FacilitiesApp app)
    {
        using var anonymous = app.CreateClient();
        using var register = await anonymous.PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"standby-{Guid.NewGuid():N}@facilities.test", password = "a long enough password", name = "Reader" });
        Assert.Equal(HttpStatusCode.Created, register.StatusCode);
        var signedIn = app.CreateClient();
        signedIn.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString());
        return signedIn;
    }

    [Fact]
    public async Task Anonymous_reads_go_to_the_standby_and_a_signed_in_contributor_reads_the_primary()
    {
        await using var app = App(_standby.ConnectionString);
        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/facilities/{_onStandby}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/v1/facilities/{_onPrimary}")).StatusCode);
        var near = await anonymous.GetFromJsonAsync<JsonElement>("/api/v1/facilities/nearby?lat=51.5&lon=-0.12&radius_m=50");
        Assert.Equal(_onStandby, Assert.Single(near.GetProperty("features").EnumerateArray()).GetProperty("id").GetGuid());

        using var signedIn = await SignedInAsync(app);
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync($"/api/v1/facilities/{_onPrimary}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await signedIn.GetAsync($"/api/v1/facilities/{_onStandby}")).StatusCode);
        near = await signedIn.GetFromJsonAsync<JsonElement>("/api/v1/facilities/nearby?lat=51.5&lon=-0.12&radius_m=50");
        Assert.Equal(_onPrimary, Assert.Single(near.GetProperty("features").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task An_export_read_on_the_standby_is_as_of_the_standbys_feed_and_its_dump_never_answers_a_read_of_the_primary()
    {
        await using var app = App(_standby.ConnectionString);
        using var anonymous = app.CreateClient();
        // The standby's feed is ahead of the primary's here: one facility more went through it.
        await using (var dataSource = _standby.CreateDataSource())
        {
            await Facilities.Api.Tests.OpenData.FeedEdits.UpdateAsync(dataSource, _onStandby, "Standby's, renamed");
        }
        const string url = "/api/v1/export/facilities.csv";
        using var live = await anonymous.GetAsync(url);
        var body = await live.Content.ReadAsStringAsync();
        Assert.Contains(_onStandby.ToString(), body, StringComparison.Ordinal);
        Assert.Equal("1", Assert.Single(live.Headers.GetValues("Facilities-Feed-Position")));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        HttpResponseMessage again;
        while (true)
        {
            // The dump is renamed into place a moment after the last byte has gone out.
            again = await anonymous.GetAsync(url);
            if (again.Headers.AcceptRanges.Contains("bytes") || DateTime.UtcNow > deadline)
            {
                break;
            }
            again.Dispose();
            await Task.Delay(50);
        }
        using (again)
        {
            Assert.Contains("bytes", again.Headers.AcceptRanges);
            Assert.Equal(body, await again.Content.ReadAsStringAsync());
        }

        using var signedIn = await SignedInAsync(app);
        using var primary = await signedIn.GetAsync(url);
        var primaryBody = await primary.Content.ReadAsStringAsync();
        Assert.Empty(primary.Headers.AcceptRanges);
        Assert.Contains(_onPrimary.ToString(), primaryBody, StringComparison.Ordinal);
        Assert.DoesNotContain(_onStandby.ToString(), primaryBody, StringComparison.Ordinal);
        Assert.Equal("0", Assert.Single(primary.Headers.GetValues("Facilities-Feed-Position")));
    }

    [Fact]
    public async Task A_standby_host_that_does_not_answer_is_passed_over_for_the_primary()
    {
        var primary = new NpgsqlConnectionStringBuilder(_primary.ConnectionString);
        // Port 1 on loopback refuses at once; prefer-standby then settles for the primary, which is no standby.
        var reads = new NpgsqlConnectionStringBuilder(_primary.ConnectionString)
        {
            Host = $"127.0.0.1:1,{primary.Host}:{primary.Port}",
            TargetSessionAttributes = "prefer-standby",
            LoadBalanceHosts = true,
        };
        await using var app = App(reads.ConnectionString);
        using var anonymous = app.CreateClient();
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/facilities/{_onPrimary}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/api/v1/facilities/nearby?lat=51.5&lon=-0.12")).StatusCode);
        }
    }
}
