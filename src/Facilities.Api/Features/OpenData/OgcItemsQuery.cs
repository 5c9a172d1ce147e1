using System.Globalization;
using System.Text.RegularExpressions;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Http.Extensions;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// GET /ogc/collections/{collectionId}/items: the facilities of a collection that are not removed, in id order,
/// filtered by <c>bbox</c>, <c>datetime</c> (on updated_at) and the collection's queryables as query parameters
/// (<c>wheelchair=yes</c>, Part 3's queryables-query-parameters), paged by <c>limit</c> and <c>offset</c>.
/// <c>PropertyFilters</c> are the query parameters that are not the resource's own, by name: each must be a queryable
/// of the collection, compared for equality (a date for the whole day, as <c>datetime</c>).
/// </summary>
public sealed record OgcItemsQuery(
    string BaseUrl,
    string CollectionId,
    string? Bbox,
    string? BboxCrs,
    string? Crs,
    string? Datetime,
    string? Limit,
    string? Offset,
    string? Cursor,
    string? SortBy,
    string? Properties,
    string? Filter,
    string? FilterLang,
    string? FilterCrs,
    string? F,
    string? Accept,
    IReadOnlyCollection<string> Parameters,
    IReadOnlyDictionary<string, IReadOnlyList<string>> PropertyFilters) : IRequest<OgcItemsPage>, IOgcRequest
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 10_000;

    /// <summary>
    /// Deeper than this, an offset costs the database a scan of every row it skips: follow the next links instead,
    /// which continue after the last id of the page (keyset paging) and cost the same at any depth.
    /// </summary>
    public const int MaxOffset = 1_000_000;
}

/// <summary>One page: the rows, how many match in all, the links (self, alternate, next, collection), the output CRS.</summary>
public sealed record OgcItemsPage(
    OgcCollectionInfo Collection,
    IReadOnlyList<FacilityRow> Rows,
    long NumberMatched,
    IReadOnlyList<OgcLink> Links,
    OgcFormat Format,
    OgcCrs Crs,
    OpenDataSchema Schema,
    OgcPropertySelection? Selection = null);

/// <summary>A box in CRS84; one that crosses the antimeridian (west &gt; east, as OGC API allows) is two boxes.</summary>
public static class OgcBbox
{
    public static Bbox[]? TryParse(string? text, out string? error)
    {
        error = null;
        var parts = text?.Split(',') ?? [];
        if (parts.Length == 6)
        {
            error = "Has six numbers (a 3D box): the facilities have no height, send minLon,minLat,maxLon,maxLat.";
            return null;
        }
        if (parts.Length != 4)
        {
            error = "Must be four numbers: minLon,minLat,maxLon,maxLat (CRS84 degrees).";
            return null;
        }
        if (QueryValues.TryParseNumbers(parts, out error) is not { } v)
        {
            return null;
        }
        if (v[0] is < -180 or > 180 || v[2] is < -180 or > 180)
        {
            error = "Longitudes must be between -180 and 180.";
        }
        else if (v[1] is < -90 or > 90 || v[3] is < -90 or > 90)
        {
            error = "Latitudes must be between -90 and 90.";
        }
        else if (v[1] > v[3])
        {
            error = "minLat is greater than maxLat.";
        }
        if (error is not null)
        {
            return null;
        }
        return v[0] <= v[2]
            ? [new Bbox(v[0], v[1], v[2], v[3])]
            : [new Bbox(v[0], v[1], 180, v[3]), new Bbox(-180, v[1], v[2], v[3])];
    }
}

/// <summary>
/// A bbox in another CRS (<c>bbox-crs</c>, Part 2), in that CRS's axis order, as a WGS 84 polygon: a box on a grid
/// is not a box in degrees, so its edges are followed point by point (a metre off at most over a city).
/// </summary>
public static class OgcCrsBbox
{
    private const int PointsPerEdge = 16;

