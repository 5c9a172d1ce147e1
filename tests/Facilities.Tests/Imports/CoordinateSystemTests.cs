using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Geography;

namespace Facilities.Tests.Imports;

/// <summary>Each coordinate system against reference values (PROJ's cs2cs for the EPSG systems, the forward
/// formula for GCJ-02 and BD-09), and positions outside a system's area refused.</summary>
public sealed class CoordinateSystemTests
{
    private static double Metres((double Lon, double Lat) a, (double Lon, double Lat) b)
    {
        var dLat = (a.Lat - b.Lat) * 111_320;
        var dLon = (a.Lon - b.Lon) * 111_320 * Math.Cos(a.Lat * Math.PI / 180);
        return Math.Sqrt(dLat * dLat + dLon * dLon);
    }

    [Theory]
    // x, y, expected lon, lat (cs2cs), tolerance in metres (the 7-parameter Helmert shift of OSGB36 is good to ~5 m)
    [InlineData("EPSG:27700", 530827, 181935, -0.1157280, 51.5211892, 6)]
    [InlineData("EPSG:28355", 320704, 5812830, 144.9630747, -37.8143358, 0.1)]
    [InlineData("EPSG:7855", 320704, 5812830, 144.9630747, -37.8143358, 0.1)]
    [InlineData("EPSG:3826", 306000, 2770000, 121.5549461, 25.0370854, 0.1)]
    [InlineData("EPSG:3857", -13627361.035, 4544761.553, -122.4166670, 37.7542077, 0.1)]
    [InlineData("EPSG:4490", 116.397, 39.908, 116.397, 39.908, 0.001)]
    [InlineData("EPSG:4326", -0.1, 51.5, -0.1, 51.5, 0.001)]
    public void Epsg_systems_land_where_PROJ_puts_them(string code, double x, double y, double lon, double lat, double toleranceM)
    {
        var position = CoordinateSystems.Find(code)!.ToWgs84(x, y);
        Assert.NotNull(position);
        Assert.True(Metres(position.Value, (lon, lat)) < toleranceM, $"{code}: {position} is {Metres(position.Value, (lon, lat)):F2} m from ({lon}, {lat})");
    }

    [Theory]
    [InlineData(116.397, 39.908)]   // Beijing
    [InlineData(121.4737, 31.2304)] // Shanghai
    [InlineData(113.2644, 23.1291)] // Guangzhou
    [InlineData(87.6168, 43.8256)]  // Ürümqi
    [InlineData(126.6424, 45.7560)] // Harbin
    public void Gcj02_and_bd09_invert_their_forward_transform_to_well_under_a_metre(double lon, double lat)
    {
        var gcj = ChinaOffsets.Wgs84ToGcj02((lon, lat));
        var bd = ChinaOffsets.Gcj02ToBd09(gcj);
        Assert.True(Metres(gcj, (lon, lat)) > 100, "GCJ-02 should be offset by hundreds of metres");

        var fromGcj = CoordinateSystems.Find("GCJ-02")!.ToWgs84(gcj.Lon, gcj.Lat)!.Value;
        var fromBd = CoordinateSystems.Find("BD-09")!.ToWgs84(bd.Lon, bd.Lat)!.Value;

        Assert.True(Metres(fromGcj, (lon, lat)) < 0.01, $"GCJ-02 error {Metres(fromGcj, (lon, lat))} m");
        Assert.True(Metres(fromBd, (lon, lat)) < 0.01, $"BD-09 error {Metres(fromBd, (lon, lat))} m");
    }

    [Theory]
    [InlineData("EPSG:27700", -0.1410, 51.5010)]  // lat/lon columns named as x/y: not on the grid
    [InlineData("EPSG:27700", 900000, 181935)]   // east of the grid
    [InlineData("EPSG:4326", 217.005028, 37.5)]  // Seoul's data has this one
    [InlineData("EPSG:28355", 320704, 15812830)]
    [InlineData("GCJ-02", -0.14, 51.5)]          // London is not in China
    [InlineData("EPSG:3826", 306000, 5770000)]
    public void Positions_outside_a_systems_area_are_refused(string code, double x, double y) =>
        Assert.Null(CoordinateSystems.Find(code)!.ToWgs84(x, y));

    [Theory]
    [InlineData("EPSG:999999")]
    [InlineData("WGS84-ish")]
    [InlineData("EPSG:")]
    public void Unknown_systems_are_not_guessed(string code) => Assert.Null(CoordinateSystems.Find(code));

    [Fact]
    public void An_esri_prj_for_british_national_grid_gets_the_datum_shift()
    {
        const string prj = "PROJCS[\"British_National_Grid\",GEOGCS[\"GCS_OSGB_1936\",DATUM[\"D_OSGB_1936\",SPHEROID[\"Airy_1830\",6377563.396,299.3249646]]," +
                           "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"False_Easting\",400000.0]," +
                           "PARAMETER[\"False_Northing\",-100000.0],PARAMETER[\"Central_Meridian\",-2.0],PARAMETER[\"Scale_Factor\",0.9996012717]," +
                           "PARAMETER[\"Latitude_Of_Origin\",49.0],UNIT[\"Meter\",1.0]]";
        Assert.Equal("EPSG:27700", CoordinateSystems.FromPrj(prj)!.Code);
    }
}
