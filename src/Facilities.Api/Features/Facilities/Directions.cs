using System.Globalization;
using System.Text.Json.Serialization;
using Facilities.Api.Geography;

namespace Facilities.Api.Features.Facilities;

/// <summary>Where the page hands a resident over for walking directions; the apps and their coordinate systems.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DirectionsApp>))]
public enum DirectionsApp
{
    [JsonStringEnumMemberName("apple")] Apple,
    [JsonStringEnumMemberName("google")] Google,
    [JsonStringEnumMemberName("geo")] Geo,
    [JsonStringEnumMemberName("amap")] Amap,
    [JsonStringEnumMemberName("baidu")] Baidu,
}

/// <summary>
/// A link that opens a maps app with walking directions to the facility. <c>crs</c> names the coordinate system of
/// the position in <c>href</c> (<c>wgs84</c>, <c>gcj02</c> or <c>bd09</c>) and <c>coordinates</c> repeats that
/// position as [lon, lat], so a client never converts coordinates itself.
/// </summary>
public sealed record DirectionsLink(DirectionsApp App, string Href, string Crs, double[] Coordinates)
{
    [JsonPropertyOrder(-1)]
    public string Rel => "directions";
}

public static class Directions
{
    private const string Source = "facilities";

    /// <summary>Links for every app, in the order of <see cref="DirectionsApp"/>; the page picks which to show first.</summary>
    public static IReadOnlyList<DirectionsLink> To(double lon, double lat, string? name)
    {
        var label = Uri.EscapeDataString(name ?? "");
        var wgs = (Lon: lon, Lat: lat);
        // Amap and Baidu draw China in their own systems and take positions there in them; elsewhere in WGS 84.
        var inChina = ChinaOffsets.Covers(wgs);
        var gcj = inChina ? ChinaOffsets.Wgs84ToGcj02(wgs) : wgs;
        var bd = inChina ? ChinaOffsets.Gcj02ToBd09(gcj) : wgs;
        var chinaCrs = inChina ? "gcj02" : "wgs84";

        return
        [
            // dirflg=w: walking.
            new(DirectionsApp.Apple, $"https://maps.apple.com/?daddr={LatLon(wgs)}&dirflg=w" + (name is null ? "" : $"&q={label}"), "wgs84", [lon, lat]),
            new(DirectionsApp.Google, $"https://www.google.com/maps/dir/?api=1&destination={LatLon(wgs)}&travelmode=walking", "wgs84", [lon, lat]),
            // RFC 5870 with Android's q= label; a geo: URI has no travel mode, the app the phone chooses asks.
            new(DirectionsApp.Geo, $"geo:{LatLon(wgs)}?q={LatLon(wgs)}" + (name is null ? "" : $"({label})"), "wgs84", [lon, lat]),
            // coordinate=gaode: the position is GCJ-02 (Amap converts "wgs84" itself, but the conversion is ours to own).
            new(DirectionsApp.Amap, $"https://uri.amap.com/navigation?to={LonLat(gcj)},{label}&mode=walk&coordinate=gaode&callnative=1&src={Source}",
                chinaCrs, [Round(gcj.Lon), Round(gcj.Lat)]),
            // Baidu's web direction page needs the origin and city the server does not know; its app takes the phone's
            // position as the origin.
            new(DirectionsApp.Baidu, $"baidumap://map/direction?destination=latlng:{LatLon(bd)}|name:{label}&coord_type=bd09ll&mode=walking&src={Source}",
                inChina ? "bd09" : "wgs84", [Round(bd.Lon), Round(bd.Lat)]),
        ];
    }

    // Six decimals are about 0.1 m: finer than any of these apps resolves, coarse enough to read.
    private static double Round(double degrees) => Math.Round(degrees, 6);

    private static string LatLon((double Lon, double Lat) p) => string.Create(CultureInfo.InvariantCulture, $"{p.Lat:0.######},{p.Lon:0.######}");

    private static string LonLat((double Lon, double Lat) p) => string.Create(CultureInfo.InvariantCulture, $"{p.Lon:0.######},{p.Lat:0.######}");
}