    public static string? TryParse(string text, OgcCrs crs, out string? error)
    {
        error = null;
        var parts = text.Split(',');
        if (parts.Length != 4)
        {
            error = $"Must be four numbers in the axis order of {crs.Uri}: the lower corner, then the upper one.";
            return null;
        }
        if (QueryValues.TryParseNumbers(parts, out error) is not { } v)
        {
            return null;
        }
        if (v[0] > v[2] || v[1] > v[3])
        {
            error = "The lower corner must come first: each of its numbers at most the upper corner's.";
            return null;
        }
        var ring = new List<(double Lon, double Lat)>(4 * PointsPerEdge + 1);
        (double, double)[] corners = [(v[0], v[1]), (v[2], v[1]), (v[2], v[3]), (v[0], v[3])];
        for (var edge = 0; edge < 4; edge++)
        {
            var (a, b) = (corners[edge], corners[(edge + 1) % 4]);
            for (var k = 0; k < PointsPerEdge; k++)
            {
                var t = (double)k / PointsPerEdge;
                if (crs.ToWgs84(a.Item1 + (t * (b.Item1 - a.Item1)), a.Item2 + (t * (b.Item2 - a.Item2))) is not { } p)
                {
                    error = $"Is outside the area where {crs.Uri} is used: check the numbers and their axis order.";
                    return null;
                }
                ring.Add(p);
            }
        }
        ring.Add(ring[0]);
        return "POLYGON((" + string.Join(",", ring.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Lon:R} {p.Lat:R}"))) + "))";
    }
}

/// <summary>
/// The datetime parameter: an RFC 3339 instant, or an interval <c>start/end</c> where either end may be open
/// (<c>..</c> or empty). A full date (2026-11-24) stands for that whole UTC day. Bounds are inclusive.
/// </summary>
public static partial class OgcDateTime
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex DateTimePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex DatePattern();

    public static bool TryParse(string text, out DateTime? from, out DateTime? to, out string? error)
    {
        from = to = null;
        error = null;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            if (!TryParseEnd(text, out var start, out var end))
            {
                error = $"'{text}' is not an RFC 3339 date-time (2026-11-24T10:00:00Z) or date (2026-11-24).";
                return false;
            }
            (from, to) = (start, end);
            return true;
        }
        var (first, second) = (text[..slash], text[(slash + 1)..]);
        if (second.Contains('/', StringComparison.Ordinal))
        {
            error = "An interval has one '/': start/end, either of them '..' for an open end.";
            return false;
        }
        if (!IsOpen(first))
        {
            if (!TryParseEnd(first, out var start, out _))
            {
                error = $"The start '{first}' is not an RFC 3339 date-time or date, nor '..'.";
                return false;
            }
            from = start;
        }
        if (!IsOpen(second))
        {
            if (!TryParseEnd(second, out _, out var end))
            {
                error = $"The end '{second}' is not an RFC 3339 date-time or date, nor '..'.";
                return false;
            }
            to = end;
        }
        if (from > to)
        {
            error = "The interval starts after it ends.";
            return false;
        }
        return true;
    }

    private static bool IsOpen(string end) => end is ".." or "";

    /// <summary>The earliest and latest instants a value stands for: itself for a date-time, the day for a date.</summary>
    private static bool TryParseEnd(string text, out DateTime start, out DateTime end)
    {
        start = end = default;
        if (DateTimePattern().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var instant))
        {
            start = end = instant.UtcDateTime;
            return true;
        }
        if (DatePattern().IsMatch(text)
            && DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day)
            && day.Year < 9999)
        {
            start = DateTime.SpecifyKind(day, DateTimeKind.Utc);
            // PostgreSQL keeps microseconds: the last one of the day.
            end = start.AddDays(1).AddTicks(-TimeSpan.TicksPerMicrosecond);
            return true;
        }
        return false;
    }
}

/// <summary>A next link's cursor: the last id of the page and numberMatched, counted once on the first page.</summary>
public static class OgcCursor
{
    public static string Encode(Cursors cursors, Guid after, long numberMatched) =>
        cursors.Encode(string.Create(CultureInfo.InvariantCulture, $"{after}|{numberMatched}"));

