using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using FluentValidation;
using FluentValidation.Results;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Web;

/// <summary>
/// Text PostgreSQL can store. A <c>text</c> value cannot hold U+0000 (SQLSTATE 22021), and a string with an unpaired
/// surrogate (<c>"\ud800"</c>) has no UTF-8 form at all: either one, in any field of any body, used to reach the
/// database and fail there as a 500. This one check covers every string a request carries — JSON bodies (whatever
/// type the endpoint binds them to, strings or JSON nodes), url-encoded forms, the part names, file names and text
/// parts of multipart bodies, query values and route values — and refuses the request as a 400 naming the field.
/// Bodies are checked before anything binds them, except multipart ones, whose sections the endpoint reads through
/// <see cref="StorableParts"/> so that files are never held in memory. A form's or a part's bytes must be UTF-8 as
/// well: the framework's decoders would turn anything else into U+FFFD without a word.
/// </summary>
public static class StorableText
{
    internal const string NulMessage = "Must not contain the NUL character (U+0000).";
    internal const string SurrogateMessage = "Must be valid Unicode text: it contains an unpaired surrogate (such as \\ud800) or invalid UTF-8.";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IApplicationBuilder UseStorableText(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var failure = Unstorable(http.Request.Query.SelectMany(q => q.Value.Select(v => (q.Key, v))))
            ?? Unstorable(http.Request.RouteValues.Select(r => (r.Key, r.Value as string)));
        if (failure is null && http.Request.ContentLength != 0)
        {
            var media = MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var parsed) ? parsed : null;
            if (http.Request.HasJsonContentType())
            {
                RequireUtf8(http, media);
                failure = UnstorableJson(await WholeBodyAsync(http));
            }
            else if (media?.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
            {
                RequireUtf8(http, media);
                failure = UnstorableForm(await WholeBodyAsync(http));
            }
        }
        if (failure is not null)
        {
            throw new ValidationException([failure]);
        }
        await next(http);
    });

    /// <summary>
    /// A JSON or form body is UTF-8 (RFC 8259 §8.1; the WHATWG URL standard for forms), as the checks here read it. The
    /// framework would decode it in another declared charset, and throws on one it does not support (utf-7, or for JSON
    /// any name it does not know): that was a 500. So another charset is a 415, and the spellings of UTF-8 the framework
    /// does not know (utf8, "utf-8" in quotes) are passed on as utf-8.
    /// </summary>
    private static void RequireUtf8(HttpContext http, MediaTypeHeaderValue? media)
    {
        if (media is null || !media.Charset.HasValue)
        {
            return;
        }
        var charset = HeaderUtilities.RemoveQuotes(media.Charset).Value ?? "";
        if (!charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
        {
            throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The request body must be UTF-8, not charset={charset}.");
        }
        media.Charset = "utf-8";
        http.Request.ContentType = media.ToString();
    }

    /// <summary>
    /// The body read whole (within the endpoint's body limit, set before this runs) and handed on as read, so the
    /// endpoint binds exactly the bytes that were checked.
    /// </summary>
    private static async Task<byte[]> WholeBodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var body = buffer.ToArray();
        http.Request.Body = new MemoryStream(body, writable: false);
        return body;
    }

    /// <summary>
    /// The first name or value of a url-encoded form that is not storable text, decoded as the framework's form reader
    /// decodes it (<c>+</c> is a space, <c>%XX</c> a byte) but refusing bytes that are not UTF-8.
    /// </summary>
    internal static ValidationFailure? UnstorableForm(byte[] body)
    {
        var start = 0;
        while (start < body.Length)
        {
            var end = Array.IndexOf(body, (byte)'&', start);
            end = end < 0 ? body.Length : end;
            var equals = Array.IndexOf(body, (byte)'=', start, end - start);
            var (name, nameFault) = FormText(body, start, (equals < 0 ? end : equals) - start);
            if (nameFault is not null)
            {
                return new ValidationFailure("parameter name", nameFault);
            }
            if (equals >= 0 && FormText(body, equals + 1, end - equals - 1) is (_, { } fault))
            {
                return new ValidationFailure(name, fault);
            }
            start = end + 1;
        }
        return null;
    }

    private static (string Text, string? Fault) FormText(byte[] body, int offset, int count)
    {
        var bytes = WebUtility.UrlDecodeToBytes(body, offset, count);
        try
        {
            var text = StrictUtf8.GetString(bytes);
            return (text, Fault(text));
        }
        catch (DecoderFallbackException)
        {
            return (Encoding.UTF8.GetString(bytes), SurrogateMessage);
        }
    }

    /// <summary>Bytes that are not UTF-8 (a surrogate's CESU-8 form included): the fault; null for UTF-8.</summary>
    internal static string? Utf8Fault(ReadOnlySpan<byte> bytes) => Utf8.IsValid(bytes) ? null : SurrogateMessage;

    private static ValidationFailure? Unstorable(IEnumerable<(string Name, string? Value)> values)
    {
        foreach (var (name, value) in values)
        {
            if (Fault(name) is { } nameFault)
            {
                return new ValidationFailure("parameter name", nameFault);
            }
            if (value is not null && Fault(value) is { } fault)
            {
                return new ValidationFailure(name, fault);
            }
        }
        return null;
    }

    /// <summary>The first string (property name or value) of a JSON body that is not storable text, with its path.</summary>
    internal static ValidationFailure? UnstorableJson(byte[] body)
    {
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
        var path = new List<Step>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        Count(path);
                        path.Add(new Step(InArray: false, Name: null, Index: -1));
                        break;
                    case JsonTokenType.StartArray:
                        Count(path);
                        path.Add(new Step(InArray: true, Name: null, Index: -1));
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        path[^1] = path[^1] with { Name = null };
                        if (Fault(ref reader, out var name) is { } nameFault)
                        {
                            return new ValidationFailure(PathOf(path), nameFault);
                        }
                        path[^1] = path[^1] with { Name = name };
                        break;
                    case JsonTokenType.String:
                        Count(path);
                        if (Fault(ref reader, out _) is { } fault)
                        {
                            return new ValidationFailure(PathOf(path), fault);
                        }
                        break;
                    default:
                        Count(path);
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Not well-formed: binding refuses it with the reader's own account of where it breaks.
        }
        return null;
    }

    /// <summary>One level of the path to a value: the property being read in an object, the index in an array.</summary>
    private sealed record Step(bool InArray, string? Name, int Index);

    /// <summary>A value starts: in an array, it is the next index.</summary>
    private static void Count(List<Step> path)
    {
        if (path.Count > 0 && path[^1].InArray)
        {
            path[^1] = path[^1] with { Index = path[^1].Index + 1 };
        }
    }

    /// <summary><c>changes.name</c>, <c>roles[1]</c>: the field as errors name it; <c>body</c> for the body as a whole.</summary>
    private static string PathOf(List<Step> path)
    {
        var text = new StringBuilder();
        foreach (var step in path)
        {
            if (step.InArray)
            {
                text.Append('[').Append(step.Index).Append(']');
            }
            else if (step.Name is not null)
            {
                text.Append(text.Length == 0 ? "" : ".").Append(step.Name);
            }
        }
        return text.Length == 0 ? ProblemResponses.Body : text.ToString();
    }

    private static string? Fault(ref Utf8JsonReader reader, out string? text)
    {
        text = null;
        // Plain ASCII without escapes is storable as it is; only escapes and multi-byte text need decoding to be sure.
        if (!reader.ValueIsEscaped && Ascii.IsValid(reader.ValueSpan))
        {
            text = reader.GetString();
            return null;
        }
        try
        {
            text = reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return SurrogateMessage;
        }
        return text is null ? null : Fault(text);
    }

    internal static string? Fault(string text)
    {
        if (text.Contains('\0'))
        {
            return NulMessage;
        }
        var rest = text.AsSpan();
        while (rest.IndexOfAnyInRange('\uD800', '\uDFFF') is var at and >= 0)
        {
            if (Rune.DecodeFromUtf16(rest[at..], out _, out var used) != OperationStatus.Done)
            {
                return SurrogateMessage;
            }
            rest = rest[(at + used)..];
        }
        return null;
    }
}
