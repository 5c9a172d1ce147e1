using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Imports;
using Facilities.Api.Tests.Contributors;
using Facilities.Api.Tests.Partners;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Facilities.Api.Tests.Faults;

/// <summary>
/// Partners on slow links: an upload in progress holds no database connection, so while several partners' uploads
/// trickle in the rest of the API keeps its latency, and one partner cannot have more than its limit of uploads in
/// progress at once — the one past it is a 429 at once that stores nothing.
/// </summary>
public sealed class SlowUploadTests(OwnUploadDirectoryFixture fixture) : IClassFixture<OwnUploadDirectoryFixture>
{
    /// <summary>Partners uploading at once, each one upload past <see cref="ImportOptions.MaxConcurrentUploadsPerPartner"/>'s default of 2.</summary>
    private const int Partners = 3;
    private const int Limit = 2;

    [Fact]
    public async Task Slow_uploads_of_several_partners_neither_block_other_requests_nor_exceed_each_partners_limit()
    {
        var partners = new List<(PartnerClient Partner, Guid Dataset)>();
        for (var p = 0; p < Partners; p++)
        {
            var partner = await PartnerClient.CreateAsync(fixture, $"Slow link {p}");
            partners.Add((partner, await partner.CreateDatasetAsync(new
            {
                name = $"Slow {p}",
                license = "CC-BY-4.0",
                attribution = "test",
                category = "toilet",
                mapping = new JsonObject { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
            })));
        }
        try
        {
            await TrickleAsync(partners);
        }
        finally
        {
            foreach (var (partner, _) in partners)
            {
                partner.Dispose();
            }
        }
    }

    private async Task TrickleAsync(List<(PartnerClient Partner, Guid Dataset)> partners)
    {
        var seeded = await partners[0].Partner.ImportTextAsync(partners[0].Dataset, "seed.csv", "id,lon,lat,name\nseed,30.1,-20.1,Seed\n");
        Assert.Equal("succeeded", (string?)seeded["state"]);
        var facility = await PartnerClient.OnlyFacilityNearAsync(fixture.Client, -20.1, 30.1);
        var contributor = await Contributor.SignUpAsync(fixture);
        var proposals = 0;
        var requests = new (string What, Func<Task<HttpResponseMessage>> Send, HttpStatusCode Expected)[]
        {
            ("nearby", () => fixture.Client.GetAsync("/api/v1/facilities/nearby?lat=-20.1&lon=30.1&radius_m=1000"), HttpStatusCode.OK),
            ("bbox", () => fixture.Client.GetAsync("/api/v1/facilities?bbox=30,-20.2,30.2,-20"), HttpStatusCode.OK),
            ("get by id", () => fixture.Client.GetAsync($"/api/v1/facilities/{facility}"), HttpStatusCode.OK),
            ("health", () => fixture.Client.GetAsync("/healthz"), HttpStatusCode.OK),
            ("partner datasets", () => partners[0].Partner.Http.GetAsync("/api/v1/partner/datasets"), HttpStatusCode.OK),
            ("another partner's datasets", () => partners[1].Partner.Http.GetAsync("/api/v1/partner/datasets"), HttpStatusCode.OK),
            ("proposal", () => contributor.PostAsJsonAsync("/api/v1/proposals", new
            {
                kind = "create",
                location = new { lat = -20.15, lon = 30.15 },
                changes = new { category = "toilet", name = $"Beside the slow uploads {Interlocked.Increment(ref proposals)}" },
                comment = "Seen it",
            }), HttpStatusCode.Created),
        };
        // Compiled and prepared before anything is measured.
        await AnswerAsync(requests, TimeSpan.FromSeconds(30));

        var slow = new List<(TrickleContent Content, Task<HttpResponseMessage> Response)>();
        foreach (var (partner, dataset) in partners)
        {
            for (var i = 0; i < Limit; i++)
            {
                slow.Add(Upload(partner, dataset));
            }
        }
        // All of them are being written to disk: the server has taken them in and holds them open.
        for (var i = 0; i < 200 && PartialFiles() < slow.Count; i++)
        {
            await Task.Delay(50);
        }
        Assert.True(PartialFiles() == slow.Count, $"partial files: {PartialFiles()} of {slow.Count}; uploads: {string.Join(", ", slow.Select(u => u.Response.Status))}");

        // One more from each partner, as slow: refused at once, while the others go on trickling.
        var refused = partners.Select(p => Upload(p.Partner, p.Dataset)).ToList();
        foreach (var (content, response) in refused)
        {
            using var answer = await response.WaitAsync(TimeSpan.FromSeconds(10));
            await answer.IsProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.NotNull(answer.Headers.RetryAfter);
            content.Finish();
        }
        Assert.Equal(slow.Count, PartialFiles());

        for (var round = 0; round < 5; round++)
        {
            // Not a benchmark: a generous bound that only a request blocked behind the uploads would exceed.
            await AnswerAsync(requests, TimeSpan.FromSeconds(1));
        }
        Assert.All(slow, upload => Assert.False(upload.Response.IsCompleted, "an upload ended before it was told to"));

        foreach (var (content, _) in slow)
        {
            content.Finish();
        }
        foreach (var (_, upload) in slow)
        {
            using var response = await upload;
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        // The refused uploads left nothing: no import, no file; each partner has exactly the imports it was allowed.
        foreach (var (partner, dataset) in partners)
        {
            var expected = partner == partners[0].Partner ? Limit + 1 : Limit;
            Assert.Equal(expected, await Db.CountAsync(fixture.Database, $"select count(*) from imports where dataset_id = '{dataset}'"));
        }
        Assert.Equal(0, PartialFiles());
        var afterwards = await partners[0].Partner.UploadAsync(partners[0].Dataset, "after.csv", Encoding.UTF8.GetBytes("id,lon,lat,name\n1,30.1,-20.1,After\n"));
        Assert.Equal(HttpStatusCode.Accepted, afterwards.StatusCode);
    }

    /// <summary>Sends every request at once and asserts each answers as expected within the bound.</summary>
    private static async Task AnswerAsync((string What, Func<Task<HttpResponseMessage>> Send, HttpStatusCode Expected)[] requests, TimeSpan bound)
    {
        var answers = await Task.WhenAll(requests.Select(async request =>
        {
            var stopwatch = Stopwatch.StartNew();
            using var response = await request.Send();
            var body = await response.Content.ReadAsStringAsync();
            return (request.What, request.Expected, response.StatusCode, stopwatch.Elapsed, Body: body);
        }));
        foreach (var (what, expected, status, elapsed, body) in answers)
        {
            Assert.True(status == expected, $"{what} answered {(int)status} beside slow uploads: {body}");
            Assert.True(elapsed < bound, $"{what} took {elapsed.TotalMilliseconds:F0} ms beside slow uploads");
        }
    }

    /// <summary>A slow upload, without the test client's redirect handling, which buffers a request's whole body before sending it.</summary>
    private (TrickleContent Content, Task<HttpResponseMessage> Response) Upload(PartnerClient partner, Guid dataset)
    {
        var streaming = fixture.App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        foreach (var header in partner.Http.DefaultRequestHeaders)
        {
            streaming.DefaultRequestHeaders.Add(header.Key, header.Value);
        }
        var content = new TrickleContent();
        return (content, streaming.PostAsync($"/api/v1/partner/datasets/{dataset}/imports", content));
    }

    private int PartialFiles() => Directory.Exists(fixture.UploadDirectory) ? Directory.GetFiles(fixture.UploadDirectory, "*.partial").Length : 0;

    /// <summary>
    /// A multipart upload that sends its first bytes and then a row every 100 ms (about 300 bytes/s), as a client on a
    /// slow link does, until told to finish.
    /// </summary>
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
                await stream.WriteAsync(Encoding.UTF8.GetBytes($"{i},30.1,-20.1,Slow upload row {i:D6}\n"));
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
