namespace Facilities.Bench;

/// <summary>
/// The synthetic world: 200 cities with facilities spread around each centre, plus uniform noise. The city
/// centres are integer formulas so that the three places that draw points — the loader here, wrk's Lua script
/// and pgbench's <c>\set</c> expressions — draw from the same distribution without sharing a file.
/// Query points are drawn from the city part only: people look for a toilet where people are.
/// </summary>
public static class CityDistribution
{
    public const int Cities = 200;

    /// <summary>Spread of a city in degrees, each axis independently; ~11 km north-south.</summary>
    public const double SigmaDegrees = 0.1;

    /// <summary>The normal offsets are cut at this many sigmas, like pgbench's random_gaussian(lb, ub, 2.5).</summary>
    public const double TruncateAtSigmas = 2.5;

    public const double CityShare = 0.9;

    public const double NoiseMinLat = -60;
    public const double NoiseMaxLat = 70;

    // Integer arithmetic (i * 137508 % 360000 fits an int for i < 200): pgbench and Lua compute the same centres.
    public static double CentreLon(int city) => -180 + city * 137508 % 360000 / 1000.0;

    public static double CentreLat(int city) => -55 + city * 61803 % 125000 / 1000.0;

    /// <summary>City 0 sits on the antimeridian: its points are wrapped into [-180, 180) as the API requires.</summary>
    public static double WrapLon(double lon) => lon < -180 ? lon + 360 : lon >= 180 ? lon - 360 : lon;

    public static (double Lon, double Lat) QueryPoint(Random random)
    {
        var city = random.Next(Cities);
        return (WrapLon(CentreLon(city) + SigmaDegrees * TruncatedGaussian(random)),
                CentreLat(city) + SigmaDegrees * TruncatedGaussian(random));
    }

    public static (double Lon, double Lat) FacilityPoint(Random random) =>
        random.NextDouble() < CityShare
            ? QueryPoint(random)
            : (-180 + 360 * random.NextDouble(), NoiseMinLat + (NoiseMaxLat - NoiseMinLat) * random.NextDouble());

    /// <summary>A standard normal draw (Box–Muller) rejected outside ±2.5: the truncated normal.</summary>
    public static double TruncatedGaussian(Random random)
    {
        while (true)
        {
            var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            if (Math.Abs(z) <= TruncateAtSigmas)
            {
                return z;
            }
        }
    }
}
