using System.Globalization;
using System.Text.Json;

namespace Facilities.Api.Features.Search;

/// <summary>The geocoder's answer: its addresses, and whether it answered (off, ok, unavailable).</summary>
public sealed record GeocoderResult(IReadOnlyList<AddressMatch> Addresses, string State)
{
    public static readonly GeocoderResult Off = new([], "off");
    public static readonly GeocoderResult Unavailable = new([], "unavailable");
}

/// <summary>
/// Street addresses from a geocoder a deployment configures (none by default: the public Nominatim's usage policy
/// forbids an application's autocomplete traffic, so a deployment names its own or a commercial one).
/// <c>Search:GeocoderUrl</c> is the search URL of a Nominatim-compatible service (<c>…/search</c>, answered as jsonv2)
/// or, with <c>Search:GeocoderFormat=photon</c>, of a Photon one (<c>…/api</c>, answered as GeoJSON);
/// <c>Search:GeocoderTimeoutMs</c> (1500) bounds the wait, and <c>Search:GeocoderAttribution</c> is the credit the
/// answer carries for its addresses. A geocoder that fails, answers garbage or is late leaves the addresses empty
/// and says "unavailable"; the search still answers with facilities and places.
/// </summary>
public sealed class Geocoder(HttpClient http, IConfiguration configuration, ILogger<Geocoder> logger)
{
    public const string UrlSetting = "Search:GeocoderUrl";

    private readonly string? _url = configuration[UrlSetting] is { Length: > 0 } url ? url : null;
    private readonly bool _photon = string.Equals(configuration["Search:GeocoderFormat"], "photon", StringComparison.OrdinalIgnoreCase);
    private readonly TimeSpan _timeout = TimeSpan.FromMilliseconds(configuration.GetValue("Search:GeocoderTimeoutMs", 1500));

    public string? Attribution { get; } = configuration["Search:GeocoderAttribution"] is { Length: > 0 } a ? a : null;

    public async Task<GeocoderResult> SearchAsync(string q, double? lat, double? lon, string lang, int limit, CancellationToken cancellationToken)
    {
        if (_url is null)
        {
            return GeocoderResult.Off;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            var language = lang == SearchQuery.Chinese ? "zh" : "en";
            var query = new List<string> { "q=" + Uri.EscapeDataString(q), "limit=" + limit.ToString(CultureInfo.InvariantCulture) };
            if (_photon)
            {
                query.Add("lang=" + language);
                if (lat is not null && lon is not null)
                {
                    query.Add("lat=" + lat.Value.ToString(CultureInfo.InvariantCulture));
                    query.Add("lon=" + lon.Value.ToString(CultureInfo.InvariantCulture));
                }
            }
            else
            {
                query.Add("format=jsonv2");
                query.Add("accept-language=" + language);
            }
            var separator = _url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            using var response = await http.GetAsync(_url + separator + string.Join('&', query), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogWarning("The geocoder answered {Status}.", (int)response.StatusCode);
                return GeocoderResult.Unavailable;
            }
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            var addresses = (_photon ? ReadPhoton(json.RootElement) : ReadNominatim(json.RootElement))
                .Take(limit)
                .Select(a => a with { DistanceM = lat is null || lon is null ? null : Math.Round(GreatCircleMetres(lat.Value, lon.Value, a.Lat, a.Lon), 1) })
                .ToList();
            return new GeocoderResult(addresses, "ok");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("The geocoder did not answer within {Timeout}.", _timeout);
            return GeocoderResult.Unavailable;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            logger.LogWarning(e, "The geocoder failed.");
            return GeocoderResult.Unavailable;
        }
    }

    // Nominatim jsonv2: [{ "lat": "51.5", "lon": "-0.12", "display_name": "..." }], coordinates as strings.
    private static IEnumerable<AddressMatch> ReadNominatim(JsonElement root)
    {
        foreach (var item in root.EnumerateArray())
        {
            if (double.TryParse(item.GetProperty("lat").GetString(), CultureInfo.InvariantCulture, out var lat)
                && double.TryParse(item.GetProperty("lon").GetString(), CultureInfo.InvariantCulture, out var lon)
                && lat is >= -90 and <= 90 && lon is >= -180 and <= 180
                && item.GetProperty("display_name").GetString() is { Length: > 0 } name)
            {
                yield return new AddressMatch(name, lat, lon, null);
            }
        }
    }

    // Photon: a GeoJSON FeatureCollection; the name is put together from the feature's properties.
    private static IEnumerable<AddressMatch> ReadPhoton(JsonElement root)
    {
        foreach (var feature in root.GetProperty("features").EnumerateArray())
        {
            var coordinates = feature.GetProperty("geometry").GetProperty("coordinates");
            var (lon, lat) = (coordinates[0].GetDouble(), coordinates[1].GetDouble());
            var properties = feature.GetProperty("properties");
            var street = Text(properties, "street") is { } s ? (Text(properties, "housenumber") is { } n ? $"{s} {n}" : s) : null;
            var parts = new[] { Text(properties, "name"), street, Text(properties, "city"), Text(properties, "country") }
                .Where(p => p is not null).Distinct().ToList();
            if (parts.Count > 0 && lat is >= -90 and <= 90 && lon is >= -180 and <= 180)
            {
                yield return new AddressMatch(string.Join(", ", parts), lat, lon, null);
            }
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s ? s : null;

    // The haversine on a sphere of 6,371,008.8 m (the mean radius): the addresses' distances are for ordering by eye,
    // within 0.5 % of the geodesic ones PostGIS gives the facilities and places.
    private static double GreatCircleMetres(double lat1, double lon1, double lat2, double lon2)
    {
        const double radius = 6_371_008.8;
        var (p1, p2) = (double.DegreesToRadians(lat1), double.DegreesToRadians(lat2));
        var (dp, dl) = (p2 - p1, double.DegreesToRadians(lon2 - lon1));
        var h = Math.Sin(dp / 2) * Math.Sin(dp / 2) + Math.Cos(p1) * Math.Cos(p2) * Math.Sin(dl / 2) * Math.Sin(dl / 2);
        return 2 * radius * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }
}
