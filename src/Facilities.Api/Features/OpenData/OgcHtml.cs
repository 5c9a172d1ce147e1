using Facilities.Api.Web;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Facilities.Api.Data;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// The HTML form of every /ogc resource (the HTML conformance class): plain pages a person can browse with the same
/// content and links as the JSON, no scripts. Everything from the data is HTML-encoded.
/// </summary>
public static class OgcHtml
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    public static string LandingPage(OgcLandingPage page) =>
        Page(page.Title, b =>
        {
            b.Append("<p>").Append(E(page.Description)).Append("</p>");
            Links(b, page.Links);
        });

    public static string Conformance(OgcConformance conformance) =>
        Page("Conformance", b =>
        {
            b.Append("<p>This API implements these conformance classes of OGC API – Features – Part 1:</p><ul>");
            foreach (var uri in conformance.ConformsTo)
            {
                b.Append("<li><a href=\"").Append(E(uri)).Append("\">").Append(E(uri)).Append("</a></li>");
            }
            b.Append("</ul>");
        });

    public static string Collections(OgcCollections collections) =>
        Page("Collections", b =>
        {
            b.Append("<table><thead><tr><th>Collection</th><th>Description</th><th>Extent</th><th>Items</th></tr></thead><tbody>");
            foreach (var c in collections.Collections)
            {
                var items = c.Links.First(l => l.Rel == "items" && l.Type == Ogc.HtmlType).Href;
                var self = c.Links.First(l => l.Rel == "self").Href;
                b.Append("<tr><td><a href=\"").Append(E(Html(self))).Append("\">").Append(E(c.Title)).Append("</a> <code>")
                    .Append(E(c.Id)).Append("</code></td><td>").Append(E(c.Description)).Append("</td><td>");
                Extent(b, c.Extent);
                b.Append("</td><td><a href=\"").Append(E(items)).Append("\">browse</a></td></tr>");
            }
            b.Append("</tbody></table>");
            Links(b, collections.Links);
        });

    public static string Collection(OgcCollection c) =>
        Page(c.Title, b =>
        {
            b.Append("<p>").Append(E(c.Description)).Append("</p><p>Extent: ");
            Extent(b, c.Extent);
            b.Append("</p>");
            Links(b, c.Links);
        });

    public static string Items(OgcItemsPage page) =>
        Page($"{page.Collection.Title}: facilities", b =>
        {
            b.Append("<p>").Append(page.Rows.Count.ToString(CultureInfo.InvariantCulture)).Append(" on this page, ")
                .Append(page.NumberMatched.ToString(CultureInfo.InvariantCulture)).Append(" matched in all.</p>");
            b.Append("<table><thead><tr><th>Name</th><th>Category</th><th>Status</th><th>Lon</th><th>Lat</th><th>Updated</th></tr></thead><tbody>");
            var itemsUrl = page.Links.First(l => l.Rel == "collection").Href + "/items/";
            foreach (var row in page.Rows)
            {
                b.Append("<tr><td><a href=\"").Append(E(itemsUrl + row.Id + "?f=html")).Append("\">").Append(E(row.Name ?? row.Id.ToString()))
                    .Append("</a></td><td>").Append(E(row.Category)).Append("</td><td>").Append(E(row.Status.Name())).Append("</td><td>")
                    .Append(row.Lon.ToString("R", CultureInfo.InvariantCulture)).Append("</td><td>")
                    .Append(row.Lat.ToString("R", CultureInfo.InvariantCulture)).Append("</td><td>")
                    .Append(row.UpdatedAt.ToString("u", CultureInfo.InvariantCulture)).Append("</td></tr>");
            }
            b.Append("</tbody></table>");
            Links(b, page.Links);
        });

    public static string Item(OgcItem item) =>
        Page(item.Row.Name ?? item.Row.Id.ToString(), b =>
        {
            b.Append("<dl>");
            foreach (var (name, value) in Properties(item.Row))
            {
                b.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(value)).Append("</dd>");
            }
            b.Append("</dl>");
            Links(b, item.Links);
        });

    private static IEnumerable<(string, string)> Properties(FacilityRow r)
    {
        static string Text(object? value) => value switch
        {
            null => "—",
            bool b => b ? "yes" : "no",
            DateTime t => t.ToString("u", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        yield return ("id", r.Id.ToString());
        yield return ("location (lon, lat)", $"{Text(r.Lon)}, {Text(r.Lat)}");
        foreach (var column in CoreColumns.Published)
        {
            var value = column.OfRow(r);
            yield return (column.Name, value is string[] list ? (list.Length == 0 ? "—" : string.Join(", ", list)) : Text(value));
        }
        yield return ("attributes", r.AttributesJson);
        yield return ("confidence", Text(Math.Round(r.Confidence, 3)));
        yield return ("last_verified_at", Text(r.LastVerifiedAt));
        yield return ("version", Text(r.Version));
        yield return ("updated_at", Text(r.UpdatedAt));
    }

    private static void Extent(StringBuilder b, OgcExtent? extent)
    {
        if (extent is null)
        {
            b.Append("no facilities yet");
            return;
        }
        var box = extent.Spatial.Bbox[0];
        b.Append(string.Create(CultureInfo.InvariantCulture, $"{box[0]:0.#####}, {box[1]:0.#####} to {box[2]:0.#####}, {box[3]:0.#####}"));
        var interval = extent.Temporal.Interval[0];
        b.Append("; updated ").Append(E(interval[0]?.ToString("u", CultureInfo.InvariantCulture) ?? ".."))
            .Append(" to ").Append(E(interval[1]?.ToString("u", CultureInfo.InvariantCulture) ?? ".."));
    }

    private static void Links(StringBuilder b, IReadOnlyList<OgcLink> links)
    {
        b.Append("<h2>Links</h2><ul>");
        foreach (var link in links)
        {
            b.Append("<li><a href=\"").Append(E(link.Href)).Append("\">").Append(E(link.Title ?? link.Href)).Append("</a> <small>")
                .Append(E(link.Rel)).Append(", ").Append(E(link.Type)).Append("</small></li>");
        }
        b.Append("</ul>");
    }

    private static string Html(string url) => url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "f=html";

    private static string Page(string title, Action<StringBuilder> body)
    {
        var b = new StringBuilder(4096);
        b.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>").Append(E(title))
            .Append(" – Facilities OGC API</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:70rem;padding:0 1rem;line-height:1.4}")
            .Append("table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}")
            .Append("dt{font-weight:600}dd{margin:0 0 .4rem 0}small{color:#666}")
            .Append("</style></head><body><nav><a href=\"/ogc?f=html\">OGC API</a> · <a href=\"/ogc/collections?f=html\">Collections</a></nav><h1>")
            .Append(E(title)).Append("</h1>");
        body(b);
        b.Append("</body></html>");
        return b.ToString();
    }

    private static string E(string text) => Encoder.Encode(text);
}
