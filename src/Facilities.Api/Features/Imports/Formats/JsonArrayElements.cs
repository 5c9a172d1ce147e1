using System.Text.Json;
using System.Text.Json.Nodes;

namespace Facilities.Api.Features.Imports.Formats;

/// <summary>
/// Streams the elements of one top-level array member (<c>features</c> of a GeoJSON FeatureCollection,
/// <c>elements</c> of an Overpass answer) one at a time, with <see cref="Utf8JsonReader"/> over a buffer refilled
/// from the stream: only the element being read is ever in memory, whatever the size of the file.
/// </summary>
public static class JsonArrayElements
{
    private const int MaxElementBytes = 16 << 20;

    /// <summary>
    /// The record <paramref name="read"/> makes of one element, or a rejected record when the element holds text that
    /// is not Unicode. JSON can escape half of a surrogate pair alone (<c>"\ud800"</c>); the parser lets it through
    /// and System.Text.Json throws only when the string, or a member's name, is read. That spoils one element, not the file;
    /// so does an object naming a member twice.
    /// </summary>
    public static SourceRecord? RecordOrRejected(long row, string element, Func<SourceRecord?> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException e) when (e.TargetSite?.DeclaringType?.Assembly == typeof(JsonNode).Assembly)
        {
            return new SourceRecord(row, new Dictionary<string, string?>())
            {
                Error = $"the {element} holds text that is not valid Unicode (an unpaired surrogate such as \\ud800)",
            };
        }
        catch (ArgumentException e)
        {
            // JSON lets an object name a member twice; System.Text.Json's objects refuse it when first read.
            return new SourceRecord(row, new Dictionary<string, string?>()) { Error = $"the {element} cannot be read: {e.Message}" };
        }
    }

    public static IEnumerable<JsonObject> Read(Stream stream, string arrayMember, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var length = 0;
        var final = false;
        var state = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var inArray = false;
        var sawMember = false;
        var done = false;

        while (!done)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!final && length < buffer.Length)
            {
                var read = stream.Read(buffer, length, buffer.Length - length);
                if (read == 0)
                {
                    final = true;
                }
                length += read;
            }

            var elements = new List<JsonObject>();
            var consumed = Scan(buffer.AsSpan(0, length), final, ref state, arrayMember, ref inArray, ref sawMember, ref done, elements);
            foreach (var element in elements)
            {
                yield return element;
            }
            if (consumed == 0 && !done)
            {
                if (final)
                {
                    throw new ImportFileException(sawMember ? "The JSON file ends in the middle of an element." : $"The JSON has no '{arrayMember}' array.");
                }
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxElementBytes)
                    {
                        throw new ImportFileException($"One element of '{arrayMember}' is larger than {MaxElementBytes >> 20} MB.");
                    }
                    Array.Resize(ref buffer, buffer.Length * 2);
                }
                continue;
            }
            Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
            length -= consumed;
            if (final && length == 0 && !done)
            {
                if (!sawMember)
                {
                    throw new ImportFileException($"The JSON has no '{arrayMember}' array.");
                }
                done = true;
            }
        }
    }

    private static int Scan(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, string arrayMember,
        ref bool inArray, ref bool sawMember, ref bool done, List<JsonObject> elements)
    {
        var reader = new Utf8JsonReader(data, final, state);
        var consumed = 0;
        try
        {
            while (true)
            {
                if (inArray)
                {
                    var before = reader.CurrentState;
                    var start = reader.BytesConsumed;
                    if (!reader.Read())
                    {
                        break;
                    }
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        inArray = false;
                        done = true;
                        consumed = (int)reader.BytesConsumed;
                        state = reader.CurrentState;
                        return consumed;
                    }
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        if (!reader.TrySkip())
                        {
                            state = before;
                            return (int)start;
                        }
                        consumed = (int)reader.BytesConsumed;
                        state = reader.CurrentState;
                        continue;
                    }
                    var elementStart = (int)reader.TokenStartIndex;
                    if (!reader.TrySkip())
                    {
                        state = before;
                        return (int)start;
                    }
                    var end = (int)reader.BytesConsumed;
                    if (JsonNode.Parse(data[elementStart..end]) is JsonObject element)
                    {
                        elements.Add(element);
                    }
                    consumed = end;
                    state = reader.CurrentState;
                    continue;
                }

                var beforeToken = reader.CurrentState;
                var tokenStart = reader.BytesConsumed;
                if (!reader.Read())
                {
                    break;
                }
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var isMember = reader.ValueTextEquals(arrayMember);
                    if (!reader.Read())
                    {
                        state = beforeToken;
                        return (int)tokenStart;
                    }
                    if (isMember && reader.TokenType == JsonTokenType.StartArray)
                    {
                        inArray = true;
                        sawMember = true;
                    }
                    else if (!reader.TrySkip())
                    {
                        state = beforeToken;
                        return (int)tokenStart;
                    }
                }
                else if (reader.CurrentDepth == 0 && reader.TokenType != JsonTokenType.StartObject && reader.TokenType != JsonTokenType.EndObject)
                {
                    throw new ImportFileException("The JSON file is not an object.");
                }
                consumed = (int)reader.BytesConsumed;
                state = reader.CurrentState;
            }
        }
        catch (JsonException e)
        {
            throw new ImportFileException($"The file is not valid JSON: {e.Message}");
        }
        return consumed;
    }
}
