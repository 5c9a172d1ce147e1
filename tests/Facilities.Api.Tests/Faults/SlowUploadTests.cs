using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Tests.Partners;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Facilities.Api.Tests.Faults;

/// <summary>
/// Partners on slow links: an upload in progress holds no database connection, so the rest of the API keeps its
/// latency, and one partner cannot have more than its limit of uploads in progress at once.
/// </summary>
public sealed class SlowUploadTests(OwnUploadDirectoryFixture fixture) : IClassFixture<OwnUploadDirectoryFixture>
{
    [Fact]
    public async Task Slow_uploads_neither_block_other_requests_nor_exceed_the_partners_limit()
    {
        using var partner = await PartnerClient.CreateAsync(fixture, "Slow link");
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Slow",
            license = "CC-BY-4.0",
            attribution = "test",
            category = "toilet",
            mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        using var other = await PartnerClient.CreateAsync(fixture, "Other partner");
        var url = $"/api/v1/partner/datasets/{dataset}/imports";
        var requests = new[]
        {
            (fixture.Client, "/api/v1/facilities/nearby?lat=-20.1&lon=30.1&radius_m=1000"),
            (fixture.Client, "/api/v1/facilities?bbox=30,-20.2,30.2,-20"),
            (fixture.Client, "/healthz"),
            (partner.Http, "/api/v1/partner/datasets"),
            (other.Http, "/api/v1/partner/datasets"),
        };
        foreach (var (client, path) in requests)
        {
            // Compiled and prepared before anything is measured.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(path)).StatusCode);
        }

        // Without the test client's redirect handling, which buffers a request's whole body before sending it.
        using var streaming = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        foreach (var header in partner.Http.DefaultRequestHeaders)
        {
            streaming.DefaultRequestHeaders.Add(header.Key, header.Value);
        }
        var slow = Enumerable.Range(0, 2).Select(_ => new TrickleContent()).ToList();
        var uploads = slow.Select(content => streaming.PostAsync(url, content)).ToList();
        // Both are being written to disk: the server has taken them in and holds them open.
        for (var i = 0; i < 200 && PartialFiles() < 2; i++)
        {
            await Task.Delay(50);
        }
        Assert.True(PartialFiles() == 2, $"partial files: {PartialFiles()}; uploads: {string.Join(", ", uploads.Select(u => u.Status))}; " +
                                        string.Join(", ", Directory.Exists(fixture.UploadDirectory) ? Directory.GetFiles(fixture.UploadDirectory) : ["no directory"]) +
                                        string.Join(", ", uploads.Where(u => u.IsCompleted).Select(u => u.Result.Content.ReadAsStringAsync().Result)));

        // A third from the same partner is refused at once; nothing else waits.
        var third = await partner.UploadAsync(dataset, "third.csv", Encoding.UTF8.GetBytes("id,lon,lat,name\n1,30.1,-20.1,Third\n"));
        await third.IsProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(third.Headers.RetryAfter);

        foreach (var (client, path) in requests)
        {
            for (var round = 0; round < 5; round++)
            {
                var stopwatch = Stopwatch.StartNew();
                using var response = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                // Not a benchmark: a generous bound that only a request blocked behind the uploads would exceed.
                Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(1), $"{path} took {stopwatch.ElapsedMilliseconds} ms beside slow uploads");
            }
        }

        foreach (var content in slow)
        {
            content.Finish();
        }
        foreach (var upload in uploads)
        {
            using var response = await upload;
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var afterwards = await partner.UploadAsync(dataset, "after.csv", Encoding.UTF8.GetBytes("id,lon,lat,name\n1,30.1,-20.1,After\n"));
        Assert.Equal(HttpStatusCode.Accepted, afterwards.StatusCode);
    }

    private int PartialFiles() => Directory.Exists(fixture.UploadDirectory) ? Directory.GetFiles(fixture.UploadDirectory, "*.partial").Length : 0;

    /// <summary>A multipart upload that sends its first bytes and then waits, as a client on a slow link does, until told to finish.</summary>
    private sealed class TrickleContent : HttpContent
    {
        private const string Boundary = "trickle";
        private readonly TaskCompletionSource _finish = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TrickleContent() => Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");

        public void Finish() => _finish.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(
                $"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.csv\"\r\nContent-Type: text/csv\r\n\r\nid,lon,lat,name\n"));
            await stream.FlushAsync();
            for (var i = 0; !_finish.Task.IsCompleted; i++)
            {
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"{i},30.1,-20.1,Slow {i}\n"));
                await stream.FlushAsync();
                await Task.WhenAny(_finish.Task, Task.Delay(100));
            }
            await stream.WriteAsync(Encoding.UTF8.GetBytes($"\r\n--{Boundary}--\r\n"));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
