using System.Text;
using FluentValidation.Results;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Web;

/// <summary>
/// A multipart body's text, checked as the endpoint reads it: the part names, the file names and the values of the
/// parts that are not files (<see cref="StorableText"/>), while file parts pass through unlooked-at and nothing is
/// held but the part being checked. It finds the parts as <see cref="Microsoft.AspNetCore.WebUtilities.MultipartReader"/>
/// does — the first delimiter is <c>--boundary</c> anywhere, the later ones <c>CRLF--boundary</c>, header lines end in
/// CRLF, an empty line ends them — so the endpoint's reader sees no part this one has not. A text part that is not
/// storable ends the read that completes it with <see cref="UnstorableTextException"/>, before the endpoint has it.
/// </summary>
internal sealed class MultipartText : Stream
{
    /// <summary>MultipartReader's own limits: past them it refuses the body itself, so the check can stop.</summary>
    private const int MaxHeaderBytes = 16 * 1024;
    private const int MaxBoundaryLineBytes = 100;

    /// <summary>
    /// A text part that is a JSON object or array (a draft import's definition) is checked as JSON too, since the
    /// endpoint decodes its escapes; beyond this size the endpoints refuse such a part themselves.
    /// </summary>
    private const int MaxJsonBytes = 1 << 20;

    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly Stream _inner;
    private readonly byte[] _later;
    private byte[] _delimiter;
    private int[] _fallback;
    private int _matched;
    private State _state = State.Content;
    private readonly MemoryStream _line = new();
    private Part? _part;

    private enum State { Content, BoundaryLine, Headers, Done }

    public MultipartText(Stream inner, string boundary)
    {
        _inner = inner;
        _delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        _later = Encoding.ASCII.GetBytes("\r\n--" + boundary);
        _fallback = Fallback(_delimiter);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = _inner.Read(buffer);
        Inspect(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await _inner.ReadAsync(buffer, cancellationToken);
        Inspect(buffer.Span[..read]);
        return read;
    }

    private void Inspect(ReadOnlySpan<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length && _state != State.Done)
        {
            switch (_state)
            {
                case State.Content:
                    if (_matched == 0)
                    {
                        // Between delimiters: straight to the next byte that could start one.
                        var next = bytes[i..].IndexOf(_delimiter[0]);
                        var end = next < 0 ? bytes.Length : i + next;
                        _part?.Add(bytes[i..end]);
                        i = end;
                        if (next < 0)
                        {
                            break;
                        }
                    }
                    var b = bytes[i];
                    // Knuth–Morris–Pratt: the bytes that can no longer begin the delimiter are the part's.
                    while (_matched > 0 && b != _delimiter[_matched])
                    {
                        var kept = _fallback[_matched - 1];
                        _part?.Add(_delimiter.AsSpan(0, _matched - kept));
                        _matched = kept;
                    }
                    if (b == _delimiter[_matched])
                    {
                        _matched++;
                    }
                    else
                    {
                        _part?.Add(bytes.Slice(i, 1));
                    }
                    i++;
                    if (_matched == _delimiter.Length)
                    {
                        _part?.End();
                        _part = null;
                        _matched = 0;
                        if (!ReferenceEquals(_delimiter, _later))
                        {
                            _delimiter = _later;
                            _fallback = Fallback(_later);
                        }
                        _line.SetLength(0);
                        _state = State.BoundaryLine;
                    }
                    break;
                case State.BoundaryLine:
                    if (Line(bytes, ref i, MaxBoundaryLineBytes) is { } rest)
                    {
                        // "--" after the delimiter closes the body; anything after it is an epilogue no one reads.
                        _state = Encoding.UTF8.GetString(rest).Trim() == "--" ? State.Done : State.Headers;
                        _line.SetLength(0);
                    }
                    break;
                case State.Headers:
                    _line.WriteByte(bytes[i++]);
                    var headers = _line.GetBuffer().AsSpan(0, (int)_line.Length);
                    if (headers.SequenceEqual("\r\n"u8) || headers.EndsWith(HeaderEnd))
                    {
                        _part = Part.From(headers);
                        _line.SetLength(0);
                        _state = State.Content;
                    }
                    else if (headers.Length > MaxHeaderBytes)
                    {
                        _state = State.Done;
                    }
                    break;
            }
        }
    }

    /// <summary>The bytes of the line up to its CRLF once it is complete (null while it is not), or the end of checking past the limit.</summary>
    private byte[]? Line(ReadOnlySpan<byte> bytes, ref int i, int limit)
    {
        while (i < bytes.Length)
        {
            _line.WriteByte(bytes[i++]);
            var line = _line.GetBuffer().AsSpan(0, (int)_line.Length);
            if (line.EndsWith("\r\n"u8))
            {
                return line[..^2].ToArray();
            }
            if (line.Length > limit)
            {
                _state = State.Done;
                return null;
            }
        }
        return null;
    }

