using System.Net;
using System.Text.Json;
using Facilities.Api.Data;
using Facilities.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests;

/// <summary>The API started as ./run.sh starts it: migrations, then the demo data from data-seed/ on first start.</summary>
public sealed class SeededFixture : ApiFixture
{
    public static string SeedDir => Path.Combine(RepositoryPaths.Root, "data-seed");

    protected override string? SeedDirectory => SeedDir;

    public int FeaturesInSeedFile { get; } =
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SeedDir, "facilities.geojson"))).RootElement.GetProperty("features").GetArrayLength();
}

public sealed class SeedAndReadTests(SeededFixture fixture) : IClassFixture<SeededFixture>
{
    [Fact]
    public async Task First_start_loads_every_seed_feature_with_a_version_a_source_and_a_change_feed_entry()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        async Task<long> Count(string sql)
        {
            await using var command = dataSource.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync())!;
        }
        Assert.True(fixture.FeaturesInSeedFile > 1000, "the demo set should have a few thousand facilities");
        Assert.Equal(fixture.FeaturesInSeedFile, await Count("select count(*) from facilities"));
        Assert.Equal(fixture.FeaturesInSeedFile, await Count("select count(*) from facility_versions where version = 1"));
        Assert.Equal(fixture.FeaturesInSeedFile, await Count("select count(distinct facility_id) from source_records"));
        // One feed entry for each seed facility's first version, and the feed is gapless: sequence numbers 1..N. (The
        // hourly job that ends temporary closures may already have reopened seed facilities whose closure is over.)
        Assert.Equal(fixture.FeaturesInSeedFile, await Count("select count(*) from change_feed where version = 1"));
        Assert.Equal(await Count("select count(*) from change_feed"), await Count("select max(seq) from change_feed"));
        Assert.Equal(await Count("select count(*) from facilities where status <> 'removed'"),
            await Count("select sum(n) from cluster_cells where zoom = 0"));
    }

    [Fact]
    public async Task The_seed_publishes_each_facility_with_the_confidence_of_the_one_definition_not_the_file()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        var parameters = fixture.App.Services.GetRequiredService<ConfidenceParameters>();
        await using var command = dataSource.CreateCommand(
            "select count(*) filter (where abs(f.confidence - c.confidence) > 1e-6), count(*) " +
            "from facilities f join facility_confidence(array(select id from facilities), now(), $1, $2, $3, $4) c on c.facility_id = f.id");
        foreach (var value in (object[])[parameters.ConfirmationStep, parameters.ConfirmationDays, parameters.ReportStep, parameters.ReportDays])
        {
            command.Parameters.AddWithValue(value);
        }
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(0, reader.GetInt64(0));
        Assert.Equal(fixture.FeaturesInSeedFile, reader.GetInt64(1));

        // The file's values are where each facility started; what is stored is the definition's, so many moved.
        var fileValues = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(SeededFixture.SeedDir, "facilities.geojson"))).RootElement
            .GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties"))
            .Where(p => p.TryGetProperty("confidence", out _))
            .ToDictionary(p => p.GetProperty("record_id").GetString()!, p => p.GetProperty("confidence").GetDouble());
        await using var stored = dataSource.CreateCommand(
            "select s.external_id, f.confidence::float8 from facilities f join source_records s on s.facility_id = f.id");
        await using var rows = await stored.ExecuteReaderAsync();
        var moved = 0;
        while (await rows.ReadAsync())
        {
            if (fileValues.TryGetValue(rows.GetString(0), out var file) && Math.Abs(file - rows.GetDouble(1)) > 0.005)
            {
                moved++;
            }
        }
        Assert.True(moved > fileValues.Count / 10, $"only {moved} of {fileValues.Count} seeded facilities have the definition's confidence");
    }

    [Fact]
    public async Task A_second_start_does_not_load_the_seed_again()
    {
        await using (var again = new FacilitiesApp(fixture.Database, SeededFixture.SeedDir))
        {
            using var client = again.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        }
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand("select count(*) from facilities");
        Assert.Equal((long)fixture.FeaturesInSeedFile, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task One_facility_carries_its_sources_and_the_provenance_of_each_attribute()
    {
        var nearby = await fixture.Client.GetJsonAsync("/api/v1/facilities/nearby?lat=32.0603&lon=118.7969&radius_m=20000&limit=5");
        var id = nearby.Features().First().Id();

        var feature = await fixture.Client.GetJsonAsync($"/api/v1/facilities/{id}");
        var properties = feature.GetProperty("properties");
        Assert.Equal(id, feature.GetProperty("id").GetString());
        var source = Assert.Single(properties.GetProperty("sources").EnumerateArray());
        Assert.Contains(source.GetProperty("kind").GetString(), (string[])["official", "community"]);
        Assert.False(string.IsNullOrEmpty(source.GetProperty("license").GetString()));
        Assert.False(string.IsNullOrEmpty(source.GetProperty("record_id").GetString()));
        var provenance = properties.GetProperty("provenance");
        foreach (var attribute in (string[])["category", "location", "status", "access", "wheelchair"])
        {
            Assert.Equal(0, provenance.GetProperty(attribute).GetProperty("source").GetInt32());
        }
        Assert.Equal(1, properties.GetProperty("version").GetInt32());

        var history = await fixture.Client.GetJsonAsync($"/api/v1/facilities/{id}/history");
        var version = Assert.Single(history.GetProperty("versions").EnumerateArray());
        Assert.Equal(1, version.GetProperty("version").GetInt32());
        Assert.Equal(properties.GetProperty("category").GetString(),
            version.GetProperty("changes").GetProperty("category").GetProperty("to").GetString());
        Assert.False(string.IsNullOrEmpty(version.GetProperty("source_dataset").GetString()));
    }

    [Fact]
    public async Task Categories_carry_their_attribute_schema_and_labels_in_both_languages()
    {
        var body = await fixture.Client.GetJsonAsync("/api/v1/categories");
        var categories = body.GetProperty("categories").EnumerateArray().ToList();
        Assert.Equal(["toilet", "drinking_water", "aed", "shower", "bench"], categories.Select(c => c.GetProperty("id").GetString()));
        foreach (var category in categories)
        {
            Assert.False(string.IsNullOrEmpty(category.GetProperty("labels").GetProperty("en").GetString()));
            Assert.False(string.IsNullOrEmpty(category.GetProperty("labels").GetProperty("zh-Hans").GetString()));
            foreach (var attribute in category.GetProperty("attributes").EnumerateObject())
            {
                Assert.False(string.IsNullOrEmpty(attribute.Value.GetProperty("labels").GetProperty("zh-Hans").GetString()));
            }
        }
        Assert.Equal("公共厕所", categories[0].GetProperty("labels").GetProperty("zh-Hans").GetString());
        Assert.Equal("无障碍通行", body.GetProperty("core_attributes").GetProperty("wheelchair").GetProperty("labels").GetProperty("zh-Hans").GetString());
    }

    [Fact]
    public async Task Health_checks_the_database()
    {
        var health = await fixture.Client.GetJsonAsync("/healthz");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.StartsWith("PostGIS", health.GetProperty("checks").GetProperty("database").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_document_and_docs_page_describe_the_resident_api()
    {
        var document = await fixture.Client.GetJsonAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in (string[])["/api/v1/facilities/nearby", "/api/v1/facilities", "/api/v1/facilities/clusters",
                     "/api/v1/facilities/{id}", "/api/v1/facilities/{id}/history", "/api/v1/categories"])
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        }
        var nearbyParameters = paths.GetProperty("/api/v1/facilities/nearby").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("radius_m", nearbyParameters);
        Assert.Contains("open_now", nearbyParameters);

        using var docs = await fixture.Client.GetAsync("/docs/index.html");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("text/html", docs.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_map_page_is_served_at_the_root()
    {
        using var response = await fixture.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("lib/leaflet/dist/leaflet.js", html, StringComparison.Ordinal);
    }
}

/// <summary>The map page says "demo data" from map-config's <c>demo_data</c>: true exactly when data-seed/ was loaded.</summary>
public sealed class DemoDataTests(SeededFixture seeded, ApiFixture empty) : IClassFixture<SeededFixture>, IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Map_config_says_demo_data_only_for_a_database_the_synthetic_seed_was_loaded_into()
    {
        Assert.True((await seeded.Client.GetJsonAsync("/api/v1/map-config")).GetProperty("demo_data").GetBoolean());
        Assert.False((await empty.Client.GetJsonAsync("/api/v1/map-config")).GetProperty("demo_data").GetBoolean());
    }
}
