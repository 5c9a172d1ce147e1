using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Features.Moderation;
using Facilities.Api.Features.Nearby;
using Facilities.Api.Features.OpenData;
using Facilities.Api.Features.Partners;
using Facilities.Api.Features.Photos;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using Microsoft.OpenApi;

namespace Facilities.Api.Features.ApiDefinition;

/// <summary>
/// What each query parameter of the API is: its type, bounds, default and meaning. Endpoints bind every query
/// parameter as a string so that a bad value becomes a 400 naming it, not a binding failure; this table gives the
/// OpenAPI document the types that the validators enforce. Bounds and defaults are the requests' own constants, so
/// the document cannot drift from what the service does. A parameter is looked up by the endpoint's route and name
/// first, then by name alone for those that mean the same everywhere.
/// </summary>
public static partial class QueryParameters
{
    public static QueryParameter? Find(string route, string name) =>
        ByRoute.GetValueOrDefault((RouteConstraint().Replace(route.Trim('/'), ""), name)) ?? ByName.GetValueOrDefault(name);

    /// <summary>The <c>:guid</c> of <c>{datasetId:guid}</c>: the table names routes without their constraints.</summary>
    [GeneratedRegex(@":[^}]+(?=\})")]
    private static partial Regex RouteConstraint();

    private const string OgcItems = "ogc/collections/{collectionId}/items";
    private const string OgcItem = "ogc/collections/{collectionId}/items/{featureId}";

    private static readonly Dictionary<string, QueryParameter> ByName = new(StringComparer.Ordinal)
    {
        ["f"] = QueryParameter.OneOf("The representation: json, or html for a browser. Without it, the Accept header decides.", ["json", "html"]),
        ["cursor"] = QueryParameter.Text("Where the next page starts: copy it from the previous page's next link, never build it."),
        ["bbox"] = QueryParameter.Text("minLon,minLat,maxLon,maxLat in WGS 84 degrees.", @"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$"),
        ["category"] = QueryParameter.ListOf("Category ids, comma-separated (any of them); see /api/v1/categories."),
        ["open_now"] = QueryParameter.Boolean("true: only facilities open at the time of the request (or at 'at')."),
        ["wheelchair"] = QueryParameter.ListOf("Wheelchair access, comma-separated (any of them); true means yes.", FacilityFilter.WheelchairFilterValues),
        ["free"] = QueryParameter.Boolean("true: only facilities without a fee; false: only those that charge."),
        ["changing_table"] = QueryParameter.Boolean("true: only facilities with a baby changing table."),
        ["gender"] = QueryParameter.ListOf("Who a facility is for, comma-separated (any of them).", CoreAttributes.Genders),
        ["access"] = QueryParameter.ListOf("Who may use a facility, comma-separated (any of them).", CoreAttributes.Accesses),
        ["at"] = QueryParameter.Instant("The instant at which open_now is evaluated (RFC 3339); now by default."),
        // Open311 GeoReport v2 (Features/Open311), by the spec's names.
        ["jurisdiction_id"] = QueryParameter.Text("The partner's id: whose facilities' reports to answer.", required: true),
        ["service_code"] = QueryParameter.ListOf("Report reasons, comma-separated (any of them); see services.json.", WireName.All<ReportReason>()),
        ["status"] = QueryParameter.ListOf("open, closed or both, comma-separated; both by default.", WireName.All<Open311.Open311Status>()),
        ["start_date"] = QueryParameter.Instant($"Reports made at or after this instant; the {Open311.RequestsQuery.DefaultDays} days before end_date by default."),
        ["end_date"] = QueryParameter.Instant("Reports made at or before this instant; now by default."),
        ["service_request_id"] = QueryParameter.ListOf(
            $"Service request ids, comma-separated (at most {Open311.RequestsQuery.MaxRequests}): these requests, however old; overrides the other filters.",
            pattern: @"^\d+$"),
    };

    // Before ByRoute, which reads them as it is built.
    private static readonly QueryParameter TilesMetadataFormat = QueryParameter.OneOf("The representation: json, the only one.", ["json"], "json");

