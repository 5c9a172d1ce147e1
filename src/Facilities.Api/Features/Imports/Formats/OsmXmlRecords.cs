using System.Globalization;
using System.Xml;
using Facilities.Api.Features.Imports.Crs;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// OpenStreetMap XML (<c>.osm</c>, or Overpass with <c>[out:xml]</c>), streamed. Tagged nodes are records; ways are
/// records at the centroid of their nodes (an OSM file lists nodes before ways, so the positions of untagged nodes
/// are kept for the ways that follow — two doubles each). Fields are the tags, the id is <c>node/1</c> or <c>way/2</c>.
/// </summary>
public sealed class OsmXmlRecords(Stream stream) : IRecordSource
{
    public IReadOnlyCollection<string>? DeclaredFields => null;

    public IEnumerable<SourceRecord> Read(CancellationToken cancellationToken)
    {
        var wgs84 = CoordinateSystems.Find("EPSG:4326")!;
        using var xml = SafeXml.Open(stream);
        var nodes = new Dictionary<long, (double Lon, double Lat)>();
        long row = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SourceRecord? record;
            try
            {
                if (!xml.Read())
                {
                    yield break;
                }
                if (xml.NodeType != XmlNodeType.Element || xml.Depth != 1 || xml.LocalName is not ("node" or "way"))
                {
                    continue;
                }
                record = ReadElement(xml, nodes, ref row, wgs84);
            }
            catch (XmlException e)
            {
                throw SafeXml.Refusal(e);
            }
            if (record is not null)
            {
                yield return record;
            }
        }
    }

    private static SourceRecord? ReadElement(XmlReader xml, Dictionary<long, (double Lon, double Lat)> nodes, ref long row, SourceCrs wgs84)
    {
        var type = xml.LocalName;
        var id = xml.GetAttribute("id");
        (double X, double Y)? position = null;
        if (type == "node" && Number(xml.GetAttribute("lon")) is { } lon && Number(xml.GetAttribute("lat")) is { } lat)
        {
            position = (lon, lat);
            if (long.TryParse(id, CultureInfo.InvariantCulture, out var nodeId))
            {
                nodes[nodeId] = (lon, lat);
            }
        }
        var tags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var wayNodes = new List<(double X, double Y)>();
        var missingNodes = 0;
        if (!xml.IsEmptyElement)
        {
            var depth = xml.Depth;
            while (xml.Read() && xml.Depth > depth)
            {
                if (xml.NodeType != XmlNodeType.Element)
                {
                    continue;
                }
                if (xml.LocalName == "tag" && xml.GetAttribute("k") is { } k)
                {
                    tags.TryAdd(k, xml.GetAttribute("v"));
                }
                else if (xml.LocalName == "nd")
                {
                    if (long.TryParse(xml.GetAttribute("ref"), CultureInfo.InvariantCulture, out var reference) && nodes.TryGetValue(reference, out var p))
                    {
                        wayNodes.Add(p);
                    }
                    else if (Number(xml.GetAttribute("lon")) is { } ndLon && Number(xml.GetAttribute("lat")) is { } ndLat)
                    {
                        wayNodes.Add((ndLon, ndLat)); // Overpass "out geom" puts positions on nd directly
                    }
                    else
                    {
                        missingNodes++;
                    }
                }
                else if (xml.LocalName == "center" && Number(xml.GetAttribute("lon")) is { } cLon && Number(xml.GetAttribute("lat")) is { } cLat)
                {
                    position = (cLon, cLat);
                }
            }
        }
        if (tags.Count == 0)
        {
            return null;
        }
        if (type == "way" && position is null)
        {
            position = GeometryPoints.Centroid(wayNodes);
        }
        row++;
        tags["@id"] = $"{type}/{id}";
        return new SourceRecord(row, tags)
        {
            Position = position,
            PositionCrs = wgs84,
            NativeId = $"{type}/{id}",
            Error = position is null ? $"{type} {id} has no position ({missingNodes} of its nodes are not in the file)" : null,
        };
    }

    private static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
}
