namespace Facilities.Api.Geography;

/// <summary>
/// China's obfuscated coordinate systems. GCJ-02 is WGS 84 plus a published, smooth, non-linear offset (a few hundred
/// metres); BD-09 is Baidu's further rotation-and-shift of GCJ-02. Only the forward direction has a formula, so a
/// partner's GCJ-02 or BD-09 position is turned back into WGS 84 by fixed-point iteration on the forward transform:
/// the offset changes by millimetres over the distances involved, so each step gains several digits and the result
/// lands within a few millimetres of the point whose forward transform is the input (well under the 1 m asked).
/// </summary>
public static class ChinaOffsets
{
    private const double A = 6378245.0;              // Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses
    private const double Ee = 0.00669342162296594323; // its first eccentricity squared
    private const double BaiduPi = Math.PI * 3000.0 / 180.0;

    // The rough box where maps in China are drawn in GCJ-02 or BD-09 (mainland China and its neighbours' edges, as the
    // usual implementations take it); outside it the same maps apps take WGS 84 as it is.
    public const double MinLon = 72, MinLat = 0.8, MaxLon = 137.9, MaxLat = 55.9;

    public static bool Covers((double Lon, double Lat) p) => p.Lon is >= MinLon and <= MaxLon && p.Lat is >= MinLat and <= MaxLat;

    public static (double Lon, double Lat) Wgs84ToGcj02((double Lon, double Lat) p)
    {
        var dLat = OffsetLat(p.Lon - 105.0, p.Lat - 35.0);
        var dLon = OffsetLon(p.Lon - 105.0, p.Lat - 35.0);
        var radLat = p.Lat / 180.0 * Math.PI;
        var magic = 1 - Ee * Math.Sin(radLat) * Math.Sin(radLat);
        var sqrtMagic = Math.Sqrt(magic);
        dLat = dLat * 180.0 / (A * (1 - Ee) / (magic * sqrtMagic) * Math.PI);
        dLon = dLon * 180.0 / (A / sqrtMagic * Math.Cos(radLat) * Math.PI);
        return (p.Lon + dLon, p.Lat + dLat);
    }

    public static (double Lon, double Lat) Gcj02ToBd09((double Lon, double Lat) p)
    {
        var z = Math.Sqrt(p.Lon * p.Lon + p.Lat * p.Lat) + 0.00002 * Math.Sin(p.Lat * BaiduPi);
        var theta = Math.Atan2(p.Lat, p.Lon) + 0.000003 * Math.Cos(p.Lon * BaiduPi);
        return (z * Math.Cos(theta) + 0.0065, z * Math.Sin(theta) + 0.006);
    }

    /// <summary>The point whose <paramref name="forward"/> image is <paramref name="target"/>.</summary>
    public static (double Lon, double Lat) Invert(Func<(double Lon, double Lat), (double Lon, double Lat)> forward, (double Lon, double Lat) target)
    {
        var guess = target;
        for (var i = 0; i < 30; i++)
        {
            var image = forward(guess);
            var dLon = target.Lon - image.Lon;
            var dLat = target.Lat - image.Lat;
            guess = (guess.Lon + dLon, guess.Lat + dLat);
            if (Math.Abs(dLon) < 1e-10 && Math.Abs(dLat) < 1e-10)
            {
                break;
            }
        }
        return guess;
    }

    private static double OffsetLat(double x, double y)
    {
        var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.Sqrt(Math.Abs(x));
        r += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        r += (20.0 * Math.Sin(y * Math.PI) + 40.0 * Math.Sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
        r += (160.0 * Math.Sin(y / 12.0 * Math.PI) + 320 * Math.Sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
        return r;
    }

    private static double OffsetLon(double x, double y)
    {
        var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.Sqrt(Math.Abs(x));
        r += (20.0 * Math.Sin(6.0 * x * Math.PI) + 20.0 * Math.Sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
        r += (20.0 * Math.Sin(x * Math.PI) + 40.0 * Math.Sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
        r += (150.0 * Math.Sin(x / 12.0 * Math.PI) + 300.0 * Math.Sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
        return r;
    }
}