    public static (Guid After, long NumberMatched)? Decode(Cursors cursors, string? cursor)
    {
        var parts = cursors.Decode(cursor)?.Split('|');
        return parts is [var id, var count]
               && Guid.TryParse(id, out var after)
               && long.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out var matched)
            ? (after, matched)
            : null;
    }
}

public sealed class OgcItemsQueryValidator : OgcRequestValidator<OgcItemsQuery>
{
    public OgcItemsQueryValidator(Cursors cursors, CategoryCatalog categories)
        : base(Ogc.ItemsParameters, ["json", "geojson", "html"], (request, name) => request.PropertyFilters.ContainsKey(name))
    {
        RuleFor(x => x).Custom((request, context) =>
        {
            var schema = OpenDataSchema.Of(categories);
            if (schema.Properties(request.CollectionId) is null)
            {
                // An unknown collection is the handler's 404.
                return;
            }
            foreach (var (name, values) in request.PropertyFilters)
            {
                if (schema.Queryable(request.CollectionId, name) is not { } property)
                {
                    context.AddFailure(name, $"Is neither a parameter of this resource ({string.Join(", ", Ogc.ItemsParameters)}) nor a " +
                                             $"queryable of '{request.CollectionId}': see /ogc/collections/{request.CollectionId}/queryables.");
                }
                else if (values.Count != 1)
                {
                    context.AddFailure(name, "Is given more than once: send one value (for several, use filter with IN).");
                }
                else if (!PropertyValues.TryParse(property, values[0], out _, out var error))
                {
                    context.AddFailure(name, error!);
                }
            }
        });
        RuleFor(x => x.Crs).Custom((value, context) =>
        {
            if (value is not null && OgcCrs.Parse(value) is null)
            {
                context.AddFailure("crs", OgcCrsMessages.Unknown(value));
            }
        });
        RuleFor(x => x).Custom((request, context) =>
        {
            if (request.BboxCrs is null)
            {
                if (request.Bbox is not null && OgcBbox.TryParse(request.Bbox, out var error) is null)
                {
                    context.AddFailure("bbox", error!);
                }
                return;
            }
            if (OgcCrs.Parse(request.BboxCrs) is not { } crs)
            {
                context.AddFailure("bbox-crs", OgcCrsMessages.Unknown(request.BboxCrs));
            }
            else if (request.Bbox is null)
            {
                context.AddFailure("bbox-crs", "Names the CRS of bbox, and there is no bbox.");
            }
            else if ((crs.IsCrs84 ? OgcBbox.TryParse(request.Bbox, out var error) is null : OgcCrsBbox.TryParse(request.Bbox, crs, out error) is null))
            {
                context.AddFailure("bbox", error!);
            }
        });
        RuleFor(x => x.Datetime).Custom((value, context) =>
        {
            if (value is not null && !OgcDateTime.TryParse(value, out _, out _, out var error))
            {
                context.AddFailure("datetime", error!);
            }
        });
        RuleFor(x => x.Limit)
            .Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= OgcItemsQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {OgcItemsQuery.MaxLimit}.");
        RuleFor(x => x.Offset)
            .Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 0 and <= OgcItemsQuery.MaxOffset))
            .WithMessage($"Must be a whole number from 0 to {OgcItemsQuery.MaxOffset}; to read further, follow the next links.");
        RuleFor(x => x).Custom((request, context) =>
        {
            if (request.SortBy is null || OpenDataSchema.Of(categories).Properties(request.CollectionId) is not { } properties)
            {
                return;
            }
            if (OgcSortBy.TryParse(request.SortBy, properties, request.CollectionId, out var error) is not { } keys)
            {
                context.AddFailure("sortby", error!);
            }
            else if (request.Cursor is not null && OgcSortCursor.Decode(cursors, request.Cursor) is { } cursor
                     && (cursor.SortBy != OgcSortBy.Normalised(keys) || cursor.Values.Count != keys.Count))
            {
                context.AddFailure("cursor", "Belongs to another sortby: follow the next link of the previous page as it is.");
            }
        });
        RuleFor(x => x).Custom((request, context) =>
        {
            if (request.FilterLang is not null && !Cql2.Languages.Contains(request.FilterLang, StringComparer.Ordinal))
            {
                context.AddFailure("filter-lang", $"Must be {Cql2.TextLanguage} (the default) or {Cql2.JsonLanguage}.");
                return;
            }
            var crs = OgcCrs.Crs84;
            if (request.FilterCrs is not null)
            {
                if (OgcCrs.Parse(request.FilterCrs) is not { } parsed)
                {
                    context.AddFailure("filter-crs", OgcCrsMessages.Unknown(request.FilterCrs));
                    return;
                }
                crs = parsed;
            }
            if (request.Filter is null)
            {
                foreach (var (name, value) in (ReadOnlySpan<(string, string?)>)[("filter-lang", request.FilterLang), ("filter-crs", request.FilterCrs)])
                {
                    if (value is not null)
                    {
                        context.AddFailure(name, "Describes filter, and there is no filter.");
                    }
                }
                return;
            }
            if (request.Filter.Length > Cql2.MaxLength)
            {
                context.AddFailure("filter", $"Must be at most {Cql2.MaxLength} characters.");
                return;
            }
            if (OpenDataSchema.Of(categories).Properties(request.CollectionId) is null)
            {
                return;
            }
            try
            {
                Cql2Sql.Check(Cql2.Parse(request.Filter, request.FilterLang), request.CollectionId, OpenDataSchema.Of(categories), crs);
            }
            catch (Cql2Exception e)
            {
                context.AddFailure("filter", e.Message);
            }
        });
        RuleFor(x => x).Custom((request, context) =>
        {
            if (request.Properties is not null && OpenDataSchema.Of(categories).Properties(request.CollectionId) is { } properties
                && OgcPropertySelection.TryParse(request.Properties, properties, request.CollectionId, out var error) is null)
            {
                context.AddFailure("properties", error!);
            }
        });
        RuleFor(x => x)
            .Must(x => x.Cursor is null || (x.SortBy is null ? OgcCursor.Decode(cursors, x.Cursor) is not null : OgcSortCursor.Decode(cursors, x.Cursor) is not null))
            .WithName("cursor")
            .OverridePropertyName("cursor")
            .WithMessage("Is not a cursor this service issued: use the next link of the previous page as it is.");
    }
}