    private static readonly QueryParameter TileFormat = QueryParameter.OneOf("The tile format: mvt (Mapbox Vector Tile), the only one.", ["mvt"], "mvt");

    private const string PropertiesDescription =
        "Only these properties of each feature (see the collection's /schema), and geometry and sources if named: a feature whose " +
        "geometry is not named has a null geometry. The Feature's id is always there.";

    private static readonly Dictionary<(string Route, string Name), QueryParameter> ByRoute = new()
    {
        [("api/v1/admin/users", "q")] = QueryParameter.Text("Part of the e-mail address or display name, any case; all accounts without it."),
        [("api/v1/admin/users", "limit")] = QueryParameter.Count("Accounts at most, newest first.", Accounts.FindUsersQuery.MaxLimit,
            Accounts.FindUsersQuery.DefaultLimit),
        [("api/v1/quests", "lat")] = QueryParameter.Number("Latitude of the place to look around, WGS 84 degrees.", -90, 90, required: true),
        [("api/v1/quests", "lon")] = QueryParameter.Number("Longitude of the place to look around, WGS 84 degrees.", -180, 180, required: true),
        [("api/v1/quests", "radius_m")] = QueryParameter.Number("Search radius in metres (geodesic), greater than 0.", 0, Quests.QuestsQuery.MaxRadiusM,
            Quests.QuestsQuery.DefaultRadiusM),
        [("api/v1/quests", "limit")] = QueryParameter.Count("How many facilities at most, most needed first.", Quests.QuestsQuery.MaxLimit,
            Quests.QuestsQuery.DefaultLimit),
        [("api/v1/opening-hours/week", "value")] = QueryParameter.Text("An OpenStreetMap opening_hours value, at most 255 characters.", required: true),
        [("api/v1/opening-hours/week", "lat")] = QueryParameter.Number("Latitude of the facility (for its holidays, time zone and sun times), WGS 84 degrees.", -90, 90),
        [("api/v1/opening-hours/week", "lon")] = QueryParameter.Number("Longitude of the facility, WGS 84 degrees.", -180, 180),
        [("api/v1/opening-hours/week", "from")] = QueryParameter.Text("The first of the seven dates, yyyy-MM-dd; default this week's Monday there.", @"^\d{4}-\d{2}-\d{2}$"),
        [("api/v1/map-config/position", "crs")] = QueryParameter.OneOf("The base map's coordinate system.", WireName.All<Geography.BaseMapCrs>()),
        [("api/v1/map-config/position", "lat")] = QueryParameter.Number("Latitude, WGS 84 degrees.", -90, 90, required: true),
        [("api/v1/map-config/position", "lon")] = QueryParameter.Number("Longitude, WGS 84 degrees.", -180, 180, required: true),
        [("api/v1/search", "q")] = QueryParameter.Text($"A place's or facility's name, or part of it, at most {Search.SearchQuery.MaxQueryLength} characters.", required: true),
        [("api/v1/search", "lat")] = QueryParameter.Number("Latitude of the point to order by distance, WGS 84 degrees; with lon.", -90, 90),
        [("api/v1/search", "lon")] = QueryParameter.Number("Longitude of the point to order by distance, WGS 84 degrees; with lat.", -180, 180),
        [("api/v1/search", "lang")] = QueryParameter.Text("The language of the names: en (default) or zh-Hans; any zh tag reads as zh-Hans.", "^[A-Za-z0-9-]{2,35}$"),
        [("api/v1/search", "limit")] = QueryParameter.Count("Answers at most in each list.", Search.SearchQuery.MaxLimit, Search.SearchQuery.DefaultLimit),
        [("api/v1/facilities/nearby", "lat")] = QueryParameter.Number("Latitude of the place to search around, WGS 84 degrees.", -90, 90, required: true),
        [("api/v1/facilities/nearby", "lon")] = QueryParameter.Number("Longitude of the place to search around, WGS 84 degrees.", -180, 180, required: true),
        [("api/v1/facilities/nearby", "radius_m")] = QueryParameter.Number("Search radius in metres (geodesic), greater than 0.", 0, NearbyQuery.MaxRadiusM,
            NearbyQuery.DefaultRadiusM),
        [("api/v1/facilities/nearby", "limit")] = QueryParameter.Count("How many facilities at most, nearest first.", NearbyQuery.MaxLimit, NearbyQuery.DefaultLimit),

        [("api/v1/facilities", "bbox")] = QueryParameter.Text(
            $"minLon,minLat,maxLon,maxLat in WGS 84 degrees; at most {FacilitiesInBboxQuery.MaxSpanDegrees} degrees on a side.",
            @"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$", required: true),
        [("api/v1/facilities", "limit")] = QueryParameter.Count("Facilities per page.", FacilitiesInBboxQuery.MaxLimit, FacilitiesInBboxQuery.DefaultLimit),

        [("api/v1/facilities/clusters", "bbox")] = QueryParameter.Text(
            "minLon,minLat,maxLon,maxLat in WGS 84 degrees: the map view; its span is bounded by the zoom.",
            @"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$", required: true),
        [("api/v1/facilities/clusters", "zoom")] = QueryParameter.WholeNumber("The map's zoom level.", 0, ClustersQuery.MaxZoom, required: true),

        [("api/v1/proposals", "state")] = QueryParameter.OneOf("Only proposals in this state.", ListProposalsQuery.States),
        [("api/v1/proposals", "bbox")] = QueryParameter.Text("Only proposals for places inside minLon,minLat,maxLon,maxLat (WGS 84 degrees).",
            @"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$"),
        [("api/v1/proposals", "limit")] = QueryParameter.Count("Proposals per page, oldest first.", ListProposalsQuery.MaxLimit, ListProposalsQuery.DefaultLimit),

        [("api/v1/photos", "state")] = QueryParameter.OneOf("Photos waiting for a first decision, or photos with open reports.",
            WireName.All<PhotoQueue>(), PhotoQueue.Pending.Name()),

        [("api/v1/reviews", "state")] = QueryParameter.OneOf("Open or resolved reviews.", WireName.All<ReviewState>(), ReviewState.Open.Name()),
        [("api/v1/reviews", "kind")] = QueryParameter.OneOf("Only reviews of this kind.", WireName.All<ReviewKind>()),
        [("api/v1/reviews", "limit")] = QueryParameter.Count("Reviews per page.", ListReviewsQuery.MaxLimit, 50),

        [("api/v1/partner/reviews", "state")] = QueryParameter.OneOf("Open (waiting for the partner or a moderator) or resolved matches.",
            WireName.All<ReviewState>(), ReviewState.Open.Name()),
        [("api/v1/partner/reviews", "limit")] = QueryParameter.Count("Review items per page.", PartnerReviewsQuery.MaxLimit, PartnerReviewsQuery.DefaultLimit),
        [("api/v1/partner/feedback", "limit")] = QueryParameter.Count("Feedback entries per page.", FeedbackValidator.MaxLimit, 100),

        [("api/v1/partner/datasets/{datasetId}/imports", "dry_run")] = QueryParameter.Boolean(
            "true: validate, match and report without writing anything.", false),
        [("api/v1/partner/imports", "dry_run")] = QueryParameter.Boolean(
            "true: check the definition and run the import without creating the dataset or writing anything.", false),
        [("api/v1/partner/file-samples", "head")] = QueryParameter.Boolean(
            "true: the upload is the first part of a larger file, read as far as it goes (a CSV's last row, maybe cut, left out).", false),
        [("api/v1/partner/file-samples", "limit")] = QueryParameter.Count("Records at most, from the file's first.",
            Imports.SampleFileHandler.MaxLimit, Imports.SampleFileHandler.DefaultLimit),
        [("api/v1/partner/imports/{importId}/records", "outcome")] = QueryParameter.OneOf("Only records with this outcome.",
            WireName.All<Imports.ImportRecordOutcome>()),
        [("api/v1/partner/imports/{importId}/records", "limit")] = QueryParameter.Count("Records per page, in row order.", 1000, 100),
        [("api/v1/partner/imports/{importId}/records", "offset")] = QueryParameter.WholeNumber("Records to skip.", 0, long.MaxValue, 0),

        [("api/v1/export/attribution", "collection")] = QueryParameter.Text(
            "facilities (the default) for the whole layer, or a category id: only the datasets that contribute to that collection."),

        [("api/v1/changes", "since")] = QueryParameter.WholeNumber("The last sequence number the client has; 0 reads the feed from its start.",
            0, long.MaxValue, 0),
        [("api/v1/changes", "limit")] = QueryParameter.Count("Changes per page.", ChangesQuery.MaxLimit, ChangesQuery.DefaultLimit),

        [(OgcItems, "f")] = QueryParameter.OneOf("The representation: json or geojson (the same GeoJSON), or html for a browser.", ["json", "geojson", "html"]),
        [(OgcItem, "f")] = QueryParameter.OneOf("The representation: json or geojson (the same GeoJSON), or html for a browser.", ["json", "geojson", "html"]),
        [(OgcItems, "bbox")] = QueryParameter.Text(
            "minLon,minLat,maxLon,maxLat in CRS84; west greater than east crosses the antimeridian. Six numbers (3D) are refused.",
            @"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$"),
        [(OgcItems, "datetime")] = QueryParameter.Text(
            "On updated_at: an RFC 3339 instant or date, or an interval start/end with '..' (or nothing) for an open end. Bounds are inclusive."),
        [(OgcItems, "crs")] = QueryParameter.OneOf("The CRS of the coordinates in the answer (Part 2), in its axis order; CRS84 by default.",
            OgcCrs.Uris, Ogc.Crs84),
        [(OgcItem, "crs")] = QueryParameter.OneOf("The CRS of the coordinates in the answer (Part 2), in its axis order; CRS84 by default.",
            OgcCrs.Uris, Ogc.Crs84),
        [(OgcItems, "bbox-crs")] = QueryParameter.OneOf("The CRS of bbox, whose numbers then follow its axis order; CRS84 by default.",
            OgcCrs.Uris, Ogc.Crs84),
        [(OgcItems, "limit")] = QueryParameter.Count("Features per page; follow the next link for the rest.", OgcItemsQuery.MaxLimit, OgcItemsQuery.DefaultLimit),
        [("ogc/collections/{collectionId}/queryables", "f")] = QueryParameter.OneOf("The representation: a JSON Schema (application/schema+json).", ["json"]),
        [("ogc/collections/{collectionId}/sortables", "f")] = QueryParameter.OneOf("The representation: a JSON Schema (application/schema+json).", ["json"]),
        [(OgcItems, "sortby")] = QueryParameter.ListOf(
            "The order of the features: sortables of the collection (see its /sortables), comma-separated, each led by + (ascending, " +
            "the default; send it as %2B) or - (descending), e.g. -updated_at,name. The id breaks ties; next links keep the order.", null, @"^[+-]?[^+\-\s].*$"),
        [(OgcItems, "filter")] = QueryParameter.Text(
            "A CQL2 filter on the collection's queryables (see its /queryables), in filter-lang: comparisons, AND, OR, NOT, LIKE, " +
            "BETWEEN, IN, IS NULL, CASEI, and S_INTERSECTS and the other spatial functions on geometry with a WKT or BBOX literal, e.g. " +
            "wheelchair = 'yes' AND S_INTERSECTS(geometry, BBOX(-0.2, 51.5, -0.1, 51.6)). A syntax error is a 400 naming its position."),
        [(OgcItems, "filter-lang")] = QueryParameter.OneOf(
            "The encoding of filter: cql2-text (the default) or cql2-json; cql-text, the drafts' name, is read as cql2-text.",
            Cql2.Languages, Cql2.TextLanguage),
        [(OgcItems, "filter-crs")] = QueryParameter.OneOf("The CRS of the geometries in filter, in its axis order; CRS84 by default.",
            OgcCrs.Uris, Ogc.Crs84),
        [(OgcItems, "properties")] = QueryParameter.ListOf(PropertiesDescription),
        [(OgcItem, "properties")] = QueryParameter.ListOf(PropertiesDescription),
        [("ogc/collections/{collectionId}/schema", "f")] = QueryParameter.OneOf("The representation: a JSON Schema (application/schema+json).", ["json"]),
        [(OgcItems, "offset")] = QueryParameter.WholeNumber("Features to skip in id order; next links are faster at depth.", 0, OgcItemsQuery.MaxOffset, 0),

        [("ogc/tileMatrixSets", "f")] = TilesMetadataFormat,
        [("ogc/tileMatrixSets/{tileMatrixSetId}", "f")] = TilesMetadataFormat,
        [("ogc/tiles", "f")] = TilesMetadataFormat,
        [("ogc/tiles/{tileMatrixSetId}", "f")] = TilesMetadataFormat,
        [("ogc/collections/{collectionId}/tiles", "f")] = TilesMetadataFormat,
        [("ogc/collections/{collectionId}/tiles/{tileMatrixSetId}", "f")] = TilesMetadataFormat,
        [("ogc/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", "f")] = TileFormat,
        [("ogc/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}", "f")] = TileFormat,
    };
}

