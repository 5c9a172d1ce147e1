using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Facilities.Testing;
using Xunit.Abstractions;

namespace Facilities.Web.Tests;

/// <summary>The page loads fast on a phone: its files are small, compressed, and cached the right way.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class MapPageServingTests(BrowserFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] OwnFiles = ["app.js", "i18n.js", "app.css"];
    /// <summary>Loaded only when used: after the first answers or the first details opened (details.js), by contributors
    /// (the first tap on "Contribute" or "Suggest an edit"; the hours editor, a facility's history and its move and closure
    /// each on their first use) and partners.</summary>
    private static readonly string[] OnDemandFiles = ["details.js", "report-answers.js", "auth.js", "contrib.js", "contrib-i18n.js", "contrib.css", "partner.js",
        "partner-reports.js", "hours-editor.js", "facility-history.js", "facility-actions.js", "photos.js", "photos.css", "claims.css", "search.js", "base-map.js", "offline.js",
        "outbox.js", "first-answer.js", "sw.js"];
    private static readonly string WebRoot = Path.Combine(RepositoryPaths.Root, "src", "Facilities.Api", "wwwroot");

    [Fact]
    public async Task Page_and_its_own_files_are_revalidated_by_etag_and_sent_compressed()
    {
        foreach (var path in OwnFiles.Concat(OnDemandFiles).Select(f => "/" + f).Prepend("/"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
            using var response = await fixture.Api.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("no-cache", response.Headers.CacheControl?.ToString());
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            Assert.Contains("gzip", response.Content.Headers.ContentEncoding);
            Assert.NotNull(response.Headers.ETag);

            using var again = new HttpRequestMessage(HttpMethod.Get, path);
            again.Headers.IfNoneMatch.Add(response.Headers.ETag);
            using var revalidated = await fixture.Api.SendAsync(again);
            Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        }
    }

    [Fact]
    public async Task Map_answers_in_geojson_are_sent_compressed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/facilities?bbox=118.7,32.0,118.9,32.1&limit=1000");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await fixture.Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/geo+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("gzip", response.Content.Headers.ContentEncoding);

        var compressed = await response.Content.ReadAsByteArrayAsync();
        await using var unzip = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var body = await JsonDocument.ParseAsync(unzip);
        var features = body.RootElement.GetProperty("features").GetArrayLength();
        Assert.True(features > 100, "central Nanjing should hold hundreds of demo facilities");
        output.WriteLine($"{features} facilities in {compressed.Length:N0} gzipped bytes");
    }

    [Fact]
    public async Task Whole_layer_export_streams_uncompressed_even_when_compression_is_offered()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/export/facilities.geojson");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("br"));
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await fixture.Api.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task Leaflet_is_linked_with_the_version_libman_json_pins_and_kept_for_a_year()
    {
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(WebRoot, "..", "libman.json")));
        var leaflet = manifest.RootElement.GetProperty("libraries").EnumerateArray()
            .Select(l => l.GetProperty("library").GetString()!).Single(l => l.StartsWith("leaflet@", StringComparison.Ordinal));
        var version = leaflet["leaflet@".Length..];

        var html = await fixture.Api.GetStringAsync("/");
        var links = LeafletLink().Matches(html).Select(m => m.Groups["path"].Value + "?v=" + m.Groups["v"].Value).ToArray();
        Assert.Equal(["lib/leaflet/dist/leaflet.css?v=" + version, "lib/leaflet/dist/leaflet.js?v=" + version], links.Order());
        foreach (var link in links)
        {
            using var response = await fixture.Api.GetAsync("/" + link);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task Page_own_scripts_and_styles_stay_under_60_KB()
    {
        long raw = 0, gzip = 0;
        foreach (var file in OwnFiles)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(WebRoot, file));
            using var compressed = new MemoryStream();
            using (var zip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zip.Write(bytes);
            }
            output.WriteLine($"{file}: {bytes.Length:N0} bytes, {compressed.Length:N0} gzipped");
            raw += bytes.Length;
            gzip += compressed.Length;
        }
        output.WriteLine($"together: {raw:N0} bytes, {gzip:N0} gzipped");
        Assert.InRange(raw, 1, 60 * 1024);

        long later = 0, laterGzip = 0;
        foreach (var file in OnDemandFiles)
        {
            var (bytes, gzipped) = await SizesAsync(file);
            output.WriteLine($"on demand, {file}: {bytes:N0} bytes, {gzipped:N0} gzipped");
            later += bytes;
            laterGzip += gzipped;
        }
        output.WriteLine($"on demand together: {later:N0} bytes, {laterGzip:N0} gzipped");
        var html = await File.ReadAllTextAsync(Path.Combine(WebRoot, "index.html"));
        Assert.All(OnDemandFiles, file => Assert.DoesNotContain(file, html, StringComparison.Ordinal));
    }

    private static async Task<(long Bytes, long Gzipped)> SizesAsync(string file)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(WebRoot, file));
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            zip.Write(bytes);
        }
        return (bytes.Length, compressed.Length);
    }

    [Fact]
    public async Task Map_config_gives_the_configured_tiles_and_the_demo_city()
    {
        using var config = JsonDocument.Parse(await fixture.Api.GetStringAsync("/api/v1/map-config"));
        var root = config.RootElement;
        Assert.Equal(BrowserFixture.TileUrl, root.GetProperty("tile_url").GetString());
        Assert.Equal(BrowserFixture.TileAttribution, root.GetProperty("tile_attribution").GetString());
        Assert.Equal("南京", root.GetProperty("demo_city").GetProperty("labels").GetProperty("zh-Hans").GetString());
        Assert.InRange(root.GetProperty("demo_city").GetProperty("lat").GetDouble(), -85, 85);
    }

    [GeneratedRegex(@"(?:href|src)=""(?<path>lib/leaflet/[^""?]+)\?v=(?<v>[^""]+)""")]
    private static partial Regex LeafletLink();
}
