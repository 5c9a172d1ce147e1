using System.Text.Json;
using System.Text.Json.Serialization;
using Facilities.Api.Web;
using FluentValidation;
using Microsoft.AspNetCore.Http.Extensions;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// OGC API – Features Part 1 (OGC 17-069r4) at /ogc. The member names the standard fixes are camelCase
/// (<c>conformsTo</c>, <c>itemType</c>, <c>numberMatched</c>...), unlike the rest of this API: they carry
/// <see cref="JsonPropertyNameAttribute"/>.
/// </summary>
public static class Ogc
{
    public const string JsonType = "application/json";
    public const string GeoJsonType = "application/geo+json";
    public const string HtmlType = "text/html";

    /// <summary>The OpenAPI document of the OGC API alone (Features/ApiDefinition), named by the landing page.</summary>
    public const string ApiDefinitionDocument = "ogc";

    public const string ApiDefinitionType = "application/vnd.oai.openapi+json;version=3.0";

    /// <summary>
    /// What /ogc/conformance declares: Core, GeoJSON, HTML (every /ogc resource has an HTML form), OpenAPI 3.0
    /// (the landing page's service-desc, /openapi/ogc.json), Part 2's CRS by reference (crs, bbox-crs), Part 3's
    /// queryables, also as query parameters of the items, and filter with CQL2 text and JSON (basic CQL2, advanced
    /// comparison, CASEI, the spatial functions on any geometry), and the sorting extension (sortables, sortby).
    /// </summary>
    public static readonly string[] ConformsTo =
    [
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
        "http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
        "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
        "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties",
        "http://www.opengis.net/spec/ogcapi-features-6/1.0/conf/properties-features",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sortables",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/sorting",
        "http://www.opengis.net/spec/ogcapi-features-8/1.0/conf/features-sorting",
        .. OgcTiles.ConformsTo,
    ];

    public const string QueryablesRel = "http://www.opengis.net/def/rel/ogc/1.0/queryables";

    public const string SortablesRel = "http://www.opengis.net/def/rel/ogc/1.0/sortables";

    /// <summary>WGS 84 longitude, latitude: the CRS facilities are stored in, and served in unless crs asks otherwise.</summary>
    public const string Crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";

    public const string Gregorian = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian";

    /// <summary>The collection of every facility; each category is a collection too, named by its id.</summary>
    public const string AllFacilities = "facilities";

    /// <summary>The parameters every /ogc resource accepts; items add bbox, datetime, limit, offset, cursor.</summary>
    public static readonly string[] CommonParameters = ["f"];

    public static readonly string[] ItemsParameters = ["f", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "cursor", "sortby", "properties", "filter", "filter-lang", "filter-crs"];

    /// <summary>One item: the format, the CRS of its geometry and the properties it carries.</summary>
    public static readonly string[] ItemParameters = ["f", "crs", "properties"];

    public static string Url(string baseUrl, string path, string? query = null) => baseUrl + path + (query ?? "");
}

