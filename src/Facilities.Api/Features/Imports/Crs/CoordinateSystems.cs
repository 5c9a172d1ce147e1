using System.Globalization;
using Facilities.Api.Geography;
using ProjNet.CoordinateSystems;
using ProjNet.CoordinateSystems.Transformations;

namespace Facilities.Api.Features.Imports.Crs;

/// <summary>
/// A coordinate system a partner's file may use, turned into WGS 84 lon/lat. <see cref="ToWgs84"/> answers null for
/// a position outside the system's area of use (a British National Grid easting of -0.1 is a latitude column named
/// as x, not a place in Cornwall).
/// </summary>
public abstract class SourceCrs(string code, Area area)
{
    public string Code { get; } = code;

    /// <summary>Where the system is meant to be used, in WGS 84 degrees (and, for projected systems, metres).</summary>
    public Area Area { get; } = area;

    /// <summary>(x, y) in this system (x = easting or longitude) → (lon, lat) in WGS 84, or null outside the area.</summary>
    public (double Lon, double Lat)? ToWgs84(double x, double y)
    {
        if (!double.IsFinite(x) || !double.IsFinite(y) || !Area.ContainsSource(x, y))
        {
            return null;
        }
        var (lon, lat) = Transform(x, y);
        return double.IsFinite(lon) && double.IsFinite(lat) && Area.ContainsWgs84(lon, lat) ? (lon, lat) : null;
    }

    /// <summary>
    /// (lon, lat) in WGS 84 → (x, y) in this system, for open data served in it; null outside the area. The inverse
    /// of <see cref="ToWgs84"/> with the same datum shift, so a position read from a partner's grid goes out on it.
    /// </summary>
    public (double X, double Y)? FromWgs84(double lon, double lat)
    {
        if (!Area.ContainsWgs84(lon, lat))
        {
            return null;
        }
        var (x, y) = TransformFromWgs84(lon, lat);
        return double.IsFinite(x) && double.IsFinite(y) ? (x, y) : null;
    }

    /// <summary>Whether x and y are degrees of longitude and latitude (EPSG orders these axes latitude first).</summary>
    public virtual bool IsGeographic => false;

    protected abstract (double Lon, double Lat) Transform(double x, double y);

    protected abstract (double X, double Y) TransformFromWgs84(double lon, double lat);
}

/// <summary>A box in WGS 84 degrees, and optionally the box of valid source coordinates (metres for grids).</summary>
public sealed record Area(double MinLon, double MinLat, double MaxLon, double MaxLat,
    double MinX = double.NegativeInfinity, double MinY = double.NegativeInfinity,
    double MaxX = double.PositiveInfinity, double MaxY = double.PositiveInfinity)
{
    public bool ContainsWgs84(double lon, double lat) => lon >= MinLon && lon <= MaxLon && lat >= MinLat && lat <= MaxLat;

    public bool ContainsSource(double x, double y) => x >= MinX && x <= MaxX && y >= MinY && y <= MaxY;
}

/// <summary>
/// The systems the service reads: EPSG codes through ProjNet (datum shifts as TOWGS84 Helmert parameters), and
/// China's GCJ-02 and BD-09 through their published forward formulas, inverted numerically.
/// </summary>
public static class CoordinateSystems
{
    private const string Grs80 = "SPHEROID[\"GRS 1980\",6378137,298.257222101]";
    private const string Wgs84Spheroid = "SPHEROID[\"WGS 84\",6378137,298.257223563]";
    private static readonly Area World = new(-180, -90, 180, 90, -180, -90, 180, 90);
    private static readonly Area China = new(ChinaOffsets.MinLon, ChinaOffsets.MinLat, ChinaOffsets.MaxLon, ChinaOffsets.MaxLat,
        ChinaOffsets.MinLon, ChinaOffsets.MinLat, ChinaOffsets.MaxLon, ChinaOffsets.MaxLat);

    /// <summary>The codes this service knows, for error messages and the README.</summary>
    public static readonly string[] Documented =
    [
        "EPSG:4326", "EPSG:3857", "EPSG:27700", "EPSG:4490", "EPSG:3826", "EPSG:4283", "EPSG:7844",
        "EPSG:28348..28358 (GDA94 / MGA zones 48-58)", "EPSG:7846..7859 (GDA2020 / MGA zones 46-59)",
        "EPSG:32601..32660, 32701..32760 (WGS 84 / UTM)", "GCJ-02", "BD-09",
    ];

