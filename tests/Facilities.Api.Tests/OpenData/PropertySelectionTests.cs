using System.Net;
using System.Text.Json;

namespace Facilities.Api.Tests.OpenData;

/// <summary>Property selection: <c>properties</c> keeps only the named properties of each feature, on pages and on one item.</summary>
public sealed class PropertySelectionTests(OpenDataFixture fixture) : IClassFixture<OpenDataFixture>
{
    [Fact]
    public async Task Properties_keeps_only_the_named_properties_of_every_feature_and_the_next_links_keep_it()
    {
        var page = await fixture.Client.GetJsonAsync("/ogc/collections/toilet/items?properties=name,wheelchair&limit=50");
        Assert.Equal(50, page.Features().Count());
        foreach (var feature in page.Features())
        {
            Assert.Equal(["name", "wheelchair"], feature.GetProperty("properties").EnumerateObject().Select(p => p.Name));
            Assert.Equal(JsonValueKind.Null, feature.GetProperty("geometry").ValueKind);
            Assert.False(feature.TryGetProperty("sources", out _));
            Assert.False(string.IsNullOrEmpty(feature.GetProperty("id").GetString()));
        }
        var next = page.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        Assert.Contains("properties=name,wheelchair", Uri.UnescapeDataString(next), StringComparison.Ordinal);
        var second = await fixture.Client.GetJsonAsync(next);
        Assert.All(second.Features(), f => Assert.Equal(["name", "wheelchair"], f.GetProperty("properties").EnumerateObject().Select(p => p.Name)));

        // The geometry and the sources when named, the properties in the order of the schema whatever the order asked.
        var full = await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items/{fixture.FormulaId}");
        var selected = await fixture.Client.GetJsonAsync($"/ogc/collections/facilities/items/{fixture.FormulaId}?properties=indoor,geometry,name,sources,updated_at");
        Assert.Equal(["name", "indoor", "updated_at"], selected.GetProperty("properties").EnumerateObject().Select(p => p.Name));
        Assert.Equal(full.GetProperty("geometry").GetRawText(), selected.GetProperty("geometry").GetRawText());
        Assert.Equal(full.GetProperty("sources").GetRawText(), selected.GetProperty("sources").GetRawText());
        foreach (var name in (string[])["name", "indoor", "updated_at"])
        {
            Assert.Equal(full.GetProperty("properties").GetProperty(name).GetRawText(), selected.GetProperty("properties").GetProperty(name).GetRawText());
        }
        var classes = (await fixture.Client.GetJsonAsync("/ogc/conformance")).GetProperty("conformsTo").EnumerateArray().Select(c => c.GetString());
        Assert.Contains("http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties-features", classes);
        var self = selected.GetProperty("links").EnumerateArray().First(l => l.GetProperty("rel").GetString() == "self").GetProperty("href").GetString()!;
        Assert.Contains("properties=indoor,geometry,name,sources,updated_at", Uri.UnescapeDataString(self), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ogc/collections/toilet/items?properties=colour")]
    [InlineData("/ogc/collections/toilet/items?properties=seats")] // a bench's attribute
    [InlineData("/ogc/collections/toilet/items?properties=")]
    [InlineData("/ogc/collections/toilet/items?properties=name,,wheelchair")]
    [InlineData("/ogc/collections/bench/items/0190b5d2-0000-7000-8000-000000000000?properties=squat")]
    public async Task An_unknown_property_is_a_400_naming_properties(string url)
    {
        using var response = await fixture.Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty("properties", out _), body);
    }
}
