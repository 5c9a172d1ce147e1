using System.Net;
using System.Text.Json;

namespace Facilities.Api.Tests;

/// <summary>Every kind of nonsense a client can send gets a 400 problem+json that names the bad parameter.</summary>
public sealed class BadInputTests(ApiFixture fixture) : IClassFixture<ApiFixture>
{
    private const string Nearby = "/api/v1/facilities/nearby";
    private const string London = "lat=51.5&lon=-0.12";

    [Theory]
    [InlineData(Nearby, "lat")]
    [InlineData(Nearby + "?lon=-0.12", "lat")]
    [InlineData(Nearby + "?lat=51.5", "lon")]
    [InlineData(Nearby + "?lat=abc&lon=-0.12", "lat")]
    [InlineData(Nearby + "?lat=NaN&lon=-0.12", "lat")]
    [InlineData(Nearby + "?lat=51.5&lon=Infinity", "lon")]
    [InlineData(Nearby + "?lat=91&lon=0", "lat")]
    [InlineData(Nearby + "?lat=-90.5&lon=0", "lat")]
    [InlineData(Nearby + "?lat=51.5&lon=181", "lon")]
    [InlineData(Nearby + "?lat=151.2&lon=-33.9", "lat")] // Sydney with lat and lon swapped
    [InlineData(Nearby + "?lat=1,2&lon=3", "lat")]
    [InlineData(Nearby + "?" + London + "&radius_m=0", "radius_m")]
    [InlineData(Nearby + "?" + London + "&radius_m=-5", "radius_m")]
    [InlineData(Nearby + "?" + London + "&radius_m=50001", "radius_m")]
    [InlineData(Nearby + "?" + London + "&radius_m=far", "radius_m")]
    [InlineData(Nearby + "?" + London + "&limit=0", "limit")]
    [InlineData(Nearby + "?" + London + "&limit=101", "limit")]
    [InlineData(Nearby + "?" + London + "&limit=2.5", "limit")]
    [InlineData(Nearby + "?" + London + "&category=spaceship", "category")]
    [InlineData(Nearby + "?" + London + "&category=toilet,spaceship", "category")]
    [InlineData(Nearby + "?" + London + "&open_now=maybe", "open_now")]
    [InlineData(Nearby + "?" + London + "&wheelchair=sometimes", "wheelchair")]
    [InlineData(Nearby + "?" + London + "&free=gratis", "free")]
    [InlineData(Nearby + "?" + London + "&changing_table=2", "changing_table")]
    [InlineData(Nearby + "?" + London + "&gender=robot", "gender")]
    [InlineData(Nearby + "?" + London + "&access=everyone", "access")]
    [InlineData(Nearby + "?" + London + "&at=yesterday", "at")]
    // Dates near DateTime's ends overflow once a time zone's offset or a week is added: only the years 1900 to 2199 are read.
    [InlineData(Nearby + "?" + London + "&at=0001-01-01T00:00:00Z", "at")]
    [InlineData(Nearby + "?" + London + "&at=9999-12-31T23:59:59Z", "at")]
    [InlineData(Nearby + "?" + London + "&at=1899-12-31T23:59:59Z", "at")]
    [InlineData(Nearby + "?" + London + "&at=2200-01-01T00:00:00Z", "at")]
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&at=0001-01-01T00:00:00Z", "at")]
    [InlineData("/api/v1/facilities/0190b5d2-0000-7000-8000-000000000000?at=9999-12-31T23:59:59Z", "at")]
    [InlineData("/api/v1/opening-hours/week?value=Mo-Fr%2009:00-17:00&from=9999-12-31", "from")]
    [InlineData("/api/v1/opening-hours/week?value=Mo-Fr%2009:00-17:00&from=0001-01-01", "from")]
    [InlineData("/api/v1/facilities", "bbox")]
    [InlineData("/api/v1/facilities?bbox=1,2,3", "bbox")]
    [InlineData("/api/v1/facilities?bbox=1,2,3,4,5", "bbox")]
    [InlineData("/api/v1/facilities?bbox=a,b,c,d", "bbox")]
    [InlineData("/api/v1/facilities?bbox=-0.1,51.5,-0.2,51.6", "bbox")] // minLon > maxLon
    [InlineData("/api/v1/facilities?bbox=-0.2,51.6,-0.1,51.5", "bbox")] // minLat > maxLat
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,NaN", "bbox")]
    [InlineData("/api/v1/facilities?bbox=-181,51.5,-0.1,51.6", "bbox")]
    [InlineData("/api/v1/facilities?bbox=-0.2,-91,-0.1,51.6", "bbox")]
    [InlineData("/api/v1/facilities?bbox=-5,50,0,55", "bbox")] // larger than the maximum
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&limit=1001", "limit")]
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&limit=-1", "limit")]
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&cursor=not-a-cursor!", "cursor")]
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&cursor=djE6bm90LWEtZ3VpZA", "cursor")] // "v1:not-a-guid"
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&cursor=djE6MDE5MGI1ZDItMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw", "cursor")] // forged: "v1:<uuid>"
    [InlineData("/api/v1/facilities?bbox=-0.2,51.5,-0.1,51.6&category=spaceship", "category")]
    [InlineData("/api/v1/facilities/clusters?bbox=-0.2,51.5,-0.1,51.6", "zoom")]
    [InlineData("/api/v1/facilities/clusters?bbox=-0.2,51.5,-0.1,51.6&zoom=23", "zoom")]
    [InlineData("/api/v1/facilities/clusters?bbox=-0.2,51.5,-0.1,51.6&zoom=-1", "zoom")]
    [InlineData("/api/v1/facilities/clusters?bbox=-0.2,51.5,-0.1,51.6&zoom=ten", "zoom")]
    [InlineData("/api/v1/facilities/clusters?zoom=3", "bbox")]
    [InlineData("/api/v1/facilities/clusters?bbox=-180,-90,180,90&zoom=10", "bbox")] // the world at street zoom
    [InlineData("/api/v1/facilities/clusters?bbox=-0.2,51.5,-0.1,51.6&zoom=12&category=spaceship", "category")]
    public async Task Bad_input_is_a_400_problem_naming_the_parameter(string url, string parameter)
    {
        using var response = await fixture.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.True(problem.TryGetProperty("type", out _));
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(parameter, out var messages), $"errors should name '{parameter}': {body}");
        Assert.Contains(messages.EnumerateArray(), m => !string.IsNullOrWhiteSpace(m.GetString()));
    }

    [Theory]
    [InlineData("/api/v1/facilities/0190b5d2-0000-7000-8000-000000000000", "text/html", 404)]
    [InlineData("/api/v1/facilities/0190b5d2-0000-7000-8000-000000000000", "image/png", 404)]
    [InlineData("/api/v1/facilities/nearby?lat=abc", "text/html,application/xhtml+xml,application/xml;q=0.9", 400)]
    [InlineData("/api/v1/facilities/nearby?lat=abc", "application/problem+json;q=0", 400)]
    [InlineData("/ogc/collections/nosuch", "application/xml", 404)]
    [InlineData("/no/such/route", "text/plain", 404)]
    [InlineData("/openapi/nosuch.json", "application/json", 404)]
    [InlineData("/openapi/v2.json", "text/html", 404)]
    public async Task A_refusal_is_problem_json_whatever_accept_lists(string url, string accept, int status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await fixture.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True((int)response.StatusCode == status, $"{url} with Accept: {accept} answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("/api/v1/facilities/0190b5d2-0000-7000-8000-000000000000")]
    [InlineData("/api/v1/facilities/not-a-uuid")]
    [InlineData("/api/v1/facilities/0190b5d2-0000-7000-8000-000000000000/history")]
    [InlineData("/api/v1/facilities/%27%3B%20drop%20table%20facilities/history")]
    public async Task Unknown_facility_is_a_404_problem(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("facility", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
