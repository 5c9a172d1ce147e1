using FluentValidation.Results;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Web;

/// <summary>
/// The storable-text check (<see cref="StorableText"/>) of a multipart body, made on MultipartReader's sections as the
/// endpoint reads them: every reader of multipart takes its sections from <see cref="ReadNextStorableSectionAsync"/>,
/// so no part reaches an endpoint unchecked. File parts are not text: their names are checked, their bodies stream
/// through unread.
/// </summary>
public static class StorableParts
{
    /// <summary>
    /// The longest text part (not a file) a multipart body may carry. A text part is read whole to be checked before
    /// the endpoint sees it, even one the endpoint skips; a draft import's definition is the largest the API takes.
    /// </summary>
    internal const int MaxTextPartBytes = 1 << 20;

    /// <summary>
    /// The next section, refused with <see cref="UnstorableTextException"/> when its name or file name is not storable
    /// text, or, for a part that is not a file, when its value is not (and, when the value is a JSON object or array,
    /// any string in it, since the endpoint decodes its escapes). Such a value is read here within
    /// <see cref="MaxTextPartBytes"/> and handed on as the section's body, byte for byte.
    /// </summary>
    public static async Task<MultipartSection?> ReadNextStorableSectionAsync(this MultipartReader reader, CancellationToken ct)
    {
        var section = await reader.ReadNextSectionAsync(ct);
        if (section is null || !ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
        {
            return section;
        }
        var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
        if (HeaderFault(name) is { } nameFault)
        {
            throw Unstorable("parameter name", nameFault);
        }
        if (disposition.IsFileDisposition())
        {
            foreach (var fileName in (string?[])[HeaderUtilities.RemoveQuotes(disposition.FileName).Value, disposition.FileNameStar.Value])
            {
                if (HeaderFault(fileName) is { } fault)
                {
                    throw Unstorable($"{name ?? "file"}.filename", fault);
                }
            }
        }
        else if (!string.IsNullOrEmpty(name))
        {
            section.Body = new MemoryStream(await ReadStorableTextAsync(section, name, ct), writable: false);
        }
        return section;
    }

    /// <summary>
    /// A form's fields, checked: a multipart body's text parts read through <see cref="ReadNextStorableSectionAsync"/>
    /// (its files are skipped, since no form endpoint takes one), a url-encoded body as the framework reads it, which
    /// <see cref="StorableText"/> has already checked.
    /// </summary>
    public static async Task<IFormCollection> ReadStorableFormAsync(this HttpRequest request, CancellationToken ct)
    {
        if (!request.HasFormContentType || !MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 } boundary)
        {
            return await request.ReadFormAsync(ct);
        }
        var reader = new MultipartReader(boundary, request.Body);
        var fields = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadNextStorableSectionAsync(ct) is { } section)
        {
            if (section.AsFormDataSection() is { } field)
            {
                var value = await field.GetValueAsync(ct);
                fields[field.Name] = fields.TryGetValue(field.Name, out var earlier) ? StringValues.Concat(earlier, value) : value;
            }
        }
        return new FormCollection(fields);
    }

    /// <summary>A text part's bytes, within <see cref="MaxTextPartBytes"/>, once they are known to be storable text.</summary>
    private static async Task<byte[]> ReadStorableTextAsync(MultipartSection section, string name, CancellationToken ct)
    {
        using var value = new MemoryStream();
        var buffer = new byte[1 << 14];
        int read;
        while ((read = await section.Body.ReadAsync(buffer, ct)) > 0)
        {
            if (value.Length + read > MaxTextPartBytes)
            {
                throw Unstorable(name, $"is longer than {MaxTextPartBytes} bytes");
            }
            value.Write(buffer, 0, read);
        }
        var bytes = value.ToArray();
        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            throw Unstorable(name, StorableText.NulMessage);
        }
        if (StorableText.Utf8Fault(bytes) is { } fault)
        {
            throw Unstorable(name, fault);
        }
        if (bytes.AsSpan().TrimStart(" \t\r\n"u8) is [(byte)'{' or (byte)'[', ..] && StorableText.UnstorableJson(bytes) is { } failure)
        {
            var field = failure.PropertyName == ProblemResponses.Body ? name
                : failure.PropertyName.StartsWith('[') ? name + failure.PropertyName : $"{name}.{failure.PropertyName}";
            throw new UnstorableTextException(new ValidationFailure(field, failure.ErrorMessage));
        }
        return bytes;
    }

    /// <summary>
    /// A part's name or file name that is not storable text. MultipartReader decodes header lines leniently, turning
    /// bytes that are not UTF-8 into U+FFFD, so a U+FFFD there stands for such bytes and is refused with them.
    /// </summary>
    private static string? HeaderFault(string? text) => text is null ? null
        : StorableText.Fault(text) ?? (text.Contains('\uFFFD', StringComparison.Ordinal) ? StorableText.SurrogateMessage : null);

    private static UnstorableTextException Unstorable(string field, string message) => new(new ValidationFailure(field, message));
}

/// <summary>
/// A string in a multipart body that PostgreSQL cannot store, found while the endpoint reads the body. It is an
/// <see cref="IOException"/> (a <see cref="BadHttpRequestException"/>) so that what an endpoint does when its body
/// fails — delete the partial file it was writing — happens, and the problem handler answers it as a 400 naming the field.
/// </summary>
public sealed class UnstorableTextException(ValidationFailure failure)
    : BadHttpRequestException(failure.ErrorMessage, StatusCodes.Status400BadRequest)
{
    public ValidationFailure Failure { get; } = failure;
}