public static partial class QueryParameters
{
    /// <summary>
    /// A queryable as a query parameter of the items (Part 3's queryables-query-parameters): equality, typed as the
    /// property. The route names {collectionId}, so each is described once for every collection whose features have it.
    /// </summary>
    public static QueryParameter Queryable(PublishedProperty p)
    {
        var description = $"{p.Title}: only features whose {p.Name} equals this value (a queryable of the collections that have it; " +
                          "see their /queryables).";
        return p.Type switch
        {
            PropertyType.Enum => QueryParameter.OneOf(description, p.Values!),
            PropertyType.Boolean => QueryParameter.Boolean(description),
            PropertyType.WholeNumber => QueryParameter.WholeNumber(description, p.Minimum ?? int.MinValue, p.Maximum ?? int.MaxValue),
            PropertyType.Number => QueryParameter.Number(description, p.Minimum ?? double.MinValue, p.Maximum ?? double.MaxValue),
            PropertyType.Instant => QueryParameter.Text(description + " A date-time, or a date for the whole UTC day."),
            _ => QueryParameter.Text(description),
        };
    }
}

/// <summary>One query parameter as the OpenAPI document gives it.</summary>
public sealed record QueryParameter(string Description, Func<OpenApiSchema> Schema, bool Required = false, bool CommaSeparated = false)
{
    public static QueryParameter Text(string description, string? pattern = null, bool required = false) =>
        new(description, () => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = pattern }, required);

    public static QueryParameter Boolean(string description, bool? @default = null) =>
        new(description, () => new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = @default is { } d ? JsonValue.Create(d) : null });

    public static QueryParameter Instant(string description) =>
        new(description, () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" });

    public static QueryParameter OneOf(string description, IReadOnlyList<string> values, string? @default = null) =>
        new(description, () => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
            Default = @default is null ? null : JsonValue.Create(@default),
        });

    /// <summary>A comma-separated list (OpenAPI style form, explode false), of given values or free text.</summary>
    public static QueryParameter ListOf(string description, IReadOnlyList<string>? values = null, string? pattern = null) =>
        new(description, () => new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            MinItems = 1,
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = values is null ? null : [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
                Pattern = pattern,
            },
        }, CommaSeparated: true);

    public static QueryParameter WholeNumber(string description, long minimum, long maximum, long? @default = null, bool required = false) =>
        new(description, () => new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = maximum > int.MaxValue ? "int64" : "int32",
            Minimum = minimum.ToString(CultureInfo.InvariantCulture),
            Maximum = maximum.ToString(CultureInfo.InvariantCulture),
            Default = @default is { } d ? JsonValue.Create(d) : null,
        }, required);

    /// <summary>A page size: 1 to the maximum, with the default used when it is absent.</summary>
    public static QueryParameter Count(string description, int maximum, int @default) =>
        WholeNumber($"{description} Default {@default}, at most {maximum}.", 1, maximum, @default);

    public static QueryParameter Number(string description, double minimum, double maximum, double? @default = null, bool required = false) =>
        new(description, () => new OpenApiSchema
        {
            Type = JsonSchemaType.Number,
            Format = "double",
            Minimum = minimum.ToString(CultureInfo.InvariantCulture),
            Maximum = maximum.ToString(CultureInfo.InvariantCulture),
            Default = @default is { } d ? JsonValue.Create(d) : null,
        }, required);
}
