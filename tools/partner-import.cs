// Imports partner datasets into a running Facilities service through its public API, as partners would: an admin
// signs in and makes each partner (POST /api/v1/admin/partners, which shows its API key once); each partner creates
// its datasets and uploads their files, and the imports run to their end. Prints each import's report.
//
//     dotnet run tools/partner-import.cs -- <base-url> <manifest.json>
//
// FACILITIES_ADMIN_EMAIL and FACILITIES_ADMIN_PASSWORD name the admin (./run.sh --demo london sets both). The
// manifest (data-seed/london/datasets.json is one) lists partners by name, each with datasets: the body of
// POST /api/v1/partner/datasets and the file to upload, relative to the manifest's "files" folder.
//
// Exit codes: 0 every import succeeded, 1 usage, 2 the service refused a request, 3 an import failed.
//
// File-based apps default to native AOT, whose compiler packages restore would download; this one is only ever run,
// so it opts out and builds offline.

#:property PublishAot=false

using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

if (args.Length != 2 || Environment.GetEnvironmentVariable("FACILITIES_ADMIN_EMAIL") is not { Length: > 0 } email
    || Environment.GetEnvironmentVariable("FACILITIES_ADMIN_PASSWORD") is not { Length: > 0 } password)
{
    Console.Error.WriteLine("usage: FACILITIES_ADMIN_EMAIL=... FACILITIES_ADMIN_PASSWORD=... dotnet run tools/partner-import.cs -- <base-url> <manifest.json>");
    return 1;
}
var manifestPath = Path.GetFullPath(args[1]);
var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
var files = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(manifestPath)!, (string)manifest["files"]!));
using var http = new HttpClient { BaseAddress = new Uri(args[0].TrimEnd('/') + "/") };

try
{
    var login = await SendAsync(http, HttpMethod.Post, "api/v1/auth/login", Json(new JsonObject { ["email"] = email, ["password"] = password }));
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string)login["access_token"]!);
    var failed = 0;
    foreach (var partner in manifest["partners"]!.AsArray())
    {
        var made = await SendAsync(http, HttpMethod.Post, "api/v1/admin/partners", Json(new JsonObject { ["name"] = (string)partner!["name"]! }));
        using var partnerHttp = new HttpClient { BaseAddress = http.BaseAddress };
        partnerHttp.DefaultRequestHeaders.Add("X-Api-Key", (string)made["api_key"]!);
        foreach (var entry in partner["datasets"]!.AsArray())
        {
            var dataset = await SendAsync(partnerHttp, HttpMethod.Post, "api/v1/partner/datasets", Json(entry!["dataset"]!.DeepClone()));
            var file = Path.Combine(files, (string)entry["file"]!);
            using var form = new MultipartFormDataContent();
            var content = new ByteArrayContent(await File.ReadAllBytesAsync(file));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(content, "file", Path.GetFileName(file));
            using var upload = await partnerHttp.PostAsync($"api/v1/partner/datasets/{(string)dataset["id"]!}/imports", form);
            if (!upload.IsSuccessStatusCode)
            {
                throw new HttpRequestException($"upload of {file}: {(int)upload.StatusCode} {await upload.Content.ReadAsStringAsync()}");
            }
            var import = await WaitAsync(partnerHttp, upload.Headers.Location!);
            var report = import["report"];
            Console.WriteLine($"{(string)partner["name"]!} / {(string)entry["dataset"]!["name"]!}: {(string?)import["state"]}" +
                              $" — read {report?["rows_read"]}, created {report?["created"]}, merged {report?["merged"]}," +
                              $" in review {report?["needing_review"]}, rejected {report?["rejected_count"]}{(import["error"] is { } error ? $"; {error}" : "")}");
            failed += (string?)import["state"] == "succeeded" ? 0 : 1;
        }
    }
    return failed == 0 ? 0 : 3;
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

static async Task<JsonNode> SendAsync(HttpClient client, HttpMethod method, string path, HttpContent body)
{
    using var request = new HttpRequestMessage(method, path) { Content = body };
    using var response = await client.SendAsync(request);
    var text = await response.Content.ReadAsStringAsync();
    return response.IsSuccessStatusCode
        ? JsonNode.Parse(text)!
        : throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {text}");
}

// An import runs in the background; its state says when it has finished.
static async Task<JsonNode> WaitAsync(HttpClient client, Uri location)
{
    while (true)
    {
        var import = JsonNode.Parse(await client.GetStringAsync(location))!;
        if ((string?)import["state"] is "succeeded" or "failed")
        {
            return import;
        }
        await Task.Delay(200);
    }
}
