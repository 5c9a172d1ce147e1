using System.Net;
using System.Text.Json;
using Facilities.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Facilities.Api.Tests;

/// <summary>GET /api/v1/search over the demo data and the offline gazetteer every migrated database carries.</summary>
public sealed class SearchTests(SeededFixture fixture) : IClassFixture<SeededFixture>
{
    private const string Nanjing = "lat=32.0603&lon=118.7969";

    [Fact]
    public async Task Search_finds_a_demo_facility_by_part_of_its_name_nearest_first()
    {
        var answer = await fixture.Client.GetJsonAsync($"/api/v1/search?q=大行宫&{Nanjing}&lang=zh-Hans");
        var facilities = answer.GetProperty("facilities").EnumerateArray().ToList();
        Assert.NotEmpty(facilities);
        Assert.All(facilities, f => Assert.Contains("大行宫", f.GetProperty("name").GetString()!, StringComparison.Ordinal));
        var distances = facilities.Select(f => f.GetProperty("distance_m").GetDouble()).ToList();
        Assert.Equal(distances.Order(), distances);
        Assert.Equal("公共厕所", facilities.First(f => f.GetProperty("category").GetString() == "toilet").GetProperty("category_label").GetString());

        // A typo still finds it (trigram word similarity), and an English name is matched in any case.
        var london = await fixture.Client.GetJsonAsync("/api/v1/search?q=westminster%20abey&lat=51.5&lon=-0.13");
        Assert.Contains(london.GetProperty("facilities").EnumerateArray(),
            f => f.GetProperty("name").GetString()!.StartsWith("Westminster Abbey", StringComparison.Ordinal));
        Assert.Equal("Toilet", london.GetProperty("facilities").EnumerateArray()
            .First(f => f.GetProperty("category").GetString() == "toilet").GetProperty("category_label").GetString());
    }

    [Fact]
    public async Task Search_finds_a_city_by_name_in_English_and_in_Chinese()
    {
        var english = await fixture.Client.GetJsonAsync("/api/v1/search?q=Nanjing&lang=en");
        var place = english.GetProperty("places")[0];
        Assert.Equal("Nanjing", place.GetProperty("name").GetString());
        Assert.Equal("CN", place.GetProperty("country").GetString());
        Assert.Equal(32.06, place.GetProperty("lat").GetDouble(), 0.05);
        Assert.Equal(118.78, place.GetProperty("lon").GetDouble(), 0.05);
        Assert.Contains("GeoNames", english.GetProperty("attribution")[0].GetString()!, StringComparison.Ordinal);

        var chinese = await fixture.Client.GetJsonAsync("/api/v1/search?q=南京&lang=zh-CN");
        Assert.Equal("zh-Hans", chinese.GetProperty("lang").GetString());
        var 南京 = chinese.GetProperty("places")[0];
        Assert.Equal("南京", 南京.GetProperty("name").GetString());
        Assert.Equal("Nanjing", 南京.GetProperty("name_en").GetString());
        Assert.Equal(place.GetProperty("id").GetString(), 南京.GetProperty("id").GetString());

        // An exact name comes first, the bigger of two namesakes before the smaller.
        var london = await fixture.Client.GetJsonAsync("/api/v1/search?q=london");
        var first = london.GetProperty("places")[0];
        Assert.Equal(("London", "GB"), (first.GetProperty("name").GetString(), first.GetProperty("country").GetString()));
        Assert.Equal("off", london.GetProperty("geocoder").GetString());
    }

    [Fact]
    public async Task The_gazetteer_holds_the_GeoNames_cities_of_at_least_15000_people_with_Chinese_names_for_Chinese_cities()
    {
        await using var dataSource = fixture.Database.CreateDataSource();
        await using var command = dataSource.CreateCommand(
            "select count(*), count(*) filter (where name_zh is not null), count(*) filter (where population < 15000), " +
            "(select name_zh from places where name = 'Guangzhou' and country = 'CN') from places");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.InRange(reader.GetInt64(0), 20_000, 30_000);
        Assert.InRange(reader.GetInt64(1), 500, 5_000);
        Assert.Equal(0, reader.GetInt64(2));
        Assert.Equal("广州", reader.GetString(3));
    }

