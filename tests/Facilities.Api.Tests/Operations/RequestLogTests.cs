using System.Collections.Concurrent;
using System.Net;
using Facilities.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Facilities.Api.Tests.Operations;

/// <summary>One log line per request with its route, status and trace id, never the query (residents' positions).</summary>
public sealed class RequestLogTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private sealed class Capture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(Capture capture, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (category == "Facilities.Requests")
                {
                    capture.Lines.Enqueue(formatter(state, exception));
                }
            }
        }
    }

    [Fact]
    public async Task A_request_is_logged_with_its_route_status_and_trace_id_but_not_its_query()
    {
        var capture = new Capture();
        await using var inner = new FacilitiesApp(_database);
        await using var app = inner.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(capture)));
        using var client = app.CreateClient();
        using var response = await client.GetAsync("/api/v1/facilities/nearby?lat=51.5012&lon=-0.1234");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz/live")).StatusCode);

        var line = Assert.Single(capture.Lines, l => l.Contains("/api/v1/facilities/nearby", StringComparison.Ordinal));
        Assert.Matches(@"^GET /api/v1/facilities/nearby answered 200 in [0-9.]+ ms \(trace [0-9a-f]{32}\)$", line);
        Assert.DoesNotContain("51.5012", string.Concat(capture.Lines));
        Assert.DoesNotContain(capture.Lines, l => l.Contains("/healthz", StringComparison.Ordinal));
    }
}
