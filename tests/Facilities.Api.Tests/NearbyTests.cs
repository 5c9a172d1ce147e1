using System.Globalization;
using Facilities.Api.Data;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Features.Nearby;
using Facilities.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Facilities.Api.Tests;

/// <summary>
/// A few thousand facilities around places that stress the geometry: a mid-latitude city, the southern
/// hemisphere, both sides of the antimeridian, the Arctic and close to the pole.
/// </summary>
public sealed class NearbyFixture : ApiFixture
{
    public static readonly (string Name, double Lon, double Lat)[] Places =
    [
        ("London", -0.1276, 51.5072),
        ("Sydney", 151.2093, -33.8688),
        ("Taveuni (antimeridian)", 179.99, -16.80),
        ("Longyearbyen", 15.63, 78.22),
        ("Near the pole", 10.0, 89.6),
    ];

    /// <summary>
    /// One fetcher, so that concurrent requests surely queue behind it and share round trips whatever the number
    /// of cores of the machine running the tests.
    /// </summary>
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string> { [NearbyCandidates.FetchersSetting] = "1" };

    protected override async Task SeedAsync(TestDatabase database)
    {
        var random = new Random(7);
        var facilities = new List<TestFacility>();
        string[] categories = ["toilet", "toilet", "drinking_water", "aed", "bench"];
        string[] wheelchair = ["yes", "limited", "no", "unknown"];
        string[] access = ["public", "customers", "key", "unknown"];
        string[][] genders = [[], ["female", "male"], ["unisex"], ["all_gender"]];
        string?[] hours = [null, "24/7", "Mo-Fr 08:00-18:00", "Mo-Su 06:00-22:00"];
        string[] statuses = ["open", "open", "open", "open", "open", "open", "temporarily_closed", "removed"];
        foreach (var (_, lon, lat) in Places)
        {
            for (var i = 0; i < 700; i++)
            {
                // Within about 20 km, denser near the centre; longitudes wrap across the antimeridian.
                var distanceKm = 20 * Math.Pow(random.NextDouble(), 1.5);
                var bearing = random.NextDouble() * 2 * Math.PI;
                var pointLat = Math.Clamp(lat + distanceKm / 111.0 * Math.Cos(bearing), -89.999, 89.999);
                var pointLon = lon + distanceKm / (111.0 * Math.Cos(pointLat * Math.PI / 180)) * Math.Sin(bearing);
                pointLon = pointLon > 180 ? pointLon - 360 : pointLon < -180 ? pointLon + 360 : pointLon;
                facilities.Add(new TestFacility(pointLon, pointLat, categories[random.Next(categories.Length)])
                {
                    Status = statuses[random.Next(statuses.Length)],
                    Wheelchair = wheelchair[random.Next(wheelchair.Length)],
                    Access = access[random.Next(access.Length)],
                    Fee = random.Next(3) switch { 0 => true, 1 => false, _ => null },
                    ChangingTable = random.Next(3) switch { 0 => true, 1 => false, _ => null },
                    Gender = genders[random.Next(genders.Length)],
                    OpeningHours = hours[random.Next(hours.Length)],
                });
            }
        }
        await TestFacilities.InsertAsync(database, facilities);
    }
}

public sealed class NearbyTests(NearbyFixture fixture) : IClassFixture<NearbyFixture>
{
    public static TheoryData<string, double, double, double, int> Queries()
    {
        var data = new TheoryData<string, double, double, double, int>();
        foreach (var (name, lon, lat) in NearbyFixture.Places)
        {
            data.Add(name, lon, lat, 1000, 10);
            data.Add(name, lon, lat, 5000, 50);
            var offLon = lon + (lat > 80 ? 0.9 : 0.05);
            data.Add(name + ", off centre", offLon > 180 ? offLon - 360 : offLon, lat - 0.05, 50_000, 100);
        }
        // Exactly on the antimeridian, from the western side.
        data.Add("antimeridian west", -179.995, -16.80, 3000, 40);
        return data;
    }

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task Nearby_returns_nearest_first_by_geodesic_distance(string place, double lon, double lat, double radius, int limit)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m={radius}&limit={limit}");
        var response = await fixture.Client.GetJsonAsync(url);

        var expected = await BruteForceAsync(lon, lat, radius, limit, "true");
        var actual = response.Features().Select(f => (f.Id(), f.GetProperty("properties").GetProperty("distance_m").GetDouble())).ToList();