    [Theory]
    [InlineData("/api/v1/search", "q")]
    [InlineData("/api/v1/search?q=%20%20", "q")]
    [InlineData("/api/v1/search?q=Nanjing&lat=32", "lon")]
    [InlineData("/api/v1/search?q=Nanjing&lon=118", "lat")]
    [InlineData("/api/v1/search?q=Nanjing&lat=95&lon=118", "lat")]
    [InlineData("/api/v1/search?q=Nanjing&lat=32&lon=abc", "lon")]
    [InlineData("/api/v1/search?q=Nanjing&limit=0", "limit")]
    [InlineData("/api/v1/search?q=Nanjing&limit=51", "limit")]
    [InlineData("/api/v1/search?q=Nanjing&lang=%3Cscript%3E", "lang")]
    public async Task Bad_search_input_is_a_400_naming_the_parameter(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task A_query_of_LIKE_wildcards_and_a_long_query_are_answered_not_refused()
    {
        var wildcards = await fixture.Client.GetJsonAsync("/api/v1/search?q=%25_%5C");
        Assert.Empty(wildcards.GetProperty("facilities").EnumerateArray());
        using var tooLong = await fixture.Client.GetAsync("/api/v1/search?q=" + new string('a', 101));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }
}

/// <summary>A geocoder of the test's own, on loopback, answering as Nominatim does or failing on request.</summary>
public sealed class GeocoderFixture : ApiFixture
{
    private WebApplication? _geocoder;
    private string _url = "";

    /// <summary>What the geocoder does next: answer, fail with a 500, or answer after the search's timeout.</summary>
    public string Mode { get; set; } = "answer";

    public string? LastQuery { get; private set; }

    protected override async Task SeedAsync(TestDatabase database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseSetting("urls", "http://127.0.0.1:0");
        _geocoder = builder.Build();
        _geocoder.MapGet("/search", async (HttpContext http) =>
        {
            LastQuery = http.Request.QueryString.Value;
            switch (Mode)
            {
                case "fail":
                    return Results.StatusCode(500);
                case "slow":
                    await Task.Delay(TimeSpan.FromSeconds(10), http.RequestAborted);
                    break;
            }
            return Results.Text("""[{"lat":"51.5007","lon":"-0.1246","display_name":"Westminster Bridge Road, London"}]""", "application/json");
        });
        await _geocoder.StartAsync();
        _url = _geocoder.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/search";
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Search:GeocoderUrl"] = _url,
        // Generous: a loaded test machine's first request to the geocoder may take a second.
        ["Search:GeocoderTimeoutMs"] = "3000",
        ["Search:GeocoderAttribution"] = "Addresses: test geocoder",
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_geocoder is not null)
        {
            await _geocoder.DisposeAsync();
        }
    }
}

public sealed class SearchGeocoderTests(GeocoderFixture fixture) : IClassFixture<GeocoderFixture>
{
    [Fact]
    public async Task A_configured_geocoder_adds_addresses_and_its_failures_leave_the_rest_of_the_answer()
    {
        fixture.Mode = "answer";
        var answer = await fixture.Client.GetJsonAsync("/api/v1/search?q=Westminster%20Bridge%20Road&lat=51.5&lon=-0.13&lang=zh-Hans");
        Assert.Equal("ok", answer.GetProperty("geocoder").GetString());
        var address = answer.GetProperty("addresses")[0];
        Assert.Equal("Westminster Bridge Road, London", address.GetProperty("name").GetString());
        Assert.InRange(address.GetProperty("distance_m").GetDouble(), 300, 600);
        Assert.Contains("accept-language=zh", fixture.LastQuery, StringComparison.Ordinal);
        Assert.Contains("Addresses: test geocoder", answer.GetProperty("attribution").EnumerateArray().Select(a => a.GetString()));

        foreach (var mode in (string[])["fail", "slow"])
        {
            fixture.Mode = mode;
            var without = await fixture.Client.GetJsonAsync("/api/v1/search?q=London");
            Assert.Equal("unavailable", without.GetProperty("geocoder").GetString());
            Assert.Empty(without.GetProperty("addresses").EnumerateArray());
            Assert.Equal("London", without.GetProperty("places")[0].GetProperty("name").GetString());
        }
    }
}
