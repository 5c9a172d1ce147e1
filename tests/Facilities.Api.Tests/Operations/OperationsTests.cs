using System.Net;
using System.Text.Json;
using Facilities.Api.Web;
using Facilities.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests.Operations;

/// <summary>Liveness, readiness, metrics for Prometheus, and readiness turning off when the replica begins to stop.</summary>
public sealed class OperationsTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    [Fact]
    public async Task Ready_needs_every_migration_applied_while_live_only_needs_the_process()
    {
        await using var app = new FacilitiesApp(_database);
        using var client = app.CreateClient();
        var (status, body) = await GetJsonAsync(client, "/healthz/ready");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("migrations").GetProperty("status").GetString());

        await using (var dataSource = _database.CreateDataSource())
        await using (var forget = dataSource.CreateCommand("delete from schema_migrations where id = (select max(id) from schema_migrations) returning id"))
        {
            var removed = (string)(await forget.ExecuteScalarAsync())!;
            (status, body) = await GetJsonAsync(client, "/healthz/ready");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains(removed, body.GetProperty("checks").GetProperty("migrations").GetProperty("description").GetString());
        }
        (status, _) = await GetJsonAsync(client, "/healthz/live");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_stopping_replica_is_not_ready_but_still_answers()
    {
        await using var app = new FacilitiesApp(_database);
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/ready")).StatusCode);
        // What the host's ApplicationStopping does (Program.cs): the test host cannot be stopped and still asked.
        app.Services.GetRequiredService<ShutdownDrain>().Begin();
        var (status, body) = await GetJsonAsync(client, "/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("accepting").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/categories")).StatusCode);
    }

    [Fact]
    public async Task Metrics_for_requests_npgsql_and_the_runtime_are_exposed_for_prometheus()
    {
        await using var app = new FacilitiesApp(_database);
        using var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/facilities/nearby?lat=51.5&lon=-0.12")).StatusCode);
        string text = "";
        for (var i = 0; i < 50 && !(text.Contains("http_server_request_duration") && text.Contains("db_client")); i++)
        {
            await Task.Delay(200);
            using var metrics = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            text = await metrics.Content.ReadAsStringAsync();
        }
        Assert.Contains("http_server_request_duration_seconds_bucket", text);
        Assert.Contains("db_client_", text);
        Assert.Contains("dotnet_gc_", text);
    }
}