/// <summary>A link as OGC API writes them: every one with rel, type and an absolute href.</summary>
public sealed record OgcLink(string Href, string Rel, string Type, string? Title = null)
{
    public static void WriteArray(Utf8JsonWriter w, IReadOnlyList<OgcLink> links)
    {
        w.WriteStartArray();
        foreach (var link in links)
        {
            w.WriteStartObject();
            w.WriteString("href", link.Href);
            w.WriteString("rel", link.Rel);
            w.WriteString("type", link.Type);
            if (link.Title is not null)
            {
                w.WriteString("title", link.Title);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}

/// <summary>The representation asked for: <c>f=json|html</c> first, else the Accept header (browsers ask for HTML).</summary>
public enum OgcFormat
{
    Json,
    Html,
}

/// <summary>What every /ogc request carries: the base URL links are built from, the format, the parameters sent.</summary>
public interface IOgcRequest
{
    /// <summary>scheme://host/pathbase of the request: every link is absolute and points back where the client came.</summary>
    string BaseUrl { get; }

    /// <summary>The f parameter as sent.</summary>
    string? F { get; }

    /// <summary>The Accept header, for when f is absent.</summary>
    string? Accept { get; }

    /// <summary>The names of the query parameters sent, so that an unknown one is a 400 (/req/core/query-param-unknown).</summary>
    IReadOnlyCollection<string> Parameters { get; }
}

public static class OgcLinks
{
    /// <summary>
    /// The self link in the format answered and the alternate in the other one. Both name f explicitly: a browser
    /// following the JSON link must not get HTML back because of its Accept header.
    /// </summary>
    public static OgcLink[] SelfAndAlternate(string url, OgcFormat format, string title, string jsonType = Ogc.JsonType)
    {
        var separator = url.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var json = new OgcLink($"{url}{separator}f=json", "alternate", jsonType, $"{title} as JSON");
        var html = new OgcLink($"{url}{separator}f=html", "alternate", Ogc.HtmlType, $"{title} as HTML");
        return format == OgcFormat.Json ? [json with { Rel = "self" }, html] : [html with { Rel = "self" }, json];
    }
}

public static class OgcRequests
{
    public static OgcFormat Format(this IOgcRequest request) =>
        request.F is { } f
            ? f.Equals("html", StringComparison.OrdinalIgnoreCase) ? OgcFormat.Html : OgcFormat.Json
            : request.Accept is { } accept && accept.Contains("text/html", StringComparison.OrdinalIgnoreCase) ? OgcFormat.Html : OgcFormat.Json;

    public static string BaseUrl(HttpRequest http) => UriHelper.BuildAbsolute(http.Scheme, http.Host, http.PathBase).TrimEnd('/');
}

/// <summary>The checks every /ogc request shares: a known f, no unknown parameter.</summary>
public abstract class OgcRequestValidator<T> : AbstractValidator<T> where T : IOgcRequest
{
    /// <param name="allowed">The parameters of the resource.</param>
    /// <param name="formats">The values of f.</param>
    /// <param name="checkedElsewhere">Parameters a rule of the resource's own validator checks (queryables).</param>
    protected OgcRequestValidator(string[] allowed, string[] formats, Func<T, string, bool>? checkedElsewhere = null)
    {
        RuleFor(x => x.F)
            .Must(f => f is null || formats.Contains(f, StringComparer.OrdinalIgnoreCase))
            .WithMessage($"Must be one of: {string.Join(", ", formats)}.");
        RuleFor(x => x.Parameters).Custom((parameters, context) =>
        {
            foreach (var name in parameters.Where(p => !allowed.Contains(p, StringComparer.Ordinal)
                                                       && checkedElsewhere?.Invoke(context.InstanceToValidate, p) != true))
            {
                context.AddFailure(name, $"Is not a parameter of this resource; it accepts: {string.Join(", ", allowed)}.");
            }
        });
    }
}

public sealed record OgcLandingPage(string Title, string Description, IReadOnlyList<OgcLink> Links);

public sealed record OgcConformance([property: JsonPropertyName("conformsTo")] IReadOnlyList<string> ConformsTo);

public sealed record OgcSpatialExtent(IReadOnlyList<double[]> Bbox, string Crs);

public sealed record OgcTemporalExtent(IReadOnlyList<DateTime?[]> Interval, string Trs);

public sealed record OgcExtent(OgcSpatialExtent Spatial, OgcTemporalExtent Temporal);

public sealed record OgcCollection(
    string Id,
    string Title,
    string Description,
    [property: JsonPropertyName("itemType")] string ItemType,
    IReadOnlyList<string> Crs,
    [property: JsonPropertyName("storageCrs")] string StorageCrs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OgcExtent? Extent,
    IReadOnlyList<OgcLink> Links);

public sealed record OgcCollections(IReadOnlyList<OgcLink> Links, IReadOnlyList<OgcCollection> Collections);

/// <summary>The data behind a collection: its id, titles and the extent computed from the facilities in it.</summary>
public sealed record OgcCollectionInfo(string Id, string Title, string Description, Bbox? Bbox, DateTime? First, DateTime? Last)
{
    /// <summary>
    /// The collection's metadata. Each lists every CRS in full rather than Part 2's "#/crs" reference to a shared
    /// list, which clients that predate Part 2 would not resolve.
    /// </summary>
    public OgcCollection ToCollection(string baseUrl, IReadOnlyList<OgcLink> ownLinks)
    {
        var items = Ogc.Url(baseUrl, $"/ogc/collections/{Id}/items");
        var links = new List<OgcLink>(ownLinks)
        {
            new(items, "items", Ogc.GeoJsonType, $"{Title} as GeoJSON"),
            new(items + "?f=html", "items", Ogc.HtmlType, $"{Title} as HTML"),
            new(Ogc.Url(baseUrl, "/api/v1/export/attribution"), "license", Ogc.JsonType, "Sources and their licenses"),
            new(Ogc.Url(baseUrl, $"/ogc/collections/{Id}/tiles"), OgcTiles.TilesetsVectorRel, Ogc.JsonType, $"{Title} as vector tiles"),
            // The whole collection in one download each (the exports), for a client that would otherwise page through it.
            new(Ogc.Url(baseUrl, $"/api/v1/export/{Id}.geojson"), "enclosure", Ogc.GeoJsonType, $"{Title}: download as GeoJSON"),
            new(Ogc.Url(baseUrl, $"/api/v1/export/{Id}.csv"), "enclosure", "text/csv", $"{Title}: download as CSV"),
            new(Ogc.Url(baseUrl, $"/api/v1/export/{Id}.gpkg"), "enclosure", GeoPackageFormat.ContentType, $"{Title}: download as GeoPackage"),
            new(Ogc.Url(baseUrl, $"/ogc/collections/{Id}/queryables"), Ogc.QueryablesRel, OgcSchemaEndpoints.SchemaType, $"What filters of {Title} may name"),
            new(Ogc.Url(baseUrl, $"/ogc/collections/{Id}/sortables"), Ogc.SortablesRel, OgcSchemaEndpoints.SchemaType, $"What sortby of {Title} may name"),
            // RFC 8288 compares relation types case-insensitively; GDAL compares them exactly and looks for "describedBy".
            new(Ogc.Url(baseUrl, $"/ogc/collections/{Id}/schema"), "describedBy", OgcSchemaEndpoints.SchemaType, $"The schema of the features of {Title}"),
        };
        OgcExtent? extent = Bbox is { } b
            ? new OgcExtent(
                new OgcSpatialExtent([[b.MinLon, b.MinLat, b.MaxLon, b.MaxLat]], Ogc.Crs84),
                new OgcTemporalExtent([[First, Last]], Ogc.Gregorian))
            : null;
        return new OgcCollection(Id, Title, Description, "feature", OgcCrs.Uris, Ogc.Crs84, extent, links);
    }
}
