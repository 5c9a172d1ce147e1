using System.Net;
using Facilities.Api.Web;

namespace Facilities.Api.Tests.OpenData;

public sealed class CrossOriginFixture : ApiFixture
{
    public const string WriteOrigin = "https://partner-app.example";

    protected override string? SeedDirectory => Path.Combine(Facilities.Testing.RepositoryPaths.Root, "data-seed");

    protected override IReadOnlyDictionary<string, string>? Settings =>
        new Dictionary<string, string> { [CrossOriginPolicy.WriteOriginsSetting + ":0"] = WriteOrigin };
}

/// <summary>
/// What a browser on another origin is allowed: every read of the API, the OGC API and the exports from any page,
/// writes only from the configured origins. A browser enforces what these headers say, so the headers are the test.
/// </summary>
public sealed class CrossOriginTests(CrossOriginFixture fixture) : IClassFixture<CrossOriginFixture>
{
    private const string Foreign = "https://someones-map.example";

    [Theory]
    [InlineData("/ogc/collections/facilities/items?limit=2")]
    [InlineData("/ogc/conformance")]
    [InlineData("/api/v1/facilities/nearby?lon=-0.1276&lat=51.5072")]
    [InlineData("/api/v1/export/attribution")]
    [InlineData("/api/v1/changes")]
    public async Task A_read_from_any_origin_is_allowed_and_exposes_the_caching_headers(string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("Origin", Foreign);
        using var response = await fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("ETag", Header(response, "Access-Control-Expose-Headers"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_refused_read_still_lets_the_foreign_page_read_the_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ogc/collections/facilities/items?limit=abc");
        request.Headers.Add("Origin", Foreign);
        using var response = await fixture.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_preflight_for_a_read_with_a_bearer_token_is_allowed_from_any_origin()
    {
        using var response = await PreflightAsync("/ogc/collections/facilities/items", Foreign, "GET", "authorization");
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("GET", Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("POST", "/api/v1/proposals")]
    [InlineData("PATCH", "/api/v1/partner/datasets/00000000-0000-0000-0000-000000000001")]
    public async Task A_write_from_an_unconfigured_origin_gets_no_permission(string method, string url)
    {
        using var response = await PreflightAsync(url, Foreign, method, "authorization,content-type");
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task A_write_from_a_configured_origin_is_allowed()
    {
        using var response = await PreflightAsync("/api/v1/proposals", CrossOriginFixture.WriteOrigin, "POST", "authorization,content-type");
        Assert.True(response.IsSuccessStatusCode, response.StatusCode.ToString());
        Assert.Equal(CrossOriginFixture.WriteOrigin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("POST", Header(response, "Access-Control-Allow-Methods"), StringComparison.Ordinal);

        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/proposals");
        post.Headers.Add("Origin", Foreign);
        post.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var refused = await fixture.Client.SendAsync(post);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private async Task<HttpResponseMessage> PreflightAsync(string url, string origin, string method, string headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", headers);
        return await fixture.Client.SendAsync(request);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : "";
}
