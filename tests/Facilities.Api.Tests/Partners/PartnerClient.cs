using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Web;
using Facilities.Testing;
using Npgsql;

namespace Facilities.Api.Tests.Partners;

/// <summary>
/// A partner with a key, made directly in the database (the admin endpoint belongs to the accounts feature), and an
/// HTTP client that sends the key; plus the calls every partner test makes: create a dataset, upload and wait.
/// </summary>
public sealed class PartnerClient(HttpClient http, Guid partnerId) : IDisposable
{
    public HttpClient Http { get; } = http;
    public Guid PartnerId { get; } = partnerId;

    public static async Task<PartnerClient> CreateAsync(ApiFixture fixture, string name)
    {
        var partnerId = Guid.NewGuid();
        var key = PartnerApiKeys.Generate();
        await using var dataSource = fixture.Database.CreateDataSource();
        await using (var command = dataSource.CreateCommand(
            "with p as (insert into partners (id, name) values ($1, $2) returning id) insert into partner_api_keys (key_hash, partner_id) select $3, id from p"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = partnerId });
            command.Parameters.Add(new NpgsqlParameter { Value = name });
            command.Parameters.Add(new NpgsqlParameter { Value = PartnerApiKeys.Hash(key) });
            await command.ExecuteNonQueryAsync();
        }
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Add(PartnerApiKeys.HeaderName, key);
        return new PartnerClient(client, partnerId);
    }

    /// <summary>A partner made the way an administrator makes one: through the admin API, which shows its key once.</summary>
    public static async Task<PartnerClient> CreateThroughAdminAsync(ContributorsFixture fixture, string name)
    {
        using var made = await fixture.Admin.Client.PostAsJsonAsync("/api/v1/admin/partners", new { name });
        Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        var body = await made.Content.ReadFromJsonAsync<JsonElement>();
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Add(PartnerApiKeys.HeaderName, body.GetProperty("api_key").GetString());
        return new PartnerClient(client, body.GetProperty("id").GetGuid());
    }

    /// <summary>The id of the one facility within 20 m of a point, as a resident's nearby search finds it.</summary>
    public static async Task<Guid> OnlyFacilityNearAsync(HttpClient client, double lat, double lon) =>
        (await FacilitiesNearAsync(client, lat, lon)).Single();

    /// <summary>The ids of the facilities within 20 m of a point, nearest first, as a resident's nearby search finds them.</summary>
    public static async Task<List<Guid>> FacilitiesNearAsync(HttpClient client, double lat, double lon)
    {
        var near = await client.GetFromJsonAsync<JsonElement>(
            FormattableString.Invariant($"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m=20"));
        return [.. near.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetGuid())];
    }

    public async Task<Guid> CreateDatasetAsync(object body)
    {
        var response = await Http.PostAsJsonAsync("/api/v1/partner/datasets", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return Guid.Parse((string)JsonNode.Parse(text)!["id"]!);
    }

    public Task<JsonNode> ImportTextAsync(Guid datasetId, string fileName, string content, bool dryRun = false) =>
        ImportAsync(datasetId, fileName, Encoding.UTF8.GetBytes(content), dryRun);

    public Task<JsonNode> ImportFileAsync(Guid datasetId, string path, bool dryRun = false) =>
        ImportAsync(datasetId, Path.GetFileName(path), File.ReadAllBytes(path), dryRun);

    /// <summary>Uploads, expects 202, and polls the import until it has finished; answers the finished import.</summary>
    public async Task<JsonNode> ImportAsync(Guid datasetId, string fileName, byte[] content, bool dryRun = false)
    {
        var response = await UploadAsync(datasetId, fileName, content, dryRun);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var location = response.Headers.Location!.ToString();
        for (var attempt = 0; attempt < 6000; attempt++)
        {
            var import = JsonNode.Parse(await Http.GetStringAsync(location))!;
            if ((string?)import["state"] is "succeeded" or "failed")
            {
                return import;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("The import did not finish.");
    }

    public Task<HttpResponseMessage> UploadAsync(Guid datasetId, string fileName, byte[] content, bool dryRun = false, string? mediaType = null) =>
        PostFileAsync(Http, $"/api/v1/partner/datasets/{datasetId}/imports{(dryRun ? "?dry_run=true" : "")}", fileName, content, mediaType);

    /// <summary>A file as the partner endpoints take one: multipart, in a part named 'file'.</summary>
    public static Task<HttpResponseMessage> PostFileAsync(HttpClient client, string url, string fileName, byte[] content, string? mediaType = null)
    {
        var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue(mediaType ?? "application/octet-stream");
        form.Add(file, "file", fileName);
        return client.PostAsync(url, form);
    }

    public void Dispose() => Http.Dispose();
}

/// <summary>Counting rows straight from the database, to prove what an import wrote or did not write.</summary>
public static class Db
{
    public static async Task<long> CountAsync(TestDatabase database, string sql, params object[] args)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task ExecuteAsync(TestDatabase database, string sql)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A fingerprint of everything an import may write: equal fingerprints mean nothing changed.</summary>
    public static async Task<string> LayerFingerprintAsync(TestDatabase database)
    {
        await using var dataSource = database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select concat_ws('|', (select count(*) from facilities), (select coalesce(sum(version), 0) from facilities), " +
            "(select count(*) from source_records), (select count(*) from source_records where removed_at is not null), " +
            "(select count(*) from facility_versions), (select count(*) from facility_provenance), (select coalesce(max(seq), 0) from change_feed), " +
            "(select count(*) from review_items), (select md5(coalesce(string_agg(id::text || name || status || st_astext(geom) || confidence, ',' order by id), '')) from facilities), " +
            "(select md5(coalesce(string_agg(attributes::text || observed_at::text, ',' order by id), '')) from source_records))");
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
