using Facilities.Api.Features.Facilities;
using Facilities.Api.Geography;

namespace Facilities.Tests;

/// <summary>
/// The one implementation of China's offsets against published reference points, and the directions links built on
/// it: Amap gets GCJ-02, Baidu BD-09, every other app WGS 84 as stored.
/// </summary>
public sealed class DirectionsTests
{
    // Reference values published with the widely used coordtransform library (its README and test/app.js) for the
    // input (116.404, 39.915) near Tiananmen, Beijing.
    private static readonly (double Lon, double Lat) Beijing = (116.404, 39.915);
    private static readonly (double Lon, double Lat) BeijingWgs84ToGcj02 = (116.41024449916938, 39.91640428150164);
    private static readonly (double Lon, double Lat) BeijingGcj02ToBd09 = (116.41036949371029, 39.92133699351021);

    [Fact]
    public void The_offsets_match_the_published_reference_points()
    {
        var gcj = ChinaOffsets.Wgs84ToGcj02(Beijing);
        Assert.Equal(BeijingWgs84ToGcj02.Lon, gcj.Lon, 1e-9);
        Assert.Equal(BeijingWgs84ToGcj02.Lat, gcj.Lat, 1e-9);
        var bd = ChinaOffsets.Gcj02ToBd09(Beijing);
        Assert.Equal(BeijingGcj02ToBd09.Lon, bd.Lon, 1e-9);
        Assert.Equal(BeijingGcj02ToBd09.Lat, bd.Lat, 1e-9);
    }

    [Fact]
    public void In_China_Amap_gets_gcj02_Baidu_bd09_and_the_others_wgs84_with_walking_mode()
    {
        var links = Directions.To(Beijing.Lon, Beijing.Lat, "天安门 厕所").ToDictionary(l => l.App);
        var gcj = BeijingWgs84ToGcj02;
        var bd = ChinaOffsets.Gcj02ToBd09(gcj);

        Assert.Equal("gcj02", links[DirectionsApp.Amap].Crs);
        Assert.Equal([Math.Round(gcj.Lon, 6), Math.Round(gcj.Lat, 6)], links[DirectionsApp.Amap].Coordinates);
        Assert.StartsWith("https://uri.amap.com/navigation?to=116.410244,39.916404,", links[DirectionsApp.Amap].Href, StringComparison.Ordinal);
        Assert.Contains("mode=walk&coordinate=gaode", links[DirectionsApp.Amap].Href, StringComparison.Ordinal);
        Assert.Contains(Uri.EscapeDataString("天安门 厕所"), links[DirectionsApp.Amap].Href, StringComparison.Ordinal);

        Assert.Equal("bd09", links[DirectionsApp.Baidu].Crs);
        Assert.Equal([Math.Round(bd.Lon, 6), Math.Round(bd.Lat, 6)], links[DirectionsApp.Baidu].Coordinates);
        Assert.Contains(FormattableString.Invariant($"destination=latlng:{Math.Round(bd.Lat, 6)},{Math.Round(bd.Lon, 6)}|"),
            links[DirectionsApp.Baidu].Href, StringComparison.Ordinal);
        Assert.Contains("coord_type=bd09ll&mode=walking", links[DirectionsApp.Baidu].Href, StringComparison.Ordinal);

        Assert.Equal("https://maps.apple.com/?daddr=39.915,116.404&dirflg=w&q=" + Uri.EscapeDataString("天安门 厕所"), links[DirectionsApp.Apple].Href);
        Assert.Equal("https://www.google.com/maps/dir/?api=1&destination=39.915,116.404&travelmode=walking", links[DirectionsApp.Google].Href);
        Assert.StartsWith("geo:39.915,116.404?q=39.915,116.404(", links[DirectionsApp.Geo].Href, StringComparison.Ordinal);
        Assert.All([links[DirectionsApp.Apple], links[DirectionsApp.Google], links[DirectionsApp.Geo]], l => Assert.Equal("wgs84", l.Crs));
    }

    [Fact]
    public void Outside_China_every_app_gets_wgs84()
    {
        var links = Directions.To(-0.1276, 51.5072, null);
        Assert.All(links, l => Assert.Equal("wgs84", l.Crs));
        Assert.All(links, l => Assert.Equal([-0.1276, 51.5072], l.Coordinates));
        Assert.StartsWith("https://uri.amap.com/navigation?to=-0.1276,51.5072,&", links.Single(l => l.App == DirectionsApp.Amap).Href, StringComparison.Ordinal);
    }
}