public sealed class OgcItemsHandler(ReadSource dataSource, CategoryCatalog categories,
    Cursors cursors)
    : IRequestHandler<OgcItemsQuery, OgcItemsPage>
{
    /// <summary>
    /// numberMatched of a whole collection from the cluster grid: zoom 0 counts every facility that is not removed,
    /// kept exact by the trigger on facilities, instead of counting a million rows (90 ms) for every first page.
    /// </summary>
    private const string GridCountSql = "select coalesce(sum(n), 0)::bigint from cluster_cells where zoom = 0";

    /// <summary>The most matches a filtered first page counts in its own scan (see the page statement).</summary>
    private const int CountedInPageScan = 10_000;

    public async ValueTask<OgcItemsPage> Handle(OgcItemsQuery request, CancellationToken cancellationToken)
    {
        var collection = OgcCollectionCatalog.Describe(categories, request.CollectionId)
            ?? throw new NotFoundException("collection", request.CollectionId);
        var limit = request.Limit is null ? OgcItemsQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        var offset = request.Offset is null ? 0 : int.Parse(request.Offset, CultureInfo.InvariantCulture);
        var bboxCrs = OgcCrs.Parse(request.BboxCrs) ?? OgcCrs.Crs84;
        var boxes = request.Bbox is null || !bboxCrs.IsCrs84 ? null : OgcBbox.TryParse(request.Bbox, out _);
        var polygon = request.Bbox is null || bboxCrs.IsCrs84 ? null : OgcCrsBbox.TryParse(request.Bbox, bboxCrs, out _);
        var crs = OgcCrs.Parse(request.Crs) ?? OgcCrs.Crs84;
        DateTime? from = null, to = null;
        if (request.Datetime is not null)
        {
            _ = OgcDateTime.TryParse(request.Datetime, out from, out to, out _);
        }
        var schema = OpenDataSchema.Of(categories);
        var propertySelection = request.Properties is null ? null : OgcPropertySelection.TryParse(request.Properties, schema.Properties(collection.Id)!, collection.Id, out _);
        var sortKeys = request.SortBy is null ? null : OgcSortBy.TryParse(request.SortBy, schema.Properties(collection.Id)!, collection.Id, out _);
        var cursor = sortKeys is null ? OgcCursor.Decode(cursors, request.Cursor) : null;
        var sortCursor = sortKeys is null ? null : OgcSortCursor.Decode(cursors, request.Cursor);

        // The SQL names only the conditions in use: a catch-all "($n is null or ...)" would let a generic plan of an
        // auto-prepared statement lose the GiST index.
        var where = new OgcSql();
        where.Add("f.status <> 'removed'");
        if (request.CollectionId != Ogc.AllFacilities)
        {
            where.Add($"f.category = {where.Parameter(request.CollectionId)}");
        }
        if (boxes is not null)
        {
            where.Add("(" + string.Join(" or ", boxes.Select(b =>
                $"f.geom && ST_MakeEnvelope({where.Parameter(b.MinLon)}, {where.Parameter(b.MinLat)}, " +
                $"{where.Parameter(b.MaxLon)}, {where.Parameter(b.MaxLat)}, 4326)")) + ")");
        }
        if (polygon is not null)
        {
            where.Add($"ST_Intersects(f.geom, ST_GeomFromText({where.Parameter(polygon)}, 4326))");
        }
        if (from is { } f)
        {
            where.Add($"f.updated_at >= {where.Parameter(f)}");
        }
        if (to is { } t)
        {
            where.Add($"f.updated_at <= {where.Parameter(t)}");
        }
        foreach (var (name, values) in request.PropertyFilters)
        {
            var property = schema.Queryable(collection.Id, name)!;
            _ = PropertyValues.TryParse(property, values[0], out var value, out _);
            where.Add(value switch
            {
                PropertyValue.Range(var first, var last) => $"{property.Sql} between {where.Parameter(first)} and {where.Parameter(last)}",
                PropertyValue.One(var single) => $"{property.Sql} = {where.Parameter(single)}",
                _ => throw new InvalidOperationException(name),
            });
        }

        if (request.Filter is not null)
        {
            where.Add(Cql2Sql.Translate(Cql2.Parse(request.Filter, request.FilterLang), collection.Id, schema,
                OgcCrs.Parse(request.FilterCrs) ?? OgcCrs.Crs84, where));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long? numberMatched = cursor?.NumberMatched ?? sortCursor?.NumberMatched;
        if (numberMatched is null
            && boxes is null && polygon is null && from is null && to is null && request.PropertyFilters.Count == 0 && request.Filter is null)
        {
            await using var count = new NpgsqlCommand(
                GridCountSql + (request.CollectionId == Ogc.AllFacilities ? "" : " and category = $1"), connection);
            if (request.CollectionId != Ogc.AllFacilities)
            {
                count.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.CollectionId });
            }
            numberMatched = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }
        // Made now, before the page's own parameters are added: it takes the filters' parameters only.
        await using var countCommand = numberMatched is null
            ? where.Command($"select count(*) from facilities f where {where.Conditions}", connection)
            : null;

        if (cursor is { } after)
        {
            where.Add($"f.id > {where.Parameter(after.After)}");
        }
        if (sortKeys is not null && sortCursor is not null)
        {
            where.Add(OgcSortBy.After(sortKeys, sortCursor, value => where.Parameter(new OgcSql.Untyped(value))));
        }
        // One row beyond the page says whether a next page exists. Without sortby, the order is the primary key's;
        // with it, the keys' values of each row are read as text too, for the next page's cursor.
        var selectList = $"{FacilityRow.Columns}{(sortKeys is null ? "" : OgcSortBy.KeyColumns(sortKeys))}";
        var page = $"order by {(sortKeys is null ? "f.id" : OgcSortBy.OrderBy(sortKeys))} " +
                   $"offset {where.Parameter(offset)} limit {where.Parameter(limit + 1)}";
        var pageSql = $"select {selectList} from facilities f where {where.Conditions} {page}";
        // A filtered first page counts numberMatched in its own scan: the window counts what the filters matched
        // before the sort and limit keep the page, so a city's box is scanned once, not once more for a count. The
        // scan stops after CountedInPageScan + 1 rows: a window must hold every row it counts, so a larger match (a
        // country's box, a filter on most of the layer) is counted by its own statement, and its page is read by the
        // plan that stops at the limit.
        var countedPageSql = $"select {selectList}, count(*) over () from " +
                             $"(select * from facilities f where {where.Conditions} limit {CountedInPageScan + 1}) f {page}";
        List<FacilityRow> rows;
        string?[]? lastKeys;
        long matched;
        if (numberMatched is { } known)
        {
            (rows, lastKeys, _) = await ReadPageAsync(pageSql, counted: false);
            matched = known;
        }
        else if (offset <= CountedInPageScan
                 && await ReadPageAsync(countedPageSql, counted: true) is { Rows.Count: > 0, Counted: <= CountedInPageScan } countedPage)
        {
            (rows, lastKeys, matched) = countedPage;
        }
        else
        {
            // An offset past the end leaves no row to read the count from; a larger match stopped the scan at its bound.
            matched = (long)(await countCommand!.ExecuteScalarAsync(cancellationToken))!;
            (rows, lastKeys, _) = await ReadPageAsync(pageSql, counted: false);
        }
        var hasNext = rows.Count > limit;
        if (hasNext)
        {
            rows.RemoveAt(rows.Count - 1);
        }
        var format = request.Format();
        // The sources of the page's facilities in one more statement (the HTML table does not show them).
        if (format == OgcFormat.Json && propertySelection?.Sources != false && rows.Count > 0)
        {
            var sources = await OpenDataFeatureJson.SourcesOfAsync(connection, [.. rows.Select(r => r.Id)], cancellationToken);
            for (var i = 0; i < rows.Count; i++)
            {
                rows[i] = rows[i] with { SourcesJson = sources[rows[i].Id] };
            }
        }

        var itemsUrl = Ogc.Url(request.BaseUrl, $"/ogc/collections/{collection.Id}/items");
        // What selects the features goes on into the next link; the page position (offset, cursor) is replaced.
        List<(string Name, string Value)> selection = [];
        foreach (var (name, value) in (ReadOnlySpan<(string, string?)>)[
                     ("bbox", request.Bbox), ("bbox-crs", request.BboxCrs), ("crs", request.Crs), ("datetime", request.Datetime),
                     ("sortby", sortKeys is null ? null : OgcSortBy.Normalised(sortKeys)),
                     ("properties", request.Properties is null ? null : OgcPropertySelection.Normalised(request.Properties)),
                     ("filter", request.Filter), ("filter-lang", request.FilterLang), ("filter-crs", request.FilterCrs)])
        {
            if (value is not null)
            {
                selection.Add((name, value));
            }
        }
        selection.AddRange(request.PropertyFilters.Select(p => (p.Key, p.Value[0])));
        var query = new QueryBuilder(selection.Select(p => KeyValuePair.Create(p.Name, p.Value)));
        foreach (var (name, value) in (ReadOnlySpan<(string, string?)>)[("limit", request.Limit), ("offset", request.Offset), ("cursor", request.Cursor)])
        {
            if (value is not null)
            {
                query.Add(name, value);
            }
        }
        var links = new List<OgcLink>(OgcLinks.SelfAndAlternate(itemsUrl + query.ToQueryString(), format, $"{collection.Title}, this page", Ogc.GeoJsonType));
        if (hasNext)
        {
            var next = new QueryBuilder(selection.Select(p => KeyValuePair.Create(p.Name, p.Value)))
            {
                { "limit", limit.ToString(CultureInfo.InvariantCulture) },
                {
                    "cursor", sortKeys is null
                        ? OgcCursor.Encode(cursors, rows[^1].Id, matched)
                        : new OgcSortCursor(OgcSortBy.Normalised(sortKeys), lastKeys!, rows[^1].Id, matched).Encode(cursors)
                },
                { "f", format == OgcFormat.Html ? "html" : "json" },
            };
            links.Add(new OgcLink(itemsUrl + next.ToQueryString(), "next",
                format == OgcFormat.Html ? Ogc.HtmlType : Ogc.GeoJsonType, "The next page"));
        }
        links.Add(new OgcLink(Ogc.Url(request.BaseUrl, $"/ogc/collections/{collection.Id}"), "collection", Ogc.JsonType, collection.Title));
        return new OgcItemsPage(collection, rows, matched, links, format, crs, schema, propertySelection);

        // The page's rows, the sort keys of its last row (for the next cursor), and the window's count when counted.
        async Task<(List<FacilityRow> Rows, string?[]? LastKeys, long Counted)> ReadPageAsync(string sql, bool counted)
        {
            var read = new List<FacilityRow>(Math.Min(limit + 1, 1024));
            string?[]? keys = null;
            long count = 0;
            await using var command = where.Command(sql, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                read.Add(FacilityRow.Read(reader));
                if (sortKeys is not null && read.Count == limit)
                {
                    keys = new string?[sortKeys.Count];
                    for (var k = 0; k < sortKeys.Count; k++)
                    {
                        var ordinal = FacilityRow.ColumnCount + k;
                        keys[k] = reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
                    }
                }
                if (counted && read.Count == 1)
                {
                    count = reader.GetInt64(FacilityRow.ColumnCount + (sortKeys?.Count ?? 0));
                }
            }
            return (read, keys, count);
        }
    }
}

