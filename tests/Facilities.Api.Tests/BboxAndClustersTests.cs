using System.Globalization;
using Facilities.Testing;

namespace Facilities.Api.Tests;

public sealed class GridFixture : ApiFixture
{
    public const int Count = 2500;

    // Central London, about 10 x 7 km.
    public static readonly (double MinLon, double MinLat, double MaxLon, double MaxLat) Area = (-0.20, 51.47, -0.05, 51.54);

    protected override Task SeedAsync(TestDatabase database)
    {
        var random = new Random(11);
        string[] categories = ["toilet", "drinking_water", "aed", "bench", "shower"];
        return TestFacilities.InsertAsync(database, Enumerable.Range(0, Count).Select(i => new TestFacility(
            Area.MinLon + random.NextDouble() * (Area.MaxLon - Area.MinLon),
            Area.MinLat + random.NextDouble() * (Area.MaxLat - Area.MinLat),
            categories[i % categories.Length])
        {
            // A few removed ones, which the public layer never shows.
            Status = i % 50 == 0 ? "removed" : "open",
            Wheelchair = i % 3 == 0 ? "yes" : "no",
        }));
    }
}

public sealed class BboxAndClustersTests(GridFixture fixture) : IClassFixture<GridFixture>
{
    private static readonly int Visible = Enumerable.Range(0, GridFixture.Count).Count(i => i % 50 != 0);

    [Theory]
    [InlineData(7, "")]
    [InlineData(100, "")]
    [InlineData(1000, "")]
    [InlineData(33, "&wheelchair=yes")]
    public async Task Bbox_paging_returns_every_facility_exactly_once(int limit, string filter)
    {
        var (minLon, minLat, maxLon, maxLat) = GridFixture.Area;
        var url = string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/facilities?bbox={minLon},{minLat},{maxLon},{maxLat}&limit={limit}{filter}");
        var seen = new List<string>();
        var pages = 0;
        while (url is not null)
        {
            var page = await fixture.Client.GetJsonAsync(url);
            var ids = page.Features().Select(f => f.Id()).ToList();
            Assert.True(ids.Count <= limit);
            seen.AddRange(ids);
            url = page.GetProperty("links").EnumerateArray()
                .Where(l => l.GetProperty("rel").GetString() == "next")
                .Select(l => l.GetProperty("href").GetString())
                .SingleOrDefault();
            if (url is not null)
            {
                Assert.Equal(limit, ids.Count);
            }
            Assert.True(++pages < 1000, "paging does not end");
        }

        var expected = await ExpectedIdsAsync(filter == "" ? "true" : "wheelchair = 'yes'");
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Equal(expected.Order(), seen.Order());
        Assert.Equal(filter == "" ? Visible : Enumerable.Range(0, GridFixture.Count).Count(i => i % 50 != 0 && i % 3 == 0), seen.Count);
    }

