using System.IO.Hashing;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Web;

/// <summary>
/// HTTP validators (RFC 9110 §8.8.3, §13.1.2): an ETag and Cache-Control on a read, and the 304 when the client's
/// If-None-Match already names that ETag. Tags are weak: response compression may re-encode the bytes, and what a
/// tag promises is the same content, not the same octets.
/// </summary>
public static class ConditionalGet
{
    /// <summary>A weak tag from a value that changes whenever the content does (an id and a version).</summary>
    public static EntityTagHeaderValue WeakTag(string value) => new($"\"{value}\"", isWeak: true);

    /// <summary>
    /// A weak tag from the content itself: its 128-bit XXH3 hash, base64url. A validator needs no resistance to a
    /// forger (whoever could choose the content could serve it), only to chance collisions, and XXH3 is about ten
    /// times cheaper than SHA-256 over a 1,000-feature page.
    /// </summary>
    public static EntityTagHeaderValue HashTag(ReadOnlySpan<byte> content)
    {
        Span<byte> hash = stackalloc byte[16];
        XxHash128.Hash(content, hash);
        return WeakTag(System.Buffers.Text.Base64Url.EncodeToString(hash));
    }

    /// <summary>
    /// Sets ETag and Cache-Control on the response and says whether the client's copy is current, in which case the
    /// caller answers <see cref="NotModified"/>. <c>If-None-Match: *</c> matches any existing representation.
    /// </summary>
    public static bool IsNotModified(HttpContext http, EntityTagHeaderValue etag, string cacheControl)
    {
        http.Response.Headers.ETag = etag.ToString();
        http.Response.Headers.CacheControl = cacheControl;
        var ifNoneMatch = http.Request.GetTypedHeaders().IfNoneMatch;
        return ifNoneMatch.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false));
    }

    public static IResult NotModified => TypedResults.StatusCode(StatusCodes.Status304NotModified);
}
