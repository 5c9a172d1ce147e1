using System.Buffers;
using System.Text;
using System.Text.Json;
using FluentValidation;
using FluentValidation.Results;

namespace Facilities.Api.Web;

/// <summary>
/// Text PostgreSQL can store. A <c>text</c> value cannot hold U+0000 (SQLSTATE 22021), and a string with an unpaired
/// surrogate (<c>"\ud800"</c>) has no UTF-8 form at all: either one, in any field of any body, used to reach the
/// database and fail there as a 500. This one check covers every string a request carries — JSON bodies (whatever
/// type the endpoint binds them to, strings or JSON nodes), query values and route values — before anything binds
/// them, and refuses the request as a 400 naming the field.
/// </summary>
public static class StorableText
{
    private const string NulMessage = "Must not contain the NUL character (U+0000).";
    private const string SurrogateMessage = "Must be valid Unicode text: it contains an unpaired surrogate (such as \\ud800) or invalid UTF-8.";

    public static IApplicationBuilder UseStorableText(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        var failure = Unstorable(http.Request.Query.SelectMany(q => q.Value.Select(v => (q.Key, v))))
            ?? Unstorable(http.Request.RouteValues.Select(r => (r.Key, r.Value as string)));
        if (failure is null && http.Request.HasJsonContentType() && http.Request.ContentLength != 0)
        {
            // Read whole (within the endpoint's body limit, set before this runs) and handed on as read, so the
            // endpoint binds exactly the bytes that were checked.
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            http.Request.Body = new MemoryStream(body, writable: false);
            failure = UnstorableJson(body);
        }
        if (failure is not null)
        {
            throw new ValidationException([failure]);
        }
        await next(http);
    });

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

    private static string? Fault(string text)
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
