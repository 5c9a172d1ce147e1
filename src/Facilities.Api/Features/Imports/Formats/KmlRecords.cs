using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Facilities.Api.Features.Imports.Crs;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// KML placemarks as GDAL, Google Earth and Google My Maps write them, compact or indented, in any KML namespace (or
/// none), inside Documents and Folders at any depth. Fields: the placemark's own <c>name</c>, <c>description</c>,
/// <c>address</c> and <c>phoneNumber</c>, and each <c>ExtendedData</c> <c>Data</c> (its <c>value</c>) and
/// <c>SchemaData</c>/<c>SimpleData</c> by its <c>name</c>. The position: a Point (the first one, in a
/// <c>MultiGeometry</c> too), else the interior point of the largest polygon's outer ring; a placemark with only lines
/// or tracks is rejected. KML coordinates are always WGS 84 lon,lat[,alt].
/// </summary>
public sealed class KmlRecords(Stream stream) : IRecordSource
{
    public IReadOnlyCollection<string>? DeclaredFields => null;

    private static readonly string[] OwnFields = ["name", "description", "address", "phoneNumber"];

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        var wgs84 = CoordinateSystems.Find("EPSG:4326")!;
        using var xml = SafeXml.Open(stream);
        long row = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            XElement? placemark;
            try
            {
                placemark = NextPlacemark(xml);
            }
            catch (XmlException e)
            {
                throw SafeXml.Refusal(e);
            }
            if (placemark is null)
            {
                yield break;
            }
            row++;
            yield return Record(placemark, row, wgs84);
        }
    }

    /// <summary>
    /// The next placemark, read whole (one placemark is small; the file is still streamed). Reading an element leaves
    /// the reader on the node right after it, which in a compact file is already the next placemark: the reader is
    /// looked at before it is moved, so no sibling is ever skipped.
    /// </summary>
    private static XElement? NextPlacemark(XmlReader xml)
    {
        while (true)
        {
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "Placemark")
            {
                return (XElement)XNode.ReadFrom(xml);
            }
            if (!xml.Read())
            {
                return null;
            }
        }
    }

    private static SourceRecord Record(XElement placemark, long row, SourceCrs wgs84)
    {
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in placemark.Elements())
        {
            if (OwnFields.Contains(child.Name.LocalName, StringComparer.Ordinal))
            {
                fields[child.Name.LocalName] = child.Value;
            }
        }
        foreach (var extended in Children(placemark, "ExtendedData"))
        {
            foreach (var data in Children(extended, "Data"))
            {
                if ((string?)data.Attribute("name") is { Length: > 0 } name)
                {
                    fields[name] = Children(data, "value").FirstOrDefault()?.Value;
                }
            }
            foreach (var simple in Children(extended, "SchemaData").SelectMany(s => Children(s, "SimpleData")))
            {
                if ((string?)simple.Attribute("name") is { Length: > 0 } name)
                {
                    fields[name] = simple.Value;
                }
            }
        }

        var (position, error) = Position(placemark);
        return new SourceRecord(row, fields)
        {
            Position = position,
            PositionCrs = wgs84,
            NativeId = (string?)placemark.Attribute("id"),
            Error = error,
        };
    }

    private static IEnumerable<XElement> Children(XElement parent, string localName) =>
        parent.Elements().Where(e => e.Name.LocalName == localName);

    /// <summary>The geometry is any descendant outside ExtendedData (a MultiGeometry nests its parts, at any depth).</summary>
    private static ((double X, double Y)? Position, string? Error) Position(XElement placemark)
    {
        var geometry = placemark.Descendants()
            .Where(e => !e.Ancestors().Any(a => a.Name.LocalName == "ExtendedData"))
            .ToList();
        var point = geometry.FirstOrDefault(e => e.Name.LocalName == "Point");
        if (point is not null)
        {
            var first = Children(point, "coordinates").Select(c => Coordinates(c.Value).FirstOrDefault()).FirstOrDefault();
            return first is null ? (null, "the placemark's point has no coordinates") : (first, null);
        }
        var rings = geometry
            .Where(e => e.Name.LocalName == "outerBoundaryIs")
            .Select(b => b.Descendants().FirstOrDefault(c => c.Name.LocalName == "coordinates"))
            .OfType<XElement>()
            .Select(c => Coordinates(c.Value).Select(p => p!.Value).ToList())
            .ToList();
        if (rings.Count > 0)
        {
            var largest = rings.MaxBy(RingArea)!;
            var interior = GeometryPoints.InteriorOfRing(largest);
            return interior is null ? (null, "the placemark's polygon has no interior") : (interior, null);
        }
        var other = geometry.FirstOrDefault(e => e.Name.LocalName is "LineString" or "LinearRing" or "Track" or "MultiTrack");
        return (null, other is null ? "the placemark has no geometry" : $"a {other.Name.LocalName} cannot be a facility");
    }

    private static double RingArea(List<(double X, double Y)> ring)
    {
        var twice = 0.0;
        for (var i = 0; i < ring.Count; i++)
        {
            var (x1, y1) = ring[i];
            var (x2, y2) = ring[(i + 1) % ring.Count];
            twice += (x1 * y2) - (x2 * y1);
        }
        return Math.Abs(twice / 2);
    }

    private static IEnumerable<(double X, double Y)?> Coordinates(string text)
    {
        foreach (var tuple in text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = tuple.Split(',');
            if (parts.Length >= 2
                && double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var lon)
                && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var lat))
            {
                yield return (lon, lat);
            }
        }
    }
}
