using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Facilities.Testing;

namespace Facilities.Api.Tests.Operations;

/// <summary>The API behind a real Kestrel on a free port: the in-process test server does not run Kestrel's request parser.</summary>
public sealed class KestrelFixture : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private FacilitiesApp _app = null!;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        _app = new FacilitiesApp(_database);
        _app.UseKestrel(Port);
        _app.StartServer();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _database.DisposeAsync();
    }
}

/// <summary>
/// What Kestrel refuses itself, while it parses the request line and headers, before any middleware runs: a path whose
/// <c>%00</c> decodes to U+0000 (400), a request line over 8 KB (414), headers over 32 KB (431). Its answers are bare —
/// no body, <c>Connection: close</c> — and cannot be made problem details (docs/api.md, Conventions); these tests pin
/// them, so a change of Kestrel's limits or behaviour shows here and the documentation is corrected with it. What
/// Kestrel lets through reaches the API and is problem+json with a detail, as every other refusal.
/// </summary>
public sealed class KestrelLimitsTests(KestrelFixture fixture) : IClassFixture<KestrelFixture>
{
    [Fact]
    public async Task A_nul_in_the_path_is_kestrels_bare_400_before_the_api_sees_it()
    {
        var answer = await SendAsync("GET /api/v1/facilities/a%00b HTTP/1.1\r\nHost: localhost\r\n\r\n");
        AssertBare(answer, 400);
    }

    [Fact]
    public async Task A_request_line_over_8_kb_is_kestrels_bare_414()
    {
        var answer = await SendAsync($"GET /api/v1/facilities/nearby?lat=51.5&lon=-0.1&q={new string('a', 8 * 1024)} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        AssertBare(answer, 414);
    }

    [Fact]
    public async Task Headers_over_32_kb_are_kestrels_bare_431()
    {
        var answer = await SendAsync($"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: {new string('a', 33 * 1024)}\r\n\r\n");
        AssertBare(answer, 431);
    }

    [Fact]
    public async Task What_kestrel_lets_through_is_the_apis_problem_with_a_detail()
    {
        // A NUL in a query value (Kestrel does not decode the query) and a request line just under the limit.
        var nul = await SendAsync("GET /api/v1/facilities/nearby?lat=51.5&lon=-0.1&category=a%00b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        AssertProblem(nul, 400, "category");
        var path = $"/api/v1/facilities/{new string('a', 7 * 1024)}";
        var longLine = await SendAsync($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        Assert.True(longLine.Status is 400 or 404, longLine.Head);
        AssertProblem(longLine, longLine.Status, field: null);
    }

    private sealed record Answer(int Status, string Head, IReadOnlyDictionary<string, string> Headers, string Body);

    /// <summary>Writes the bytes as they are (no client would send them so) and reads the answer until the server closes.</summary>
    private async Task<Answer> SendAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, fixture.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var read = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(read, timeout.Token);
        var bytes = read.ToArray();
        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(end > 0, $"no complete answer: {Encoding.UTF8.GetString(bytes)}");
        var head = Encoding.ASCII.GetString(bytes, 0, end);
        var lines = head.Split("\r\n");
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = bytes.AsSpan(end + 4);
        var content = headers.GetValueOrDefault("Transfer-Encoding") == "chunked" ? Unchunked(body) : body.ToArray();
        return new Answer(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), head, headers, Encoding.UTF8.GetString(content));
    }

    /// <summary>A chunked body's content: each chunk is its size in hex, CRLF, the bytes, CRLF; size 0 ends it.</summary>
    private static byte[] Unchunked(ReadOnlySpan<byte> body)
    {
        var content = new List<byte>();
        while (true)
        {
            var lineEnd = body.IndexOf("\r\n"u8);
            var size = int.Parse(Encoding.ASCII.GetString(body[..lineEnd]), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
            if (size == 0)
            {
                return [.. content];
            }
            content.AddRange(body.Slice(lineEnd + 2, size));
            body = body[(lineEnd + 2 + size + 2)..];
        }
    }

    private static void AssertBare(Answer answer, int status)
    {
        Assert.True(answer.Status == status, answer.Head);
        Assert.Equal("0", answer.Headers.GetValueOrDefault("Content-Length"));
        Assert.Equal("close", answer.Headers.GetValueOrDefault("Connection"));
        Assert.Equal("", answer.Body);
    }

    private static void AssertProblem(Answer answer, int status, string? field)
    {
        Assert.True(answer.Status == status, answer.Head + "\n" + answer.Body);
        Assert.StartsWith("application/problem+json", answer.Headers.GetValueOrDefault("Content-Type"), StringComparison.Ordinal);
        var json = answer.Body;
        var problem = JsonDocument.Parse(json).RootElement;
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), json);
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), json);
        }
    }
}