    /// <summary>Every EPSG code <see cref="Find"/> knows, in the order of <see cref="Documented"/>.</summary>
    public static readonly int[] EpsgCodes =
    [
        4326, 3857, 27700, 4490, 3826, 4283, 7844,
        .. Enumerable.Range(28348, 11), .. Enumerable.Range(7846, 14),
        .. Enumerable.Range(32601, 60), .. Enumerable.Range(32701, 60),
    ];

    public static SourceCrs? Find(string? code)
    {
        var normalized = (code ?? "EPSG:4326").Trim().ToUpperInvariant().Replace("_", "-", StringComparison.Ordinal);
        switch (normalized)
        {
            case "GCJ-02" or "GCJ02":
                return new ChinaOffsetCrs("GCJ-02", China, ChinaOffsets.Wgs84ToGcj02);
            case "BD-09" or "BD09" or "BD-09LL":
                return new ChinaOffsetCrs("BD-09", China, p => ChinaOffsets.Gcj02ToBd09(ChinaOffsets.Wgs84ToGcj02(p)));
        }
        if (!normalized.StartsWith("EPSG:", StringComparison.Ordinal)
            || !int.TryParse(normalized.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var epsg))
        {
            return null;
        }
        var code2 = $"EPSG:{epsg}";
        return epsg switch
        {
            4326 => new IdentityCrs(code2, World),
            // CGCS2000, GDA94 and GDA2020 geographic coordinates differ from WGS 84 by less than 2 m.
            4490 => new IdentityCrs(code2, new Area(73.6, 16.7, 134.8, 53.6, 73.6, 16.7, 134.8, 53.6)),
            4283 or 7844 => new IdentityCrs(code2, new Area(93, -60, 174, -8, 93, -60, 174, -8)),
            3857 => new ProjectedCrs(code2, ProjectedCoordinateSystem.WebMercator,
                new Area(-180, -85.06, 180, 85.06, -20037508.35, -20048966.11, 20037508.35, 20048966.11)),
            27700 => new ProjectedCrs(code2, Wkt(
                "PROJCS[\"OSGB 1936 / British National Grid\",GEOGCS[\"OSGB 1936\",DATUM[\"OSGB_1936\"," +
                "SPHEROID[\"Airy 1830\",6377563.396,299.3249646],TOWGS84[446.448,-125.157,542.06,0.15,0.247,0.842,-20.489]]," +
                "PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"]," +
                "PARAMETER[\"latitude_of_origin\",49],PARAMETER[\"central_meridian\",-2],PARAMETER[\"scale_factor\",0.9996012717]," +
                "PARAMETER[\"false_easting\",400000],PARAMETER[\"false_northing\",-100000],UNIT[\"metre\",1]]"),
                new Area(-9.0, 49.75, 2.92, 61.01, 0, 0, 700000, 1300000)),
            3826 => new ProjectedCrs(code2, TransverseMercator("TWD97 / TM2 zone 121", "TWD97", Grs80, 121, 0.9999, 250000, 0),
                new Area(119.9, 21.8, 122.2, 25.4, 100000, 2400000, 400000, 2850000)),
            >= 28348 and <= 28358 => Mga(code2, "GDA94", epsg - 28300),
            >= 7846 and <= 7859 => Mga(code2, "GDA2020", epsg - 7800),
            >= 32601 and <= 32660 => Utm(code2, epsg - 32600, south: false),
            >= 32701 and <= 32760 => Utm(code2, epsg - 32700, south: true),
            _ => null,
        };
    }

    private static ProjectedCrs Mga(string code, string datum, int zone)
    {
        var meridian = zone * 6 - 183;
        return new ProjectedCrs(code,
            TransverseMercator($"{datum} / MGA zone {zone}", datum, Grs80, meridian, 0.9996, 500000, 10000000),
            // A zone is 6° wide; partners' files stray a little over its edges, as EPSG's own area of use does.
            new Area(meridian - 4, -60, meridian + 4, -8, 0, 0, 1000000, 10000000));
    }

    private static ProjectedCrs Utm(string code, int zone, bool south)
    {
        var meridian = zone * 6 - 183;
        return new ProjectedCrs(code,
            TransverseMercator($"WGS 84 / UTM zone {zone}{(south ? "S" : "N")}", "WGS84", Wgs84Spheroid, meridian, 0.9996, 500000,
                south ? 10000000 : 0),
            new Area(meridian - 4, south ? -80 : 0, meridian + 4, south ? 0 : 84, 0, 0, 1000000, 10000000));
    }

    private static CoordinateSystem TransverseMercator(string name, string datum, string spheroid, double centralMeridian,
        double scale, double falseEasting, double falseNorthing) => Wkt(string.Create(CultureInfo.InvariantCulture,
        $"PROJCS[\"{name}\",GEOGCS[\"{datum}\",DATUM[\"{datum}\",{spheroid},TOWGS84[0,0,0,0,0,0,0]],PRIMEM[\"Greenwich\",0]," +
        $"UNIT[\"degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"latitude_of_origin\",0]," +
        $"PARAMETER[\"central_meridian\",{centralMeridian}],PARAMETER[\"scale_factor\",{scale}]," +
        $"PARAMETER[\"false_easting\",{falseEasting}],PARAMETER[\"false_northing\",{falseNorthing}],UNIT[\"metre\",1]]"));

    internal static CoordinateSystem Wkt(string wkt) => new CoordinateSystemFactory().CreateFromWkt(wkt);

    /// <summary>
    /// The CRS a Shapefile's .prj names: recognised by its well-known names first (ESRI's .prj files carry no datum
    /// shift, and British National Grid without one is 100 m off), otherwise parsed as WKT by ProjNet.
    /// </summary>
    public static SourceCrs? FromPrj(string wkt)
    {
        var compact = wkt.Replace(" ", "_", StringComparison.Ordinal).ToUpperInvariant();
        if (compact.Contains("BRITISH_NATIONAL_GRID", StringComparison.Ordinal) || compact.Contains("OSGB", StringComparison.Ordinal))
        {
            return Find("EPSG:27700");
        }
        if (compact.Contains("MERCATOR_AUXILIARY_SPHERE", StringComparison.Ordinal) || compact.Contains("WEB_MERCATOR", StringComparison.Ordinal))
        {
            return Find("EPSG:3857");
        }
        var mga = System.Text.RegularExpressions.Regex.Match(compact, "GDA(94|_1994|2020)_MGA_ZONE_(\\d\\d)");
        if (mga.Success)
        {
            var zone = int.Parse(mga.Groups[2].Value, CultureInfo.InvariantCulture);
            return Find(mga.Groups[1].Value == "2020" ? $"EPSG:{7800 + zone}" : $"EPSG:{28300 + zone}");
        }
        if (compact.StartsWith("GEOGCS", StringComparison.Ordinal))
        {
            return Find("EPSG:4326");
        }
        try
        {
            return Wkt(wkt) is ProjectedCoordinateSystem projected
                ? new ProjectedCrs("prj:" + projected.Name, projected, World with { MinX = double.NegativeInfinity, MinY = double.NegativeInfinity, MaxX = double.PositiveInfinity, MaxY = double.PositiveInfinity })
                : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private sealed class IdentityCrs(string code, Area area) : SourceCrs(code, area)
    {
        public override bool IsGeographic => true;

        protected override (double Lon, double Lat) Transform(double x, double y) => (x, y);

        protected override (double X, double Y) TransformFromWgs84(double lon, double lat) => (lon, lat);
    }

    private sealed class ProjectedCrs : SourceCrs
    {
        private readonly MathTransform _toWgs84;
        private readonly MathTransform _fromWgs84;

        public ProjectedCrs(string code, CoordinateSystem system, Area area) : base(code, area)
        {
            var factory = new CoordinateTransformationFactory();
            _toWgs84 = factory.CreateFromCoordinateSystems(system, GeographicCoordinateSystem.WGS84).MathTransform;
            _fromWgs84 = factory.CreateFromCoordinateSystems(GeographicCoordinateSystem.WGS84, system).MathTransform;
        }

        // ProjNet's transforms keep no per-call state, so one instance serves concurrent imports and requests.
        protected override (double Lon, double Lat) Transform(double x, double y) => _toWgs84.Transform(x, y);

        protected override (double X, double Y) TransformFromWgs84(double lon, double lat) => _fromWgs84.Transform(lon, lat);
    }

    private sealed class ChinaOffsetCrs(string code, Area area, Func<(double Lon, double Lat), (double Lon, double Lat)> forward)
        : SourceCrs(code, area)
    {
        protected override (double Lon, double Lat) Transform(double x, double y) => ChinaOffsets.Invert(forward, (x, y));

        protected override (double X, double Y) TransformFromWgs84(double lon, double lat) => forward((lon, lat));
    }
}