/// <summary>A where clause and its positional parameters, built together so the numbers cannot drift apart.</summary>
public sealed class OgcSql
{
    private readonly List<string> _conditions = [];
    private readonly List<NpgsqlParameter> _parameters = [];

    public string Conditions => string.Join(" and ", _conditions);

    public void Add(string condition) => _conditions.Add(condition);

    public string Parameter(object value)
    {
        _parameters.Add(value switch
        {
            Guid id => new NpgsqlParameter<Guid> { TypedValue = id },
            DateTime t => new NpgsqlParameter<DateTime> { TypedValue = t, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            double d => new NpgsqlParameter<double> { TypedValue = d },
            long l => new NpgsqlParameter<long> { TypedValue = l },
            bool b => new NpgsqlParameter<bool> { TypedValue = b },
            int i => new NpgsqlParameter<int> { TypedValue = i },
            string s => new NpgsqlParameter<string> { TypedValue = s },
            Untyped u => new NpgsqlParameter { Value = u.Text, NpgsqlDbType = NpgsqlDbType.Unknown },
            _ => throw new ArgumentOutOfRangeException(nameof(value)),
        });
        return "$" + _parameters.Count.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A value sent as text whose type PostgreSQL infers from what it is compared with (a cursor's key).</summary>
    public sealed record Untyped(string Text);

    public NpgsqlCommand Command(string sql, NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand(sql, connection);
        // The count runs before the cursor, offset and limit are added; each statement gets its own copies.
        foreach (var p in _parameters)
        {
            command.Parameters.Add(p.Clone());
        }
        return command;
    }
}
