using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Facilities.Bench.Nearby;

/// <summary>What a constant-rate run measured, with the generator's own lateness so a reader can discount it.</summary>
public sealed record OpenLoopResult(double TargetRate, LoadResult Load, double SendLagP99Ms);

/// <summary>
/// Open-loop load at a constant rate, which wrk cannot do: request k is due at t0 + k / rate whether or not earlier
/// answers are in, and its latency runs from that due time to the last byte of the response. A slow answer
/// therefore also delays, in the measurement, the ones queued behind it, as it would for real users (no
/// coordinated omission).
/// On two cores the generator competes with the API for CPU, so it is kept as cheap as wrk: plain HTTP/1.1 over a
/// fixed set of keep-alive sockets, sending from the scheduler thread or the receiving one without queueing work
/// (HttpClient cost about five times wrk's CPU per request here, this about twice), and a scheduler thread that
/// wakes about once a millisecond rather than spinning.
/// Each latency thus includes up to ~1 ms of the generator's own lateness, reported as the send-lag p99.
/// </summary>
public static class OpenLoopLoad
{
    /// <summary>
    /// In-flight requests beyond this wait in the generator's queue, and the wait counts in their latency. At the
    /// rates run here (a few thousand per second, about a millisecond each) a handful are in flight.
    /// </summary>
    private const int Connections = 64;

