using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Search;

/// <summary>
/// GET /api/v1/search: one box for places and facility names. Facilities whose name matches q, nearest first to
/// lat/lon when given; places of the offline gazetteer (GeoNames) whose name matches, in English and, where the
/// gazetteer has it, Chinese; and addresses from the configured geocoder (<see cref="Geocoder"/>), if any. Values are
/// the raw query strings; the validator names any that are wrong.
/// </summary>
public sealed record SearchQuery(string? Q, string? Lat = null, string? Lon = null, string? Lang = null, string? Limit = null)
    : IRequest<SearchResponse>
{
    public const int MaxQueryLength = 100;
    public const int DefaultLimit = 10;
    public const int MaxLimit = 50;
    public const string English = "en";
    public const string Chinese = "zh-Hans";

    /// <summary>Chinese for any zh tag (zh, zh-CN, zh-Hans-CN...), English otherwise: the two languages names come in.</summary>
    public static string Language(string? lang) =>
        lang is not null && (lang.Equals("zh", StringComparison.OrdinalIgnoreCase) || lang.StartsWith("zh-", StringComparison.OrdinalIgnoreCase))
            ? Chinese
            : English;
}

public sealed record SearchResponse(
    string Query,
    string Lang,
    IReadOnlyList<FacilityMatch> Facilities,
    IReadOnlyList<PlaceMatch> Places,
    IReadOnlyList<AddressMatch> Addresses,
    // "off" (no geocoder configured), "ok", or "unavailable" (it failed or did not answer in time: the rest still answers).
    string Geocoder,
    IReadOnlyList<string> Attribution);

/// <summary>A facility whose name matches; distance_m when the request gave a point.</summary>
public sealed record FacilityMatch(Guid Id, string Name, string Category, string CategoryLabel, double Lat, double Lon, double? DistanceM);

/// <summary>A gazetteer place: name in the request's language where the gazetteer has it, name_en always.</summary>
public sealed record PlaceMatch(string Id, string Name, string NameEn, string Country, string? Admin1, long Population,
    double Lat, double Lon, double? DistanceM);

/// <summary>An address from the geocoder, as it named it.</summary>
public sealed record AddressMatch(string Name, double Lat, double Lon, double? DistanceM);