    /// <summary>For each length of a matched prefix, the longest proper prefix of the delimiter that is also its suffix.</summary>
    private static int[] Fallback(byte[] pattern)
    {
        var fallback = new int[pattern.Length];
        for (int i = 1, k = 0; i < pattern.Length; i++)
        {
            while (k > 0 && pattern[i] != pattern[k])
            {
                k = fallback[k - 1];
            }
            if (pattern[i] == pattern[k])
            {
                k++;
            }
            fallback[i] = k;
        }
        return fallback;
    }

    /// <summary>A part that is not a file: its value checked as it arrives, and kept only while it may be JSON.</summary>
    private sealed class Part(string name)
    {
        private readonly byte[] _carry = new byte[4];
        private int _carried;
        private bool _started;
        private MemoryStream? _json;

        /// <summary>The part the headers start: null for a file part (whose names they check) or a part without a name.</summary>
        public static Part? From(ReadOnlySpan<byte> headers)
        {
            // MultipartReader decodes header lines leniently: bytes that are not UTF-8 reach the endpoint as U+FFFD, so they
            // are refused in the name they are in.
            var notUtf8 = StorableText.Utf8Fault(headers) is not null;
            string? Fault(string? text) => text is null ? null
                : StorableText.Fault(text) ?? (notUtf8 && text.Contains('\uFFFD', StringComparison.Ordinal) ? StorableText.SurrogateMessage : null);
            foreach (var line in Encoding.UTF8.GetString(headers).Split("\r\n"))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || !line[..colon].Equals(HeaderNames.ContentDisposition, StringComparison.OrdinalIgnoreCase)
                    || !ContentDispositionHeaderValue.TryParse(line[(colon + 1)..].Trim(), out var disposition))
                {
                    continue;
                }
                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
                if (Fault(name) is { } nameFault)
                {
                    throw new UnstorableTextException(new ValidationFailure("parameter name", nameFault));
                }
                if (disposition.IsFileDisposition())
                {
                    foreach (var fileName in (string?[])[HeaderUtilities.RemoveQuotes(disposition.FileName).Value, disposition.FileNameStar.Value])
                    {
                        if (Fault(fileName) is { } fault)
                        {
                            throw new UnstorableTextException(new ValidationFailure($"{name ?? "file"}.filename", fault));
                        }
                    }
                    return null;
                }
                return string.IsNullOrEmpty(name) ? null : new Part(name);
            }
            return null;
        }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            if (bytes.IsEmpty)
            {
                return;
            }
            if (!_started && bytes.TrimStart(" \t\r\n"u8) is { IsEmpty: false } text)
            {
                _started = true;
                _json = text[0] is (byte)'{' or (byte)'[' ? new MemoryStream() : null;
            }
            if (_json is not null)
            {
                if (_json.Length + bytes.Length > MaxJsonBytes)
                {
                    _json = null;
                }
                else
                {
                    _json.Write(bytes);
                }
            }
            if (bytes.Contains((byte)0))
            {
                throw Unstorable(StorableText.NulMessage);
            }
            // UTF-8 checked in slices, carrying a sequence that a read cut in two over to the next.
            Span<byte> window = stackalloc byte[4096];
            while (!bytes.IsEmpty)
            {
                var take = Math.Min(bytes.Length, window.Length - _carried);
                _carry.AsSpan(0, _carried).CopyTo(window);
                bytes[..take].CopyTo(window[_carried..]);
                var slice = window[..(_carried + take)];
                bytes = bytes[take..];
                var complete = StorableText.CompleteUtf8(slice, out var fault);
                if (fault is not null)
                {
                    throw Unstorable(fault);
                }
                _carried = slice.Length - complete;
                slice[complete..].CopyTo(_carry);
            }
        }

        public void End()
        {
            if (_carried > 0)
            {
                throw Unstorable(StorableText.SurrogateMessage);
            }
            if (_json is not null && StorableText.UnstorableJson(_json.ToArray()) is { } failure)
            {
                var field = failure.PropertyName == ProblemResponses.Body ? name
                    : failure.PropertyName.StartsWith('[') ? name + failure.PropertyName : $"{name}.{failure.PropertyName}";
                throw new UnstorableTextException(new ValidationFailure(field, failure.ErrorMessage));
            }
        }

        private UnstorableTextException Unstorable(string message) => new(new ValidationFailure(name, message));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _line.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// A string in a streamed body that PostgreSQL cannot store, found while the endpoint reads it. It is an
/// <see cref="IOException"/> (a <see cref="BadHttpRequestException"/>) so that what an endpoint does when its body
/// fails — delete the partial file it was writing — happens, and the problem handler answers it as a 400 naming the field.
/// </summary>
public sealed class UnstorableTextException(ValidationFailure failure)
    : BadHttpRequestException(failure.ErrorMessage, StatusCodes.Status400BadRequest)
{
    public ValidationFailure Failure { get; } = failure;
}
