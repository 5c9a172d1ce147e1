using System.Text;
using System.Text.Json;
using Facilities.Api.Web;

namespace Facilities.Api.Features.OpenData;

/// <summary>One key of a <c>sortby</c>: a sortable property and its direction.</summary>
public sealed record OgcSortKey(PublishedProperty Property, bool Descending);

/// <summary>
/// The <c>sortby</c> parameter of the sorting extension (OGC API – Features Part 8 draft): a comma-separated list of
/// sortables, each optionally led by <c>+</c> (ascending, the default) or <c>-</c>. A <c>+</c> sent unencoded arrives
/// as a space, so a leading space reads as <c>+</c>. The id always breaks ties, so every read of an order is the same
/// order and keyset paging can continue after the last row of a page.
/// </summary>
public static class OgcSortBy
{
    /// <summary>More keys than this is no order a person asks for, and every one widens the keyset condition.</summary>
    public const int MaxKeys = 5;

    public static IReadOnlyList<OgcSortKey>? TryParse(string text, IReadOnlyList<PublishedProperty> properties, string collectionId, out string? error)
    {
        error = null;
        var keys = new List<OgcSortKey>();
        foreach (var part in text.Split(','))
        {
            var item = part.Trim();
            var descending = item.StartsWith('-');
            if (descending || item.StartsWith('+'))
            {
                item = item[1..];
            }
            if (item.Length == 0)
            {
                error = "Must be a comma-separated list of sortables, each led by + (ascending, the default) or -: sortby=-updated_at,name.";
                return null;
            }
            if (properties.FirstOrDefault(p => p.Sortable && p.Name == item) is not { } property)
            {
                error = $"'{item}' is not a sortable of '{collectionId}'; it sorts by: {string.Join(", ", properties.Where(p => p.Sortable).Select(p => p.Name))} " +
                        $"(see /ogc/collections/{collectionId}/sortables).";
                return null;
            }
            if (keys.Any(k => k.Property.Name == item))
            {
                error = $"Names '{item}' twice: name each sortable once.";
                return null;
            }
            keys.Add(new OgcSortKey(property, descending));
        }
        if (keys.Count > MaxKeys)
        {
            error = $"Names more than {MaxKeys} sortables.";
            return null;
        }
        return keys;
    }

    /// <summary>The keys as the next links and the cursor write them: <c>-updated_at,+name</c>.</summary>
    public static string Normalised(IReadOnlyList<OgcSortKey> keys) =>
        string.Join(",", keys.Select(k => (k.Descending ? "-" : "+") + k.Property.Name));

    /// <summary>
    /// The order by clause. Nulls come last in both directions, so that the keyset condition below has one shape;
    /// the id breaks ties unless it is a key itself.
    /// </summary>
    public static string OrderBy(IReadOnlyList<OgcSortKey> keys)
    {
        var order = new StringBuilder();
        foreach (var key in keys)
        {
            order.Append(key.Property.Sql).Append(key.Descending ? " desc" : " asc").Append(" nulls last, ");
        }
        if (keys.Any(k => k.Property.Name == "id"))
        {
            order.Length -= 2;
        }
        else
        {
            order.Append("f.id");
        }
        return order.ToString();
    }

    /// <summary>The select-list entries after the page's columns that read each key as text, for the next cursor.</summary>
    public static string KeyColumns(IReadOnlyList<OgcSortKey> keys) => string.Concat(keys.Select(k => $", ({k.Property.Sql})::text"));

    /// <summary>
    /// The rows after (v1, …, vn, id) in the order of <see cref="OrderBy"/>: for some i, the keys before i equal the
    /// cursor's and key i comes after it (greater, or less when descending; a null comes after every value, and
    /// nothing comes after a null). Each value is a parameter whose type PostgreSQL takes from the key it is compared
    /// with, so a real, a bigint or a timestamp compares exactly as the text it was read back as.
    /// </summary>
    public static string After(IReadOnlyList<OgcSortKey> keys, OgcSortCursor cursor, Func<string, string> parameter)
    {
        var alternatives = new List<string>();
        var equal = new List<string>();
        var withId = keys.Any(k => k.Property.Name == "id") ? keys : [.. keys, new OgcSortKey(IdProperty, false)];
        for (var i = 0; i < withId.Count; i++)
        {
            var key = withId[i];
            var value = i < keys.Count ? cursor.Values[i] : cursor.After.ToString();
            if (value is not null)
            {
                var p = parameter(value);
                alternatives.Add(string.Join(" and ", [.. equal, $"({key.Property.Sql} {(key.Descending ? "<" : ">")} {p} or {key.Property.Sql} is null)"]));
                equal.Add($"{key.Property.Sql} = {p}");
            }
            else
            {
                equal.Add($"{key.Property.Sql} is null");
            }
        }
        return alternatives.Count == 0 ? "false" : "(" + string.Join(" or ", alternatives.Select(a => "(" + a + ")")) + ")";
    }

    private static readonly PublishedProperty IdProperty = new("id", PropertyType.Uuid, "Id", "f.id");
}

/// <summary>
/// A sorted page's next cursor: the sortby it belongs to, the keys' values of the page's last row as text (null for
/// a null), its id and numberMatched. A cursor of another sortby is refused: its values are positions in another order.
/// </summary>
public sealed record OgcSortCursor(string SortBy, IReadOnlyList<string?> Values, Guid After, long NumberMatched)
{
    public string Encode(Cursors cursors)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            w.WriteStringValue(SortBy);
            w.WriteStringValue(After);
            w.WriteNumberValue(NumberMatched);
            foreach (var value in Values)
            {
                w.WriteStringValue(value);
            }
            w.WriteEndArray();
        }
        return cursors.Encode(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    public static OgcSortCursor? Decode(Cursors cursors, string? cursor)
    {
        if (cursors.Decode(cursor) is not { } payload || !payload.StartsWith('['))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(payload);
            var items = document.RootElement.EnumerateArray().ToList();
            if (items.Count < 3 || items[0].ValueKind != JsonValueKind.String || !items[1].TryGetGuid(out var after)
                || !items[2].TryGetInt64(out var matched))
            {
                return null;
            }
            var values = items.Skip(3).Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToList();
            return new OgcSortCursor(items[0].GetString()!, values, after, matched);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
