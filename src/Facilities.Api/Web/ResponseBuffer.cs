using System.Buffers;

namespace Facilities.Api.Web;

/// <summary>
/// A response body written in memory before it is sent, because its ETag is a hash of it, in arrays rented from the
/// shared pool. A page of a thousand features is most of a megabyte: a new array of that size per request is a
/// large-object allocation, cleared before use and collected only by a full collection, and such requests then spend
/// much of their time in the garbage collector. <see cref="For"/> returns the array to the pool when the response is
/// finished, not before: the result writes <see cref="WrittenMemory"/> after the endpoint has returned.
/// </summary>
public sealed class ResponseBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _array;
    private int _written;

    private ResponseBuffer(int capacity) => _array = ArrayPool<byte>.Shared.Rent(capacity);

    /// <summary>A buffer for the response of <paramref name="http"/>, released with the request.</summary>
    public static ResponseBuffer For(HttpContext http, int capacity)
    {
        var buffer = new ResponseBuffer(capacity);
        http.Response.RegisterForDispose(buffer);
        return buffer;
    }

    public ReadOnlyMemory<byte> WrittenMemory => _array.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => _array.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _array.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsSpan(_written);
    }

    private void Reserve(int sizeHint)
    {
        var needed = Math.Max(sizeHint, 1);
        if (_array.Length - _written >= needed)
        {
            return;
        }
        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _written + needed));
        _array.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = larger;
    }

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
            _written = 0;
        }
    }
}