        Assert.True(expected.Count > 0, $"{place}: the fixture should have facilities within {radius} m");
        Assert.Equal(expected.Select(e => e.Id), actual.Select(a => a.Item1));
        foreach (var ((_, want), (_, got)) in expected.Zip(actual))
        {
            Assert.Equal(want, got, 0.11);
        }
    }

    [Theory]
    [InlineData("category=drinking_water", "category = 'drinking_water'")]
    [InlineData("category=aed,bench", "category in ('aed', 'bench')")]
    [InlineData("wheelchair=yes", "wheelchair = 'yes'")]
    [InlineData("wheelchair=true", "wheelchair = 'yes'")]
    [InlineData("wheelchair=yes,limited", "wheelchair in ('yes', 'limited')")]
    [InlineData("free=true", "fee = false")]
    [InlineData("free=false", "fee = true")]
    [InlineData("changing_table=true", "changing_table")]
    [InlineData("gender=unisex", "'unisex' = any(gender)")]
    [InlineData("gender=female,all_gender", "('female' = any(gender) or 'all_gender' = any(gender))")]
    [InlineData("access=public,customers", "access in ('public', 'customers')")]
    [InlineData("category=toilet&wheelchair=yes&free=true", "category = 'toilet' and wheelchair = 'yes' and fee = false")]
    // Only the set filters are written into the SQL (FacilityFilter.SqlCondition): $2 and $6 without the ones between.
    [InlineData("wheelchair=limited&access=public", "wheelchair = 'limited' and access = 'public'")]
    // Saturday 12:00 UTC: weekday-only hours are closed everywhere; 06:00-22:00 daily is open in London (12:00) but not
    // in Sydney (23:00) or Taveuni (Sunday 00:00); 24/7 is open unless temporarily closed.
    [InlineData("open_now=true&at=2026-11-28T12:00:00Z",
        "status = 'open' and (opening_hours = '24/7' or (opening_hours = 'Mo-Su 06:00-22:00' and ST_X(geom) between -10 and 10))")]
    public async Task Nearby_applies_each_filter(string query, string sqlPredicate)
    {
        foreach (var (_, lon, lat) in NearbyFixture.Places.Take(3))
        {
            var url = string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m=20000&limit=30&{query}");
            var response = await fixture.Client.GetJsonAsync(url);
            var expected = await BruteForceAsync(lon, lat, 20000, 30, sqlPredicate);
            Assert.NotEmpty(expected);
            Assert.Equal(expected.Select(e => e.Id), response.Features().Select(f => f.Id()));
        }
    }

    [Fact]
    public async Task Nearby_within_radius_returns_only_what_is_within_radius()
    {
        var (_, lon, lat) = NearbyFixture.Places[0];
        var url = string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m=300&limit=100");
        var response = await fixture.Client.GetJsonAsync(url);
        var expected = await BruteForceAsync(lon, lat, 300, 100, "true");
        Assert.InRange(expected.Count, 1, 99);
        Assert.Equal(expected.Select(e => e.Id), response.Features().Select(f => f.Id()));
        Assert.All(response.Features(), f => Assert.True(f.GetProperty("properties").GetProperty("distance_m").GetDouble() <= 300));
    }

    [Fact]
    public async Task Nearby_runs_on_a_pool_with_generic_plans_and_other_queries_keep_custom_plans()
    {
        // The nearby handler's statement is planned once per connection (GenericPlanDataSource); every other query
        // keeps PostgreSQL's choice, since their best plans can depend on their values.
        static async Task<string?> PlanCacheMode(NpgsqlDataSource source)
        {
            await using var command = source.CreateCommand("show plan_cache_mode");
            return (string?)await command.ExecuteScalarAsync();
        }

        var services = fixture.App.Services;
        Assert.Equal("force_generic_plan", await PlanCacheMode(services.GetRequiredService<GenericPlanDataSource>().DataSource));
        Assert.Equal("auto", await PlanCacheMode(services.GetRequiredService<NpgsqlDataSource>()));
        var handler = typeof(NearbyHandler).GetConstructors().Single().GetParameters().Select(p => p.ParameterType);
        Assert.Contains(typeof(NearbyCandidates), handler);
        Assert.DoesNotContain(typeof(NpgsqlDataSource), handler);
        var candidates = typeof(NearbyCandidates).GetConstructors().Single().GetParameters().Select(p => p.ParameterType);
        Assert.Contains(typeof(GenericPlanDataSource), candidates);
        Assert.DoesNotContain(typeof(NpgsqlDataSource), candidates);
    }

    private static readonly double[] Radii = [500, 2000, 20_000];
    private static readonly int[] Limits = [5, 10, 60];

    [Fact]
    public async Task Concurrent_nearby_requests_share_round_trips_and_each_gets_its_own_answer()
    {
        // Different places (one straddling the antimeridian: two windows), radii that need a wider second scan, and
        // different filters, all in flight at once: searches are batched into shared statements, and each request
        // must still get exactly its own brute-force answer.
        (string Query, string Predicate)[] filters =
        [
            ("", "true"),
            ("&category=toilet", "category = 'toilet'"),
            ("&wheelchair=yes,limited&free=true", "wheelchair in ('yes', 'limited') and fee = false"),
            ("&gender=unisex", "'unisex' = any(gender)"),
        ];
        var requests = new List<(string Url, List<(string Id, double Distance)> Expected)>();
        var random = new Random(11);
        for (var i = 0; i < 64; i++)
        {
            var (_, lon, lat) = NearbyFixture.Places[i % NearbyFixture.Places.Length];
            lon += (random.NextDouble() - 0.5) * 0.1;
            lon = lon > 180 ? lon - 360 : lon;
            lat = Math.Clamp(lat + (random.NextDouble() - 0.5) * 0.1, -89.9, 89.9);
            var radius = Radii[i % Radii.Length];
            var limit = Limits[i % Limits.Length];
            var (query, predicate) = filters[i % filters.Length];
            var url = string.Create(CultureInfo.InvariantCulture, $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&radius_m={radius}&limit={limit}{query}");
            requests.Add((url, await BruteForceAsync(lon, lat, radius, limit, predicate)));
        }
        Assert.True(requests.Count(r => r.Expected.Count > 0) > 40, "most requests should find something");

        var batching = fixture.App.Services.GetRequiredService<NearbyCandidates>();
        var before = batching.Counts;
        var responses = await Task.WhenAll(requests.Select(r => fixture.Client.GetJsonAsync(r.Url)));
        var after = batching.Counts;

        foreach (var ((url, expected), response) in requests.Zip(responses))
        {
            Assert.True(expected.Select(e => e.Id).SequenceEqual(response.Features().Select(f => f.Id())), url);
        }
        var searches = after.Searches - before.Searches;
        var roundTrips = after.RoundTrips - before.RoundTrips;
        Assert.InRange(searches, requests.Count, 4 * requests.Count);
        Assert.True(roundTrips < searches, $"{searches} searches went out in {roundTrips} round trips: none was shared");
    }

    private static readonly FacilityFilter NoFilter = new(null, false, null, null, null, null, null, DateTimeOffset.UtcNow);

    /// <summary>Searches around each place, some straddling the antimeridian (two windows), under several filters.</summary>
    private static List<(FacilityFilter Filter, List<CandidateWindow> Windows)> MixedSearches()
    {
        FacilityFilter[] filters =
        [
            NoFilter,
            NoFilter with { Categories = ["toilet"] },
            NoFilter with { Wheelchair = ["yes", "limited"], Free = true },
            NoFilter with { Gender = ["unisex"] },
        ];
        var searches = new List<(FacilityFilter, List<CandidateWindow>)>();
        for (var i = 0; i < 24; i++)
        {
            var (_, lon, lat) = NearbyFixture.Places[i % NearbyFixture.Places.Length];
            var radius = (i % 3 + 1) * 2500.0;
            var candidates = i % 2 == 0 ? 40 : 160;
            var windows = SearchArea.Around(lon, lat, radius).Windows
                .Select(w => new CandidateWindow(w.PointLon, lon, lat, w.Box, candidates, radius)).ToList();
            searches.Add((filters[i % filters.Length], windows));
        }
        Assert.Contains(searches, s => s.Item2.Count == 2);
        return searches;
    }

    [Fact]
    public async Task Searches_sent_together_get_exactly_the_rows_they_get_alone()
    {
        // One fetcher: while it sends the first search the others queue, and go out together in shared statements.
        await using var nearby = new NearbyCandidates(fixture.App.Services.GetRequiredService<GenericPlanDataSource>(), fetchers: 1);
        var searches = MixedSearches();
        var alone = new List<WindowCandidates[]>();
        foreach (var (filter, windows) in searches)
        {
            alone.Add(await nearby.FetchAsync(filter, windows, CancellationToken.None));
        }

        var before = nearby.Counts;
        var together = await Task.WhenAll(searches.Select(s => nearby.FetchAsync(s.Filter, s.Windows, CancellationToken.None)));
        var after = nearby.Counts;

        Assert.True(after.RoundTrips - before.RoundTrips < searches.Count, "the searches should have shared round trips");
        Assert.True(alone.Sum(a => a.Sum(w => w.WithinRadius.Count)) > 100, "the searches should find facilities");
        foreach (var (single, shared) in alone.Zip(together))
        {
            Assert.Equal(single.Length, shared.Length);
            foreach (var (a, b) in single.Zip(shared))
            {
                Assert.Equal(a.Rows, b.Rows);
                Assert.Equal(a.LastPlanarDeg, b.LastPlanarDeg);
                Assert.Equal(a.WithinRadius.Select(c => (c.Row.Id, c.DistanceM)), b.WithinRadius.Select(c => (c.Row.Id, c.DistanceM)));
            }
        }
    }

    [Fact]
    public async Task A_failed_or_cancelled_search_leaves_the_next_ones_served()
    {
        await using var nearby = new NearbyCandidates(fixture.App.Services.GetRequiredService<GenericPlanDataSource>(), fetchers: 1);
        var (filter, windows) = MixedSearches()[0];

        // A negative LIMIT is refused by PostgreSQL: the statement fails, the fetcher goes on.
        List<CandidateWindow> invalid = [windows[0] with { Candidates = -1 }];
        await Assert.ThrowsAsync<PostgresException>(() => nearby.FetchAsync(filter, invalid, CancellationToken.None));
        Assert.NotEmpty((await nearby.FetchAsync(filter, windows, CancellationToken.None))[0].WithinRadius);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => nearby.FetchAsync(filter, windows, new CancellationToken(canceled: true)));
        Assert.NotEmpty((await nearby.FetchAsync(filter, windows, CancellationToken.None))[0].WithinRadius);

        await nearby.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => nearby.FetchAsync(filter, windows, CancellationToken.None));
    }

    [Fact]
    public async Task Nearby_answers_geojson_with_the_contract_properties()
    {
        var (_, lon, lat) = NearbyFixture.Places[1];
        using var response = await fixture.Client.GetAsync(string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/facilities/nearby?lat={lat}&lon={lon}&limit=1"));
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        var body = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("FeatureCollection", body.GetProperty("type").GetString());
        var feature = Assert.Single(body.Features());
        Assert.Equal("Feature", feature.GetProperty("type").GetString());
        Assert.Equal(feature.GetProperty("id").GetString(), feature.Id());
        var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");
        Assert.InRange(coordinates[0].GetDouble(), 150, 152);
        Assert.InRange(coordinates[1].GetDouble(), -35, -33);
        var properties = feature.GetProperty("properties");
        foreach (var name in (string[])["category", "name", "status", "access", "fee", "opening_hours", "open_now", "wheelchair",
                     "changing_table", "adult_changing_table", "gender", "key_scheme", "official_grade", "attributes",
                     "confidence", "last_verified_at", "version", "distance_m"])
        {
            Assert.True(properties.TryGetProperty(name, out _), $"properties.{name} is missing");
        }
    }

    /// <summary>
    /// The reference answer: every facility's geodesic distance on the WGS 84 spheroid, computed without any index,
    /// sorted. The API must return exactly this prefix.
    /// </summary>
    private async Task<List<(string Id, double Distance)>> BruteForceAsync(double lon, double lat, double radius, int limit, string predicate)
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select id::text, d from (select id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) d " +
            $"from facilities where status <> 'removed' and ({predicate})) x where d <= $3 order by d limit $4");
        command.Parameters.AddWithValue(lon);
        command.Parameters.AddWithValue(lat);
        command.Parameters.AddWithValue(radius);
        command.Parameters.AddWithValue(limit);
        var result = new List<(string, double)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add((reader.GetString(0), reader.GetDouble(1)));
        }
        return result;
    }
}