    [Fact]
    public async Task A_cursor_the_service_did_not_issue_is_a_400_and_one_it_did_pages_on()
    {
        var (minLon, minLat, maxLon, maxLat) = GridFixture.Area;
        var first = string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities?bbox={minLon},{minLat},{maxLon},{maxLat}&limit=5");
        var page = await fixture.Client.GetJsonAsync(first);
        var next = page.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        var issued = System.Web.HttpUtility.ParseQueryString(new Uri(new Uri("http://x"), next).Query)["cursor"]!;
        var lastId = page.Features().Last().Id();

        await fixture.Client.GetJsonAsync(next);
        var forged = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes("v1:" + lastId));
        var altered = issued[..^3] + (issued[^3] == 'A' ? 'B' : 'A') + issued[^2..];
        foreach (var cursor in new[] { forged, altered, issued + "A" })
        {
            using var response = await fixture.Client.GetAsync(first + "&cursor=" + Uri.EscapeDataString(cursor));
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.BadRequest, $"{cursor} answered {(int)response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Bbox_returns_only_facilities_inside_the_box()
    {
        var page = await fixture.Client.GetJsonAsync("/api/v1/facilities?bbox=-0.15,51.50,-0.12,51.52&limit=1000");
        var features = page.Features().ToList();
        Assert.NotEmpty(features);
        Assert.All(features, f =>
        {
            var c = f.GetProperty("geometry").GetProperty("coordinates");
            Assert.InRange(c[0].GetDouble(), -0.15, -0.12);
            Assert.InRange(c[1].GetDouble(), 51.50, 51.52);
        });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(14)]
    [InlineData(16)]
    public async Task Clusters_count_every_visible_facility_once_at_each_zoom(int zoom)
    {
        var (minLon, minLat, maxLon, maxLat) = GridFixture.Area;
        var bbox = zoom < 8 ? "-180,-85,180,85" : string.Create(CultureInfo.InvariantCulture, $"{minLon},{minLat},{maxLon},{maxLat}");
        if (zoom >= 14)
        {
            // Street zoom only accepts a street-sized box; cover the area in pieces.
            var total = 0;
            for (var lon = minLon; lon < maxLon - 1e-9; lon += 0.025)
            {
                var clusters = await fixture.Client.GetJsonAsync(string.Create(CultureInfo.InvariantCulture,
                    $"/api/v1/facilities/clusters?zoom={zoom}&bbox={lon},{minLat},{Math.Min(lon + 0.025, maxLon)},{maxLat}"));
                total += clusters.Features().Sum(f => f.GetProperty("properties").GetProperty("count").GetInt32());
            }
            // Facilities exactly on a shared edge would count twice; random doubles make that vanishingly unlikely.
            Assert.Equal(Visible, total);
            return;
        }

        var result = await fixture.Client.GetJsonAsync($"/api/v1/facilities/clusters?zoom={zoom}&bbox={bbox}");
        var features = result.Features().ToList();
        Assert.Equal(Visible, features.Sum(f => f.GetProperty("properties").GetProperty("count").GetInt32()));
        Assert.All(features.Where(f => f.GetProperty("properties").GetProperty("count").GetInt32() == 1),
            f => Assert.True(Guid.TryParse(f.GetProperty("properties").GetProperty("id").GetString(), out _)));
        if (zoom <= 3)
        {
            Assert.Single(features);
        }
    }

    [Fact]
    public async Task Clusters_single_points_name_a_facility_that_exists_at_that_place()
    {
        var result = await fixture.Client.GetJsonAsync("/api/v1/facilities/clusters?zoom=16&bbox=-0.15,51.50,-0.14,51.51");
        var singles = result.Features().Where(f => f.GetProperty("properties").GetProperty("count").GetInt32() == 1).Take(5).ToList();
        Assert.NotEmpty(singles);
        foreach (var single in singles)
        {
            var id = single.GetProperty("properties").GetProperty("id").GetString();
            var facility = await fixture.Client.GetJsonAsync($"/api/v1/facilities/{id}");
            for (var axis = 0; axis < 2; axis++)
            {
                Assert.Equal(facility.GetProperty("geometry").GetProperty("coordinates")[axis].GetDouble(),
                    single.GetProperty("geometry").GetProperty("coordinates")[axis].GetDouble(), 1e-6);
            }
        }
    }

    [Fact]
    public async Task Clusters_filter_by_category()
    {
        var result = await fixture.Client.GetJsonAsync("/api/v1/facilities/clusters?zoom=2&bbox=-180,-85,180,85&category=aed");
        var expected = Enumerable.Range(0, GridFixture.Count).Count(i => i % 50 != 0 && i % 5 == 2);
        Assert.Equal(expected, result.Features().Sum(f => f.GetProperty("properties").GetProperty("count").GetInt32()));
        Assert.All(result.Features(), f => Assert.Equal("aed", f.GetProperty("properties").GetProperty("category").GetString()));
    }

    [Fact]
    public async Task Cluster_grid_stays_equal_to_a_full_rebuild_after_inserts_moves_and_removals()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        async Task Run(string sql)
        {
            await using var c = new Npgsql.NpgsqlCommand(sql, connection, transaction);
            await c.ExecuteNonQueryAsync();
        }
        // Edits through the trigger, inside a transaction rolled back at the end so other tests see the fixture as it was.
        await Run("update facilities set geom = ST_SetSRID(ST_MakePoint(ST_X(geom) + 0.37, ST_Y(geom) - 0.2), 4326) " +
                  "where id in (select id from facilities order by id limit 40)");
        await Run("update facilities set status = 'removed' where id in (select id from facilities order by id desc limit 30)");
        await Run("update facilities set status = 'open' where id in (select id from facilities where status = 'removed' order by id limit 10)");
        await Run("update facilities set category = 'bench' where id in (select id from facilities where category = 'aed' order by id limit 25)");
        await Run("delete from facilities where id in (select id from facilities order by id offset 100 limit 20)");
        await Run("create temp table incremental as select * from cluster_cells");
        await Run("select rebuild_cluster_cells()");

        await using var compare = new Npgsql.NpgsqlCommand(
            "select count(*) from (" +
            " (select zoom, category, cx, cy, n, round(sum_lon::numeric, 6), round(sum_lat::numeric, 6) from incremental " +
            "  except select zoom, category, cx, cy, n, round(sum_lon::numeric, 6), round(sum_lat::numeric, 6) from cluster_cells) " +
            " union all " +
            " (select zoom, category, cx, cy, n, round(sum_lon::numeric, 6), round(sum_lat::numeric, 6) from cluster_cells " +
            "  except select zoom, category, cx, cy, n, round(sum_lon::numeric, 6), round(sum_lat::numeric, 6) from incremental)) d",
            connection, transaction);
        Assert.Equal(0L, (long)(await compare.ExecuteScalarAsync())!);

        // Every single-facility cell names a facility that is really in it.
        await using var singles = new Npgsql.NpgsqlCommand(
            "select count(*) from incremental c where n = 1 and not exists (select 1 from facilities f where f.id = c.any_id " +
            "and f.category = c.category and f.status <> 'removed' " +
            "and floor((ST_X(f.geom) + 180) / cluster_cell_size(c.zoom)) = c.cx and floor((ST_Y(f.geom) + 90) / cluster_cell_size(c.zoom)) = c.cy)",
            connection, transaction);
        Assert.Equal(0L, (long)(await singles.ExecuteScalarAsync())!);
        await transaction.RollbackAsync();
    }

    private async Task<List<string>> ExpectedIdsAsync(string predicate)
    {
        var (minLon, minLat, maxLon, maxLat) = GridFixture.Area;
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            $"select id::text from facilities where status <> 'removed' and ({predicate}) " +
            "and ST_X(geom) between $1 and $3 and ST_Y(geom) between $2 and $4");
        foreach (var v in (double[])[minLon, minLat, maxLon, maxLat])
        {
            command.Parameters.AddWithValue(v);
        }
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
