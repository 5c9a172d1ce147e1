using System.Globalization;
using System.Numerics;
using Facilities.Api.Data;
using Facilities.Api.Features.Nearby;
using Facilities.Api.Geography;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.MapConfig;

/// <summary>
/// GET /api/v1/map-config: what the map page needs before it can draw — the base-map tiles (a deployment chooses its
/// tile server and must credit it), the demo city shown when the resident's location is unknown, and whether the
/// database holds the synthetic demo data, which the page then says is invented.
/// Configuration: <c>Facilities:Map:TileUrl</c>, <c>TileAttribution</c>, <c>TileMaxZoom</c>, <c>TileCrs</c>,
/// <c>DemoCity:Labels:en</c>, <c>DemoCity:Labels:zh-Hans</c>, <c>DemoCity:Lat</c>, <c>DemoCity:Lon</c>, <c>DemoCity:Zoom</c>.
/// </summary>
public sealed record MapConfigQuery : IRequest<MapConfigResponse>;

/// <param name="TileUrl">A Leaflet URL template: {z}/{x}/{y}, optionally {s} and {r}.</param>
/// <param name="TileAttribution">HTML shown in the map corner, as the tile server's terms require.</param>
/// <param name="TileMaxZoom">The deepest zoom the tile server has; closer in, the page enlarges those tiles.</param>
/// <param name="DemoCity">Where the map opens without the resident's location.</param>
/// <param name="NearbyMaxRadiusM">The widest radius_m nearby takes: how far out the page searches when nothing near matches.</param>
/// <param name="DemoData">True once data-seed/ (invented facilities) was loaded into this database.</param>
/// <param name="TileCrs">The coordinate system the tiles are drawn in: wgs84, gcj02 (Amap) or bd09 (Baidu).</param>
public sealed record MapConfigResponse(string TileUrl, string TileAttribution, int TileMaxZoom, DemoCity DemoCity, double NearbyMaxRadiusM,
    bool DemoData, string TileCrs);

/// <summary>Where the map opens when the resident's location is refused or unavailable; lat/lon in WGS 84 degrees.</summary>
public sealed record DemoCity(IReadOnlyDictionary<string, string> Labels, double Lat, double Lon, int Zoom);

public sealed class MapConfigHandler(IConfiguration configuration, [FromKeyedServices(DatabaseRegistration.Readers)] NpgsqlDataSource dataSource) : IRequestHandler<MapConfigQuery, MapConfigResponse>
{
    public const string DefaultTileUrl = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

    public const string DefaultTileAttribution =
        "&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors";

    /// <summary>Nanjing's centre (Xinjiekou): the demo data is densest there.</summary>
    public static readonly DemoCity DefaultDemoCity = new(new Dictionary<string, string> { ["en"] = "Nanjing", ["zh-Hans"] = "南京" }, 32.0603, 118.7969, 14);

    public async ValueTask<MapConfigResponse> Handle(MapConfigQuery request, CancellationToken cancellationToken)
    {
        var map = configuration.GetSection("Facilities:Map");
        var city = map.GetSection("DemoCity");
        // The seed loader marks its one load in seed_loads; the demo facilities stay whatever is imported later, so
        // the mark, not the configuration of this start, says whether invented facilities are on the map.
        // The gazetteer (Data/Places.cs) is marked there too, in every database: only the demo file counts.
        await using var seeded = dataSource.CreateCommand("select exists (select 1 from seed_loads where file = $1)");
        seeded.Parameters.AddWithValue(SeedLoader.FileName);
        var demoData = (bool)(await seeded.ExecuteScalarAsync(cancellationToken))!;
        return new MapConfigResponse(
            NonEmpty(map["TileUrl"]) ?? DefaultTileUrl,
            NonEmpty(map["TileAttribution"]) ?? DefaultTileAttribution,
            Number(map["TileMaxZoom"], 19, 0, 22),
            new DemoCity(
                Labels(city.GetSection("Labels")) ?? DefaultDemoCity.Labels,
                Number(city["Lat"], DefaultDemoCity.Lat, -85, 85),
                Number(city["Lon"], DefaultDemoCity.Lon, -180, 180),
                Number(city["Zoom"], DefaultDemoCity.Zoom, 0, 22)),
            NearbyQuery.MaxRadiusM,
            demoData,
            TileCrs(map["TileCrs"]).Name());
    }

    /// <summary>An unknown coordinate system would draw every marker hundreds of metres off: it fails the request loudly.</summary>
    private static BaseMapCrs TileCrs(string? text) =>
        string.IsNullOrWhiteSpace(text) ? BaseMapCrs.Wgs84
        : WireName.Parse<BaseMapCrs>(text.Trim())
          ?? throw new InvalidOperationException($"Facilities:Map:TileCrs '{text}' is not one of {string.Join(", ", WireName.All<BaseMapCrs>())}.");

    private static Dictionary<string, string>? Labels(IConfigurationSection section)
    {
        var labels = section.GetChildren().Where(c => !string.IsNullOrWhiteSpace(c.Value)).ToDictionary(c => c.Key, c => c.Value!.Trim());
        return labels.Count == 0 ? null : labels;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>
    /// A value out of range is an operator's mistake that would leave the map blank or unusable; it fails the request
    /// loudly (a 500 naming the setting) rather than being silently replaced.
    /// </summary>
    private static T Number<T>(string? text, T fallback, T min, T max) where T : struct, INumber<T>
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }
        if (!T.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidOperationException($"Facilities:Map setting '{text}' is not a number from {min} to {max}.");
        }
        return value;
    }
}

public static class MapConfigEndpoint
{
    public static IEndpointRouteBuilder MapMapConfig(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/map-config", async (IMediator mediator, HttpContext http, CancellationToken ct) =>
            {
                // Configuration changes only with a restart, the demo data only on a first start; a short cache spares
                // the page a round trip on reloads.
                http.Response.Headers.CacheControl = "public, max-age=300";
                return TypedResults.Ok(await mediator.Send(new MapConfigQuery(), ct));
            })
            .WithName("MapConfig")
            .WithTags("Residents")
            .WithSummary("Base-map tile URL, attribution and coordinate system, the demo city the map page opens on without a location, and whether the demo data is loaded.");
        app.MapBaseMapPosition();
        return app;
    }
}