public sealed class SearchQueryValidator : AbstractValidator<SearchQuery>
{
    public SearchQueryValidator()
    {
        RuleFor(x => x.Q).Must(v => !string.IsNullOrWhiteSpace(v))
            .WithMessage("Is required: the name of a place or facility to look for.")
            .Must(v => v is null || v.Trim().Length <= SearchQuery.MaxQueryLength)
            .WithMessage($"Must be at most {SearchQuery.MaxQueryLength} characters.");
        RuleFor(x => x.Lat)
            .Must(v => v is null || (QueryValues.TryParseDouble(v, out var lat) && lat is >= -90 and <= 90))
            .WithMessage("Must be a number of degrees between -90 and 90 (lat is the north-south coordinate: were lat and lon swapped?).");
        RuleFor(x => x.Lon)
            .Must(v => v is null || (QueryValues.TryParseDouble(v, out var lon) && lon is >= -180 and <= 180))
            .WithMessage("Must be a number of degrees between -180 and 180.");
        RuleFor(x => x.Lon).NotNull().When(x => x.Lat is not null).WithMessage("Is required with lat: the point to search around.");
        RuleFor(x => x.Lat).NotNull().When(x => x.Lon is not null).WithMessage("Is required with lon: the point to search around.");
        RuleFor(x => x.Lang)
            .Must(v => v is null || (v.Length is >= 2 and <= 35 && v.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
            .WithMessage("Must be a language tag such as en or zh-Hans.");
        RuleFor(x => x.Limit)
            .Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= SearchQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {SearchQuery.MaxLimit}.");
    }
}

public sealed class SearchHandler(ReadSource dataSource, CategoryCatalog categories, Geocoder geocoder) : IRequestHandler<SearchQuery, SearchResponse>
{
    /// <summary>
    /// Good matches by name, nearest first. A good match contains the text typed (ilike, any case) or is close to a
    /// word of the name ($1 &lt;% name: word similarity at least pg_trgm's threshold, 0.6, which forgives a typo); both
    /// tests are served by the trigram index on the name. The order is the planar distance to the point (the GiST
    /// index's KNN order, so a common word such as 公厕 stops after limit rows instead of sorting every match); the
    /// geodesic metres are computed for the rows it returns, four times the limit (degrees east are shorter than degrees
    /// north away from the equator, so planar order is not metre order), and those are ordered by metres. Without a
    /// point, the best matches first.
    /// </summary>
    private const string FacilitiesNearSql =
        "select id, name, category, lat, lon, distance_m from (" +
        "select f.id, f.name, f.category, ST_Y(f.geom) as lat, ST_X(f.geom) as lon, " +
        "ST_Distance(f.geom::geography, ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography) as distance_m " +
        "from facilities f " +
        "where f.status <> 'removed' and (f.name ilike $2 or $1 <% f.name) " +
        "order by f.geom <-> ST_SetSRID(ST_MakePoint($3, $4), 4326) " +
        "limit $5 * 4) nearest " +
        "order by distance_m limit $5";

    private const string FacilitiesBestSql =
        "select f.id, f.name, f.category, ST_Y(f.geom), ST_X(f.geom), null::float8 " +
        "from facilities f " +
        "where f.status <> 'removed' and (f.name ilike $2 or $1 <% f.name) " +
        "order by f.name ilike $2 desc, word_similarity($1, f.name) desc, f.name " +
        "limit $5";

    /// <summary>
    /// Places whose English, ASCII or Chinese name matches as above: an exact name first (London before East London),
    /// then the closer matches, then the bigger place (London, England before London, Ontario), and only then the
    /// nearer one; a town's name alone says little about which of its namesakes is meant.
    /// </summary>
    private const string PlacesSql =
        "select p.geonames_id, p.name, p.name_zh, p.country, p.admin1, p.population, ST_Y(p.geom), ST_X(p.geom), " +
        "case when $3::float8 is null then null else ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography) end " +
        "from places p " +
        "where p.name ilike $2 or p.ascii_name ilike $2 or p.name_zh ilike $2 or $1 <% p.name or $1 <% p.ascii_name or $1 <% p.name_zh " +
        "order by (lower(p.name) = lower($1) or lower(p.ascii_name) = lower($1) or p.name_zh = $1) is true desc, " +
        "round(greatest(word_similarity($1, p.name), word_similarity($1, coalesce(p.ascii_name, '')), word_similarity($1, coalesce(p.name_zh, '')))::numeric, 1) desc, " +
        "p.population desc, " +
        "case when $3::float8 is null then null else p.geom <-> ST_SetSRID(ST_MakePoint($3, $4), 4326) end " +
        "limit $5";

    public const string GazetteerAttribution = "Places: GeoNames (geonames.org), CC BY 4.0";

    public async ValueTask<SearchResponse> Handle(SearchQuery request, CancellationToken cancellationToken)
    {
        var q = request.Q!.Trim();
        var lang = SearchQuery.Language(request.Lang);
        double? lat = request.Lat is null ? null : double.Parse(request.Lat, System.Globalization.CultureInfo.InvariantCulture);
        double? lon = request.Lon is null ? null : double.Parse(request.Lon, System.Globalization.CultureInfo.InvariantCulture);
        var limit = request.Limit is null ? SearchQuery.DefaultLimit : int.Parse(request.Limit, System.Globalization.CultureInfo.InvariantCulture);
        var contains = "%" + q.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_") + "%";

        // The geocoder is asked first and awaited last, so its round trip overlaps the database's.
        var addresses = geocoder.SearchAsync(q, lat, lon, lang, limit, cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var sql in (string[])[lat is null ? FacilitiesBestSql : FacilitiesNearSql, PlacesSql])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = q });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = contains });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)lon ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double });
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)lat ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Double });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            batch.BatchCommands.Add(command);
        }

        var facilities = new List<FacilityMatch>();
        var places = new List<PlaceMatch>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var category = reader.GetString(2);
                var labels = categories.Find(category)?.Labels;
                facilities.Add(new FacilityMatch(reader.GetGuid(0), reader.GetString(1), category,
                    labels?.GetValueOrDefault(lang) ?? labels?.GetValueOrDefault(SearchQuery.English) ?? category,
                    reader.GetDouble(3), reader.GetDouble(4), reader.IsDBNull(5) ? null : Math.Round(reader.GetDouble(5), 1)));
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var nameEn = reader.GetString(1);
                var nameZh = reader.IsDBNull(2) ? null : reader.GetString(2);
                places.Add(new PlaceMatch($"geonames:{reader.GetInt64(0)}", lang == SearchQuery.Chinese ? nameZh ?? nameEn : nameEn, nameEn,
                    reader.GetString(3).Trim(), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5),
                    reader.GetDouble(6), reader.GetDouble(7), reader.IsDBNull(8) ? null : Math.Round(reader.GetDouble(8), 1)));
            }
        }

        var geocoded = await addresses;
        var attribution = new List<string>();
        if (places.Count > 0)
        {
            attribution.Add(GazetteerAttribution);
        }
        if (geocoded.Addresses.Count > 0 && geocoder.Attribution is { } geocoderAttribution)
        {
            attribution.Add(geocoderAttribution);
        }
        return new SearchResponse(q, lang, facilities, places, geocoded.Addresses, geocoded.State, attribution);
    }
}
