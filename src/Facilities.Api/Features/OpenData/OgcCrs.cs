using System.Collections.Concurrent;
using System.Globalization;
using Facilities.Api.Features.Imports.Crs;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// A coordinate reference system of OGC API – Features Part 2: the systems the import side reads
/// (<see cref="CoordinateSystems"/>, one implementation of each transformation), named by their OGC URIs. Storage is
/// WGS 84 longitude, latitude (CRS84). Axis order follows the CRS as Part 2 requires: CRS84 is longitude first, while
/// EPSG's geographic systems (4326, 4490, 4283, 7844) are latitude first; grids are easting, northing.
/// </summary>
public sealed class OgcCrs
{
    public const string EpsgPrefix = "http://www.opengis.net/def/crs/EPSG/0/";

    public static readonly OgcCrs Crs84 = new(Ogc.Crs84, CoordinateSystems.Find("EPSG:4326")!, latitudeFirst: false);

    /// <summary>Every CRS an items request may ask for, CRS84 first.</summary>
    public static readonly IReadOnlyList<string> Uris =
        [Ogc.Crs84, .. CoordinateSystems.EpsgCodes.Select(c => EpsgPrefix + c.ToString(CultureInfo.InvariantCulture))];

    /// <summary>Built once per code: ProjNet parses each system's WKT, too slow to repeat per request.</summary>
    private static readonly ConcurrentDictionary<int, OgcCrs?> Epsg = new();

    private readonly SourceCrs _system;
    private readonly bool _latitudeFirst;

    private OgcCrs(string uri, SourceCrs system, bool latitudeFirst)
    {
        Uri = uri;
        _system = system;
        _latitudeFirst = latitudeFirst;
    }

    public string Uri { get; }

    public bool IsCrs84 => ReferenceEquals(this, Crs84);

    /// <summary>
    /// The CRS a parameter names: an OGC URI (<c>http://www.opengis.net/def/crs/EPSG/0/27700</c>, the CRS84 URI),
    /// a safe CURIE (<c>[EPSG:27700]</c>) or the bare <c>EPSG:27700</c> that people type; null for any other.
    /// </summary>
    public static OgcCrs? Parse(string? text)
    {
        var value = text?.Trim() ?? "";
        if (value.StartsWith('[') && value.EndsWith(']'))
        {
            value = value[1..^1];
        }
        if (value == Ogc.Crs84 || value.Equals("OGC:CRS84", StringComparison.OrdinalIgnoreCase)
            || value.Equals("CRS84", StringComparison.OrdinalIgnoreCase))
        {
            return Crs84;
        }
        var digits = value.StartsWith(EpsgPrefix, StringComparison.Ordinal) ? value[EpsgPrefix.Length..]
            : value.StartsWith("EPSG:", StringComparison.OrdinalIgnoreCase) ? value[5..]
            : null;
        if (digits is null || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var code)
            || !CoordinateSystems.EpsgCodes.Contains(code))
        {
            return null;
        }
        return Epsg.GetOrAdd(code, c => CoordinateSystems.Find($"EPSG:{c}") is { } system
            ? new OgcCrs(EpsgPrefix + c.ToString(CultureInfo.InvariantCulture), system, latitudeFirst: system.IsGeographic)
            : null);
    }

    /// <summary>A stored position in this CRS's axis order; null outside the CRS's area of use.</summary>
    public (double First, double Second)? FromWgs84(double lon, double lat)
    {
        if (IsCrs84)
        {
            return (lon, lat);
        }
        if (_system.FromWgs84(lon, lat) is not { } p)
        {
            return null;
        }
        return _latitudeFirst ? (p.Y, p.X) : (p.X, p.Y);
    }

    /// <summary>A position given in this CRS's axis order, in WGS 84; null outside the CRS's area of use.</summary>
    public (double Lon, double Lat)? ToWgs84(double first, double second) =>
        IsCrs84 ? (first, second) : _latitudeFirst ? _system.ToWgs84(second, first) : _system.ToWgs84(first, second);

    /// <summary>The Content-Crs header value: the URI in angle brackets.</summary>
    public string ContentCrsHeader => $"<{Uri}>";
}

public static class OgcCrsMessages
{
    public static string Unknown(string value) =>
        $"'{value}' is not a CRS this service serves. It serves {Ogc.Crs84} (the default) and the EPSG codes the import side reads, " +
        $"as {OgcCrs.EpsgPrefix}<code> or EPSG:<code>: {string.Join(", ", CoordinateSystems.Documented.Where(d => d.StartsWith("EPSG", StringComparison.Ordinal)))}.";
}
