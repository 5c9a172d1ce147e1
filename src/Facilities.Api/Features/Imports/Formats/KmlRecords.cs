using System.Globalization;
using System.Xml;
using Facilities.Api.Features.Imports.Crs;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// KML placemarks, streamed with an XmlReader. Fields: <c>name</c>, <c>description</c> and each
/// <c>ExtendedData</c> Data/SimpleData by name. A Point is the position; a Polygon's outer ring gives its interior
/// point. KML coordinates are always WGS 84 lon,lat[,alt].
/// </summary>
public sealed class KmlRecords(Stream stream) : IRecordSource
{
    public IReadOnlyCollection<string>? DeclaredFields => null;

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        var wgs84 = CoordinateSystems.Find("EPSG:4326")!;
        using var xml = SafeXml.Open(stream);
        long row = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            bool more;
            try
            {
                more = xml.ReadToFollowing("Placemark", xml.NameTable.Get("http://www.opengis.net/kml/2.2") ?? "http://www.opengis.net/kml/2.2")
                       || false;
            }
            catch (XmlException e)
            {
                throw SafeXml.Refusal(e);
            }
            if (!more)
            {
                yield break;
            }
            row++;
            SourceRecord record;
            try
            {
                record = ReadPlacemark(xml, row, wgs84);
            }
            catch (XmlException e)
            {
                throw SafeXml.Refusal(e);
            }
            yield return record;
        }
    }

    private static SourceRecord ReadPlacemark(XmlReader xml, long row, SourceCrs wgs84)
    {
        var fields = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var id = xml.GetAttribute("id");
        string? pointText = null;
        string? ringText = null;
        string? otherGeometry = null;
        var depth = xml.Depth;
        var path = new List<string>();
        string? dataName = null;
        if (!xml.IsEmptyElement)
        {
            while (xml.Read() && xml.Depth > depth)
            {
                if (xml.NodeType == XmlNodeType.Element)
                {
                    while (path.Count > xml.Depth - depth - 1)
                    {
                        path.RemoveAt(path.Count - 1);
                    }
                    path.Add(xml.LocalName);
                    switch (xml.LocalName)
                    {
                        case "Data" or "SimpleData":
                            dataName = xml.GetAttribute("name");
                            if (xml.LocalName == "SimpleData" && dataName is not null)
                            {
                                fields[dataName] = xml.ReadElementContentAsString();
                                path.RemoveAt(path.Count - 1);
                            }
                            break;
                        case "value" when dataName is not null:
                            fields[dataName] = xml.ReadElementContentAsString();
                            path.RemoveAt(path.Count - 1);
                            break;
                        case "name" or "description" or "address" or "phoneNumber" when path.Count == 1:
                            fields[xml.LocalName] = xml.ReadElementContentAsString();
                            path.RemoveAt(path.Count - 1);
                            break;
                        case "coordinates" when path.Contains("Point") && pointText is null:
                            pointText = xml.ReadElementContentAsString();
                            path.RemoveAt(path.Count - 1);
                            break;
                        case "coordinates" when path.Contains("outerBoundaryIs") && ringText is null:
                            ringText = xml.ReadElementContentAsString();
                            path.RemoveAt(path.Count - 1);
                            break;
                        case "LineString" or "Track" or "gx:Track":
                            otherGeometry ??= xml.LocalName;
                            break;
                    }
                }
            }
        }

        (double X, double Y)? position = null;
        string? error = null;
        if (pointText is not null)
        {
            position = Coordinates(pointText).FirstOrDefault();
            error = position is null ? "the placemark's point has no coordinates" : null;
        }
        else if (ringText is not null)
        {
            position = GeometryPoints.InteriorOfRing([.. Coordinates(ringText).Select(p => p!.Value)]);
            error = position is null ? "the placemark's polygon has no interior" : null;
        }
        else
        {
            error = otherGeometry is null ? "the placemark has no geometry" : $"a {otherGeometry} cannot be a facility";
        }
        return new SourceRecord(row, fields) { Position = position, PositionCrs = wgs84, NativeId = id, Error = error };
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
