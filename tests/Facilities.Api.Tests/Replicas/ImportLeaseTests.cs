using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Imports;
using Facilities.Api.Web;
using Facilities.Testing;
using Npgsql;

namespace Facilities.Api.Tests.Replicas;

/// <summary>
/// Two API instances over one database: an upload sent to A is stored in the database, A claims it, and when A stops
/// renewing its lease mid-import (as a killed replica does) B takes the lease and imports it — once: A, still alive,
/// cannot commit. The upload's chunks are gone when the import ends.
/// </summary>
public sealed class ImportLeaseTests : IAsyncLifetime
{
    private const int Rows = 300;
    private TestDatabase _database = null!;
    private string _key = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _key = PartnerApiKeys.Generate();
        await using var dataSource = _database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "with p as (insert into partners (id, name) values ($1, 'Lease test') returning id) insert into partner_api_keys (key_hash, partner_id) select $2, id from p");
        command.Parameters.AddWithValue(Guid.NewGuid());
        command.Parameters.AddWithValue(PartnerApiKeys.Hash(_key));
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private HttpClient Partner(FacilitiesApp app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add(PartnerApiKeys.HeaderName, _key);
        return client;
    }

    private async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] values)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.AddWithValue(value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task An_upload_to_a_replica_that_stops_renewing_its_lease_mid_import_is_imported_once_by_the_other()
    {
        await using var dataSource = _database.CreateDataSource();
        // A renews its 2-second lease only every hour: from the database's side it dies as soon as it has claimed.
        await using var a = new FacilitiesApp(_database, settings: new Dictionary<string, string>
        {
            ["Facilities:Imports:LeaseSeconds"] = "2",
            ["Facilities:Imports:HeartbeatSeconds"] = "3600",
            ["Facilities:Imports:PollSeconds"] = "0.2",
        });
        using var partnerA = Partner(a);
        using var created = await partnerA.PostAsync("/api/v1/partner/datasets", new StringContent(
            """{"name":"Lease","license":"CC-BY-4.0","attribution":"test","category":"toilet","mapping":{"id":"id","lon":"lon","lat":"lat","name":"name"}}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dataset = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        // The test holds the change-feed lock, so an import stops inside its transaction until it is let go.
        await using var holder = await dataSource.OpenConnectionAsync();
        var feed = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("lock table change_feed in exclusive mode", holder, feed))
        {
            await hold.ExecuteNonQueryAsync();
        }

        var csv = new StringBuilder("id,lon,lat,name\n");
        for (var i = 0; i < Rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{151.0 + i * 0.001:F4},{-33.0 - i * 0.001:F4},Toilet {i}\n");
        }
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "lease.csv");
        using var upload = await partnerA.PostAsync($"/api/v1/partner/datasets/{dataset}/imports", form);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var location = upload.Headers.Location!.ToString();
        var importId = Guid.Parse(location[(location.LastIndexOf('/') + 1)..]);
        Assert.True(await ScalarAsync<long>(dataSource, "select count(*) from import_uploads where import_id = $1", importId) > 0);

        await Until(async () => await ScalarAsync<int>(dataSource, "select attempts from imports where id = $1", importId) == 1, "A claims the import");
        var ownerA = await ScalarAsync<string>(dataSource, "select lease_owner from imports where id = $1", importId);

        await using var b = new FacilitiesApp(_database, settings: new Dictionary<string, string> { ["Facilities:Imports:PollSeconds"] = "0.2" });
        using var partnerB = Partner(b);
        await Until(async () => await ScalarAsync<int>(dataSource, "select attempts from imports where id = $1", importId) == 2, "B takes the expired lease");
        Assert.NotEqual(ownerA, await ScalarAsync<string>(dataSource, "select lease_owner from imports where id = $1", importId));

        // Both are now inside their import transactions; A reaches its commit with a lease that is B's.
        await feed.RollbackAsync();
        JsonNode import = null!;
        await Until(async () =>
        {
            import = JsonNode.Parse(await partnerB.GetStringAsync(location))!;
            return (string?)import["state"] is "succeeded" or "failed";
        }, "the import ends");

        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(Rows, (int)import["report"]!["created"]!);
        var interruption = Assert.Single(import["interruptions"]!.AsArray());
        Assert.Equal(ImportRunner.InterruptedByLostLease, (string?)interruption!["reason"]);
        Assert.Equal(Rows, await ScalarAsync<long>(dataSource, "select count(*) from facilities"));
        Assert.Equal(Rows, await ScalarAsync<long>(dataSource, "select count(*) from facility_versions"));
        Assert.Equal(Rows, await ScalarAsync<long>(dataSource, "select count(*) from change_feed"));
        Assert.Equal(0, await ScalarAsync<long>(dataSource, "select count(*) from import_uploads"));

        // A gave up without recording anything: the import stays B's result.
        await Task.Delay(500);
        Assert.Equal("succeeded", await ScalarAsync<string>(dataSource, "select state from imports where id = $1", importId));
        Assert.Equal(2, await ScalarAsync<int>(dataSource, "select attempts from imports where id = $1", importId));
    }

    [Fact]
    public async Task A_lease_whose_holder_on_this_machine_no_longer_runs_is_taken_at_once_not_when_it_ends()
    {
        await using var dataSource = _database.CreateDataSource();
        // An hour's lease, never renewed: only the check for a dead holder can hand the import on within the test.
        var hourLease = new Dictionary<string, string>
        {
            ["Facilities:Imports:LeaseSeconds"] = "3600",
            ["Facilities:Imports:HeartbeatSeconds"] = "3600",
            ["Facilities:Imports:PollSeconds"] = "0.2",
        };
        await using var a = new FacilitiesApp(_database, settings: hourLease);
        using var partnerA = Partner(a);
        using var created = await partnerA.PostAsync("/api/v1/partner/datasets", new StringContent(
            """{"name":"Dead holder","license":"CC-BY-4.0","attribution":"test","category":"toilet","mapping":{"id":"id","lon":"lon","lat":"lat","name":"name"}}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var dataset = (string)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!;

        await using var holder = await dataSource.OpenConnectionAsync();
        var feed = await holder.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("lock table change_feed in exclusive mode", holder, feed))
        {
            await hold.ExecuteNonQueryAsync();
        }
        var csv = new StringBuilder("id,lon,lat,name\n");
        for (var i = 0; i < Rows; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{i},{151.0 + i * 0.001:F4},{-33.0 - i * 0.001:F4},Toilet {i}\n");
        }
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv.ToString()));
        file.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(file, "file", "dead-holder.csv");
        using var upload = await partnerA.PostAsync($"/api/v1/partner/datasets/{dataset}/imports", form);
        Assert.Equal(HttpStatusCode.Accepted, upload.StatusCode);
        var location = upload.Headers.Location!.ToString();
        var importId = Guid.Parse(location[(location.LastIndexOf('/') + 1)..]);
        await Until(async () => await ScalarAsync<int>(dataSource, "select attempts from imports where id = $1", importId) == 1, "A claims the import");

        // As if the holder had been a process of this machine killed -9: its id names no running process.
        using (var exited = System.Diagnostics.Process.Start("true")!)
        {
            await exited.WaitForExitAsync();
            await using var rename = dataSource.CreateCommand("update imports set lease_owner = $2 where id = $1");
            rename.Parameters.AddWithValue(importId);
            rename.Parameters.AddWithValue($"{Environment.MachineName}:{exited.Id}:{Guid.NewGuid():N}");
            await rename.ExecuteNonQueryAsync();
        }
        Assert.True(await ScalarAsync<bool>(dataSource, "select lease_expires_at > now() + interval '50 minutes' from imports where id = $1", importId));

        await using var b = new FacilitiesApp(_database, settings: hourLease);
        using var partnerB = Partner(b);
        await Until(async () => await ScalarAsync<int>(dataSource, "select attempts from imports where id = $1", importId) == 2,
            "B takes the lease of the dead holder, an hour before it ends");

        await feed.RollbackAsync();
        JsonNode import = null!;
        await Until(async () =>
        {
            import = JsonNode.Parse(await partnerB.GetStringAsync(location))!;
            return (string?)import["state"] is "succeeded" or "failed";
        }, "the import ends");
        Assert.Equal("succeeded", (string?)import["state"]);
        Assert.Equal(Rows, (int)import["report"]!["created"]!);
        Assert.Equal(ImportRunner.InterruptedByLostLease, (string?)Assert.Single(import["interruptions"]!.AsArray())!["reason"]);
        Assert.Equal(Rows, await ScalarAsync<long>(dataSource, "select count(*) from facilities"));
        Assert.Equal(Rows, await ScalarAsync<long>(dataSource, "select count(*) from change_feed"));
    }
}