    public static async Task<OpenLoopResult> RunAsync(Uri baseAddress, double rate, TimeSpan duration, int seed, CancellationToken ct)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var random = new Random(seed);
        var requests = new byte[count][];
        for (var k = 0; k < count; k++)
        {
            var (lon, lat) = CityDistribution.QueryPoint(random);
            requests[k] = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"GET /api/v1/facilities/nearby?lat={lat:F6}&lon={lon:F6}&limit=10 HTTP/1.1\r\nHost: {baseAddress.Authority}\r\n\r\n"));
        }

        var latencies = new double[count];
        var lags = new double[count];
        var run = new Run(requests, latencies);
        var endpoint = new IPEndPoint(IPAddress.Parse(baseAddress.Host), baseAddress.Port);
        var connections = new List<Connection>();
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(endpoint, ct);
                connections.Add(new Connection(socket, run));
            }
            foreach (var connection in connections)
            {
                // Each connection's receive loop ends, by design, with an exception it swallows when the socket closes.
                _ = connection.ReceiveAllAsync(ct);
                run.Idle.Push(connection);
            }

            // A dedicated thread, so that a busy thread pool cannot make the schedule itself late. It sends each due
            // request itself on an idle connection (a send to a local socket does not block); the answer is read by
            // that connection's pending receive, which then takes the next queued request if there is one.
            var scheduler = new Thread(() =>
            {
                var interval = 1.0 / rate;
                var next = 0;
                while (next < count && !ct.IsCancellationRequested)
                {
                    run.SendQueued();
                    var now = run.Clock.Elapsed.TotalSeconds;
                    while (next < count && next * interval <= now)
                    {
                        lags[next] = (now - next * interval) * 1000;
                        run.Submit(next, next * interval);
                        next++;
                    }
                    Thread.Sleep(1);
                }
                // Requests queued while every connection was busy, until the connections take them all.
                while (!run.Finished.Task.IsCompleted && !ct.IsCancellationRequested)
                {
                    run.SendQueued();
                    Thread.Sleep(1);
                }
            })
            { IsBackground = true, Name = "open-loop scheduler" };
            scheduler.Start();
            await run.Finished.Task.WaitAsync(duration + TimeSpan.FromSeconds(60), ct);
            var elapsed = run.Clock.Elapsed.TotalSeconds;
            scheduler.Join();

            Array.Sort(latencies);
            Array.Sort(lags);
            return new OpenLoopResult(
                rate,
                new LoadResult(count / elapsed, LoadResult.Percentile(latencies, 50), LoadResult.Percentile(latencies, 99), count, run.Failed),
                LoadResult.Percentile(lags, 99));
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    /// <summary>The state one run shares between the scheduler thread and the connections.</summary>
    private sealed class Run(byte[][] requests, double[] latencies)
    {
        private readonly ConcurrentQueue<(int K, double Due)> _queued = new();
        private int _completed;
        private int _failed;

        public Stopwatch Clock { get; } = Stopwatch.StartNew();

        public ConcurrentStack<Connection> Idle { get; } = new();

        public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Failed => Volatile.Read(ref _failed);

        public byte[] Request(int k) => requests[k];

        public void Submit(int k, double due)
        {
            if (Idle.TryPop(out var connection))
            {
                connection.Send(k, due);
            }
            else
            {
                _queued.Enqueue((k, due));
            }
        }

        public void SendQueued()
        {
            while (!_queued.IsEmpty && Idle.TryPop(out var connection))
            {
                if (_queued.TryDequeue(out var request))
                {
                    connection.Send(request.K, request.Due);
                }
                else
                {
                    Idle.Push(connection);
                }
            }
        }

        /// <summary>A connection has its answer: record it, then give the connection the next queued request or park it.</summary>
        public void Completed(Connection connection, int k, double due, bool success)
        {
            latencies[k] = (Clock.Elapsed.TotalSeconds - due) * 1000;
            if (!success)
            {
                Interlocked.Increment(ref _failed);
            }
            if (Interlocked.Increment(ref _completed) == latencies.Length)
            {
                Finished.TrySetResult();
            }
            if (_queued.TryDequeue(out var next))
            {
                connection.Send(next.K, next.Due);
            }
            else
            {
                Idle.Push(connection);
            }
        }

        public void Broken(int k, double due)
        {
            Interlocked.Increment(ref _failed);
            latencies[k] = (Clock.Elapsed.TotalSeconds - due) * 1000;
            if (Interlocked.Increment(ref _completed) == latencies.Length)
            {
                Finished.TrySetResult();
            }
        }
    }

    /// <summary>One keep-alive socket with at most one request in flight.</summary>
    private sealed class Connection(Socket socket, Run run) : IDisposable
    {
        private readonly HttpResponseReader _response = new(socket);
        private int _k;
        private double _due;

        public void Send(int k, double due)
        {
            _k = k;
            Volatile.Write(ref _due, due);
            try
            {
                socket.Send(run.Request(k));
            }
            catch (SocketException)
            {
                run.Broken(k, due);
            }
        }

        public async Task ReceiveAllAsync(CancellationToken ct)
        {
            try
            {
                while (true)
                {
                    var success = await _response.ReadAsync(ct);
                    var due = Volatile.Read(ref _due);
                    run.Completed(this, _k, due, success);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidDataException)
            {
                // The connection is gone (or the run is over): it never returns to the idle stack.
            }
        }

        public void Dispose() => socket.Dispose();
    }

    /// <summary>
    /// Reads one HTTP/1.1 response at a time off a keep-alive socket: the status line, the headers, then a body
    /// framed by Content-Length or chunked transfer encoding (what Kestrel uses for JSON written as it serialises).
    /// </summary>
    private sealed class HttpResponseReader(Socket socket)
    {
        private readonly byte[] _buffer = new byte[256 * 1024];
        private int _start;
        private int _end;

        /// <summary>True for a 2xx answer; throws when the connection closes mid-response.</summary>
        public async ValueTask<bool> ReadAsync(CancellationToken ct)
        {
            var statusLine = await ReadLineAsync(ct);
            var success = statusLine.Length >= 12 && statusLine.Span[9] == (byte)'2';
            long contentLength = -1;
            var chunked = false;
            while (true)
            {
                var header = await ReadLineAsync(ct);
                if (header.Length == 0)
                {
                    break;
                }
                var text = Encoding.ASCII.GetString(header.Span);
                if (text.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = long.Parse(text.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
                }
                else if (text.StartsWith("Transfer-Encoding:", StringComparison.OrdinalIgnoreCase) && text.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = true;
                }
            }
            if (!chunked)
            {
                await SkipAsync(Math.Max(0, contentLength), ct);
                return success;
            }
            while (true)
            {
                var sizeLine = await ReadLineAsync(ct);
                var hex = sizeLine.Span;
                var semicolon = hex.IndexOf((byte)';');
                if (semicolon >= 0)
                {
                    hex = hex[..semicolon];
                }
                if (!Utf8Parser.TryParse(hex, out long size, out _, 'X'))
                {
                    throw new InvalidDataException("Bad chunk size in the API's response.");
                }
                if (size == 0)
                {
                    // Trailers, if any, end with an empty line.
                    while ((await ReadLineAsync(ct)).Length > 0)
                    {
                    }
                    return success;
                }
                await SkipAsync(size + 2, ct);
            }
        }

        private async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(CancellationToken ct)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
                if (newline >= 0)
                {
                    var line = new ReadOnlyMemory<byte>(_buffer, _start, newline);
                    _start += newline + 2;
                    return line;
                }
                await FillAsync(ct);
            }
        }

        private async ValueTask SkipAsync(long bytes, CancellationToken ct)
        {
            while (bytes > 0)
            {
                if (_start == _end)
                {
                    await FillAsync(ct);
                }
                var take = (int)Math.Min(bytes, _end - _start);
                _start += take;
                bytes -= take;
            }
        }

        private async ValueTask FillAsync(CancellationToken ct)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                throw new InvalidDataException("A line of the API's response does not fit the buffer.");
            }
            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, ct);
            if (read == 0)
            {
                throw new IOException("The API closed the connection mid-response.");
            }
            _end += read;
        }
    }
}
