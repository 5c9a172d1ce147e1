using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Facilities.Api.Web;

/// <summary>A WGS 84 position as clients write it: {lat, lon} in degrees.</summary>
public sealed record Position(double Lat, double Lon);

/// <summary>Reading raw JSON fields.</summary>
internal static class Json
{
    public static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    public static long? Integer(JsonNode? node) =>
        node?.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<long>(out var n) ? n : null;

    public static DateTimeOffset? Instant(JsonNode? node) =>
        Text(node) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    /// <summary>Reads {lat, lon}; returns the error, or null with the position set.</summary>
    public static string? Position(JsonNode? node, out Position position)
    {
        position = new Position(0, 0);
        if (node is not JsonObject o || o.Count != 2 || o["lat"]?.GetValueKind() != JsonValueKind.Number || o["lon"]?.GetValueKind() != JsonValueKind.Number)
        {
            return "Must be {\"lat\": number, \"lon\": number} in WGS 84 degrees.";
        }
        var lat = o["lat"]!.GetValue<double>();
        var lon = o["lon"]!.GetValue<double>();
        if (!double.IsFinite(lat) || lat is < -90 or > 90)
        {
            return "lat must be between -90 and 90.";
        }
        if (!double.IsFinite(lon) || lon is < -180 or > 180)
        {
            return "lon must be between -180 and 180.";
        }
        if (lat == 0 && lon == 0)
        {
            return "(0, 0) is in the Gulf of Guinea and almost always a missing position: send the real one.";
        }
        position = new Position(lat, lon);
        return null;
    }
}
