using System.Buffers.Text;
using System.Text;

namespace Facilities.Api.Web;

/// <summary>
/// Opaque paging cursors: base64url of a version tag and the last key a page ended on. Clients must not build
/// them; a cursor that does not decode is a 400 naming the cursor parameter.
/// </summary>
public static class Cursor
{
    private const string Prefix = "v1:";

    public static string Encode(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Prefix + key));

    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 200)
        {
            return null;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            return text.StartsWith(Prefix, StringComparison.Ordinal) ? text[Prefix.Length..] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static Guid? DecodeGuid(string? cursor) => Guid.TryParse(Decode(cursor), out var id) ? id : null;
}
