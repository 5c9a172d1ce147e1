using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Facilities.Api.Tests.Partners;
using Facilities.Api.Web;

namespace Facilities.Api.Tests.Contributors;

/// <summary>
/// The ids the table's requests name: real ones, so that on reaching a handler each request would be stored (the two
/// review resolutions excepted: making an ambiguous match takes an import of its own, and the check runs before any id
/// is looked up).
/// </summary>
public sealed class StorableTextFixture : ContributorsFixture
{
    /// <summary>Where the partner's one facility is, far from the ones <see cref="ContributorsFixture.CreateFacilityAsync"/> makes.</summary>
    private const double PartnerLat = -40.5;
    private const double PartnerLon = -70.5;

    private Task<Targets>? _targets;

    public sealed record Targets(Guid User, Guid Facility, Guid Proposal, Guid Partner, Guid Dataset, string PartnerKey, Guid PartnerFacility,
        long Report, Guid Photo, string Open311Key);

    /// <summary>A small JPEG, the photo rows' file.</summary>
    public byte[] Jpeg { get; } = PhotoFiles.Jpeg(64, 48);

    public Task<Targets> TargetsAsync() => _targets ??= MakeAsync();

    private async Task<Targets> MakeAsync()
    {
        var user = await RegisterAsync();
        var facility = await CreateFacilityAsync();
        var pending = await ProposeAsync(user, new { kind = "update", facility_id = facility, changes = new { name = "Renamed" }, comment = "New sign" });
        var made = await PostAsync(Admin, "/api/v1/admin/partners", new { name = "Borough of Tests" });
        var key = made.GetProperty("api_key").GetString()!;
        var partnerClient = App.CreateClient();
        partnerClient.DefaultRequestHeaders.Add(PartnerApiKeys.HeaderName, key);
        using var partner = new PartnerClient(partnerClient, made.GetProperty("id").GetGuid());
        var dataset = await partner.CreateDatasetAsync(new
        {
            name = "Toilets",
            license = "CC0-1.0",
            attribution = "Borough",
            category = "toilet",
            mapping = new Dictionary<string, string> { ["id"] = "id", ["lon"] = "lon", ["lat"] = "lat", ["name"] = "name" },
        });
        var import = await partner.ImportTextAsync(dataset, "toilets.csv",
            FormattableString.Invariant($"id,lon,lat,name\nt1,{PartnerLon},{PartnerLat},Harbour toilets\n"));
        Assert.Equal("succeeded", (string?)import["state"]);
        var partnerFacility = await PartnerClient.OnlyFacilityNearAsync(Anonymous, PartnerLat, PartnerLon);
        var report = await PostAsync(Admin, $"/api/v1/facilities/{partnerFacility}/reports", new { reason = "dirty" });

        var file = new ByteArrayContent(Jpeg);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        using var upload = await Admin.Client.PostAsync($"/api/v1/facilities/{facility}/photos", new MultipartFormDataContent { { file, "file", "loo.jpg" } });
        var photo = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(upload.StatusCode == HttpStatusCode.Created, photo.ToString());

        var app = await PostAsync(Admin, "/api/v1/admin/open311-apps", new { name = "FixMyToilet" });
        return new Targets(user.Id, facility, pending.GetProperty("id").GetGuid(), partner.PartnerId, dataset, key, partnerFacility,
            report.GetProperty("id").GetInt64(), photo.GetProperty("id").GetGuid(), app.GetProperty("api_key").GetString()!);
    }
}

/// <summary>
/// U+0000, an unpaired surrogate and invalid UTF-8, in every string field the API stores — in JSON bodies, query
/// values, url-encoded forms and the text parts and file names of multipart bodies — are a 400 naming the field, never
/// the 500 that PostgreSQL's refusal of the text (22021) or the missing UTF-8 form of the string became.
/// </summary>
public sealed class StorableTextTests(StorableTextFixture fixture) : IClassFixture<StorableTextFixture>
{
    public enum Caller { Anonymous, Admin, Partner }

    /// <summary>How the request carries its strings.</summary>
    public enum Shape
    {
        /// <summary>A JSON body; BAD becomes a JSON escape (<c>\u0000</c>, <c>\ud800</c>) or, for invalid UTF-8, a raw 0xFF byte.</summary>
        Json,

        /// <summary>No body: BAD is in the query, percent-encoded.</summary>
        Query,

        /// <summary>application/x-www-form-urlencoded: BAD becomes <c>%00</c>, <c>%ED%A0%80</c> (a surrogate in CESU-8) or <c>%FF</c>.</summary>
        Form,

        /// <summary>
        /// multipart/form-data, written as <c>name=value&amp;…</c>: a name <c>file@x.csv</c> is a file part with that file name,
        /// <c>file@*x.csv</c> the same as RFC 5987's <c>filename*</c>; BAD is the raw bytes, JSONBAD a JSON escape.
        /// </summary>
        Multipart,
    }

    private const string Nul = "NUL";
    private const string Surrogate = "lone surrogate";
    private const string InvalidUtf8 = "invalid UTF-8";
    private static readonly string[] AllKinds = [Nul, Surrogate, InvalidUtf8];

    /// <summary>One request carrying one bad string: where it goes, as whom, the body with BAD where the bad text goes, and the field errors must name.</summary>
    private sealed record Row(string Method, string Path, Caller Caller, Shape Shape, string Body, string Field, string[]? Kinds = null);

    private const string Open311Form = "api_key={open311_key}&service_code=dirty&attribute[facility_id]={partner_facility}&description=No+paper" +
                                       "&email=resident@example.org&first_name=Ada&last_name=Byron";

    private const string Definition = """{"name":"Draft","license":"CC0-1.0","attribution":"Borough","category":"toilet","mapping":{"id":"id","lon":"lon","lat":"lat","name":"name"}}""";

    private static readonly Row[] Fields =
    [
        // Accounts and moderation.
        new("POST", "/api/v1/auth/register", Caller.Anonymous, Shape.Json, """{"email":"aBAD@facilities.test","password":"a long enough password"}""", "email"),
        new("POST", "/api/v1/auth/register", Caller.Anonymous, Shape.Json, """{"email":"a@facilities.test","password":"a long enough password","name":"AnnBAD"}""", "name"),
        new("POST", "/api/v1/auth/register", Caller.Anonymous, Shape.Json, """{"email":"b@facilities.test","password":"a long enough passwordBAD"}""", "password"),
        new("POST", "/api/v1/auth/login", Caller.Anonymous, Shape.Json, """{"email":"aBAD@facilities.test","password":"whatever it is"}""", "email"),
        new("POST", "/api/v1/auth/refresh", Caller.Anonymous, Shape.Json, """{"refresh_token":"CfDJ8BAD"}""", "refresh_token"),
        new("POST", "/api/v1/admin/partners", Caller.Admin, Shape.Json, """{"name":"BoroughBAD"}""", "name"),
        new("POST", "/api/v1/admin/open311-apps", Caller.Admin, Shape.Json, """{"name":"FixMyToiletBAD"}""", "name"),
        new("PUT", "/api/v1/admin/users/{user}/roles", Caller.Admin, Shape.Json, """{"roles":["moderator","adminBAD"]}""", "roles[1]"),
        new("POST", "/api/v1/users/{user}/block", Caller.Admin, Shape.Json, """{"reason":"spamBAD"}""", "reason"),
        new("POST", "/api/v1/facilities/{facility}/revert", Caller.Admin, Shape.Json, """{"to_version":1,"reason":"vandalBAD"}""", "reason"),
        new("POST", "/api/v1/reviews/{review}/resolve", Caller.Admin, Shape.Json, """{"action":"dismiss","comment":"not the sameBAD"}""", "comment"),

        // Proposals, votes, confirmations and reports.
        new("POST", "/api/v1/proposals", Caller.Admin, Shape.Json,
            """{"kind":"create","location":{"lat":51.2,"lon":-0.3},"changes":{"category":"toilet","name":"LooBAD"},"comment":"Seen it"}""", "changes.name"),
        new("POST", "/api/v1/proposals", Caller.Admin, Shape.Json,
            """{"kind":"update","facility_id":"{facility}","changes":{"opening_hours":"Mo-Fr 08:00-18:00BAD"},"comment":"Sign"}""", "changes.opening_hours"),
        new("POST", "/api/v1/proposals", Caller.Admin, Shape.Json,
            """{"kind":"update","facility_id":"{facility}","changes":{"name":"Loo"},"comment":"Seen itBAD"}""", "comment"),
        new("POST", "/api/v1/proposals/{proposal}/votes", Caller.Admin, Shape.Json, """{"vote":"up","comment":"trueBAD"}""", "comment"),
        new("POST", "/api/v1/facilities/{facility}/confirmations", Caller.Admin, Shape.Json, """{"comment":"still hereBAD"}""", "comment"),
        new("POST", "/api/v1/facilities/{facility}/reports", Caller.Admin, Shape.Json, """{"reason":"closed","comment":"boarded upBAD"}""", "comment"),

        // Photos: the upload's file name and any text part beside the file, reports on a photo, moderators' notes.
        new("POST", "/api/v1/facilities/{facility}/photos", Caller.Admin, Shape.Multipart, "file@looBAD.jpg={jpeg}", "file.filename"),
        new("POST", "/api/v1/facilities/{facility}/photos", Caller.Admin, Shape.Multipart, "caption=The door on the leftBAD&file@loo.jpg={jpeg}", "caption"),
        new("POST", "/api/v1/photos/{photo}/reports", Caller.Admin, Shape.Json, """{"reason":"offensiveBAD"}""", "reason"),
        new("POST", "/api/v1/photos/{photo}/reports", Caller.Admin, Shape.Json, """{"reason":"personal_data","comment":"a faceBAD"}""", "comment"),
        new("POST", "/api/v1/photos/{photo}/hide", Caller.Admin, Shape.Json, """{"note":"reportedBAD"}""", "note"),
        new("POST", "/api/v1/photos/{photo}/approve", Caller.Admin, Shape.Json, """{"note":"fineBAD"}""", "note"),
        new("GET", "/api/v1/photos?state=pendingBAD", Caller.Admin, Shape.Query, "", "state"),

        // Partners: datasets, uploads (file names, a draft's definition part), answers to reports, reviews.
        new("POST", "/api/v1/partner/datasets", Caller.Partner, Shape.Json, """{"name":"ToiletsBAD","license":"CC0-1.0","attribution":"Borough"}""", "name"),
        new("POST", "/api/v1/partner/datasets", Caller.Partner, Shape.Json, """{"name":"Toilets","license":"CC0-1.0BAD","attribution":"Borough"}""", "license"),
        new("POST", "/api/v1/partner/datasets", Caller.Partner, Shape.Json,
            """{"name":"Toilets","license":"CC0-1.0","attribution":"Borough","mapping":{"name":"titleBAD"}}""", "mapping.name"),
        new("POST", "/api/v1/partner/datasets", Caller.Partner, Shape.Json,
            """{"name":"Toilets","license":"CC0-1.0","attribution":"Borough","owned_attributes":["nameBAD"]}""", "owned_attributes[0]"),
        new("PATCH", "/api/v1/partner/datasets/{dataset}", Caller.Partner, Shape.Json, """{"attribution":"BoroughBAD"}""", "attribution"),
        new("POST", "/api/v1/partner/datasets/{dataset}/imports", Caller.Partner, Shape.Multipart, "file@toiletsBAD.csv={csv}", "file.filename"),
        new("POST", "/api/v1/partner/datasets/{dataset}/imports", Caller.Partner, Shape.Multipart, "file@*toiletsBAD.csv={csv}", "file.filename", [Nul]),
        new("POST", "/api/v1/partner/imports", Caller.Partner, Shape.Multipart, "definition=" + Definition.Replace("Draft", "DraftJSONBAD", StringComparison.Ordinal) +
            "&file@draft.csv={csv}", "definition.name", [Nul, Surrogate]),
        new("POST", "/api/v1/partner/imports", Caller.Partner, Shape.Multipart, "definition=" + Definition.Replace("Draft", "DraftBAD", StringComparison.Ordinal) +
            "&file@draft.csv={csv}", "definition"),
        new("POST", "/api/v1/partner/imports", Caller.Partner, Shape.Multipart, "definition=" + Definition + "&file@draftBAD.csv={csv}", "file.filename"),
        new("PUT", "/api/v1/partner/reports/{report}/response", Caller.Partner, Shape.Json, """{"status":"fixedBAD"}""", "status"),
        new("PUT", "/api/v1/partner/reports/{report}/response", Caller.Partner, Shape.Json, """{"status":"fixed","notes":"New paperBAD"}""", "notes"),
        new("POST", "/api/v1/partner/reviews/{review}/resolve", Caller.Partner, Shape.Json, """{"decision":"different_facilityBAD"}""", "decision"),

        // Open311: a third-party app's form, url-encoded or multipart, and the api_key in the query.
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("No+paper", "No+paperBAD", StringComparison.Ordinal), "description"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("resident@", "residentBAD@", StringComparison.Ordinal), "email"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("Ada", "AdaBAD", StringComparison.Ordinal), "first_name"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("Byron", "ByronBAD", StringComparison.Ordinal), "last_name"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("=dirty", "=dirtyBAD", StringComparison.Ordinal), "service_code"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("{open311_key}", "{open311_key}BAD", StringComparison.Ordinal), "api_key"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form,
            Open311Form.Replace("{partner_facility}", "{partner_facility}BAD", StringComparison.Ordinal), "attribute[facility_id]"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Form, Open311Form.Replace("&email=", "&emaBADil=", StringComparison.Ordinal), "parameter name"),
        new("POST", "/open311/v2/requests.xml", Caller.Anonymous, Shape.Form, "api_key={open311_key}&service_code=dirty&lat=-40.5BAD&long=-70.5", "lat"),
        new("POST", "/open311/v2/requests.json", Caller.Anonymous, Shape.Multipart, Open311Form.Replace("No+paper", "No paperBAD", StringComparison.Ordinal), "description"),
        new("POST", "/open311/v2/requests.json?api_key=BAD", Caller.Anonymous, Shape.Form, "service_code=dirty&attribute[facility_id]={partner_facility}", "api_key"),

        // Query values, which reads pass to SQL.
        new("GET", "/api/v1/facilities/nearby?lat=51.5&lon=-0.1&category=toiletBAD", Caller.Anonymous, Shape.Query, "", "category"),
        new("GET", "/api/v1/changes?since=BAD", Caller.Anonymous, Shape.Query, "", "since"),
        new("GET", "/api/v1/search?q=HarbourBAD", Caller.Anonymous, Shape.Query, "", "q"),
        new("GET", "/open311/v2/requests.json?jurisdiction_id={partner}&service_code=dirtyBAD", Caller.Anonymous, Shape.Query, "", "service_code"),
        new("GET", "/ogc/collections/toilet/items?filter=name%3D%27LooBAD%27", Caller.Anonymous, Shape.Query, "", "filter"),
    ];

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        for (var row = 0; row < Fields.Length; row++)
        {
            foreach (var kind in Fields[row].Kinds ?? AllKinds)
            {
                data.Add(row, kind);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_text_in_a_stored_field_is_a_400_naming_the_field(int row, string kind)
    {
        var (method, path, caller, shape, body, field, _) = Fields[row];
        var targets = await fixture.TargetsAsync();
        string Fill(string text) => text.Replace("{user}", targets.User.ToString(), StringComparison.Ordinal)
            .Replace("{facility}", targets.Facility.ToString(), StringComparison.Ordinal)
            .Replace("{proposal}", targets.Proposal.ToString(), StringComparison.Ordinal)
            .Replace("{partner}", targets.Partner.ToString(), StringComparison.Ordinal)
            .Replace("{dataset}", targets.Dataset.ToString(), StringComparison.Ordinal)
            .Replace("{partner_facility}", targets.PartnerFacility.ToString(), StringComparison.Ordinal)
            .Replace("{report}", targets.Report.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{photo}", targets.Photo.ToString(), StringComparison.Ordinal)
            .Replace("{review}", Guid.NewGuid().ToString(), StringComparison.Ordinal)
            .Replace("{open311_key}", targets.Open311Key, StringComparison.Ordinal);
        var inQuery = path.Contains("BAD", StringComparison.Ordinal);
        path = Fill(path).Replace("BAD", PercentEncoded(kind), StringComparison.Ordinal);
        body = Fill(body);

        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = shape switch
            {
                Shape.Json => Content(Encode(body, JsonText(kind)), "application/json"),
                Shape.Form => Content(Encode(body, Encoding.ASCII.GetBytes(PercentEncoded(kind))), "application/x-www-form-urlencoded"),
                Shape.Multipart => Multipart(body, kind),
                _ => null,
            },
        };
        var client = caller switch
        {
            Caller.Admin => fixture.Admin.Client,
            Caller.Partner => fixture.App.CreateClient(),
            _ => fixture.Anonymous,
        };
        if (caller == Caller.Partner)
        {
            request.Headers.Add(PartnerApiKeys.HeaderName, targets.PartnerKey);
        }
        using var response = await client.SendAsync(request);
        var what = $"{method} {path} {body} with {kind}";
        if (inQuery && kind != Nul)
        {
            // The query's percent-decoder turns bytes that are not UTF-8 into U+FFFD, which is storable: a plain refusal or answer.
            Assert.True((int)response.StatusCode < 500, $"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            return;
        }
        await AssertNamesAsync(response, field, what);
    }

    [Theory]
    [InlineData("utf-7", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("no-such-charset", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("latin1", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("utf8", HttpStatusCode.Unauthorized)]
    [InlineData("\"UTF-8\"", HttpStatusCode.Unauthorized)]
    public async Task A_json_or_form_body_is_read_as_utf8_and_another_charset_is_a_415(string charset, HttpStatusCode status)
    {
        var json = new ByteArrayContent("""{"email":"nobody@facilities.test","password":"not the password"}"""u8.ToArray());
        json.Headers.TryAddWithoutValidation("Content-Type", $"application/json; charset={charset}");
        using var login = await fixture.Anonymous.PostAsync("/api/v1/auth/login", json);
        await AssertCharsetAnswerAsync(login, status);

        // An Open311 filing with an unknown app key: a 403 when the form is read.
        var form = new ByteArrayContent("api_key=fac_unknown&service_code=dirty"u8.ToArray());
        form.Headers.TryAddWithoutValidation("Content-Type", $"application/x-www-form-urlencoded; charset={charset}");
        using var filing = await fixture.Anonymous.PostAsync("/open311/v2/requests.json", form);
        await AssertCharsetAnswerAsync(filing, status == HttpStatusCode.Unauthorized ? HttpStatusCode.Forbidden : status);
    }

    private static async Task AssertCharsetAnswerAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var problem = await response.IsProblemAsync(status);
        if (status == HttpStatusCode.UnsupportedMediaType)
        {
            Assert.Contains("must be UTF-8", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    private static string PercentEncoded(string kind) => kind switch
    {
        Nul => "%00",
        Surrogate => "%ED%A0%80",
        _ => "%FF",
    };

    private static byte[] JsonText(string kind) => kind switch
    {
        Nul => "\\u0000"u8.ToArray(),
        Surrogate => "\\ud800"u8.ToArray(),
        _ => [0xFF],
    };

    private static byte[] RawBytes(string kind) => kind switch
    {
        Nul => [0x00],
        Surrogate => [0xED, 0xA0, 0x80],
        _ => [0xFF],
    };

    /// <summary>The text as UTF-8 with each BAD replaced by the given bytes.</summary>
    private static byte[] Encode(string text, byte[] bad)
    {
        var bytes = new List<byte>();
        var pieces = text.Split("BAD");
        for (var i = 0; i < pieces.Length; i++)
        {
            if (i > 0)
            {
                bytes.AddRange(bad);
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(pieces[i]));
        }
        return [.. bytes];
    }

    private static ByteArrayContent Content(byte[] bytes, string mediaType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>A multipart body written byte by byte, since the bad text must reach the server as it is.</summary>
    private ByteArrayContent Multipart(string parts, string kind)
    {
        const string boundary = "storable-text-boundary";
        byte[] Text(string text) => Encode(text.Replace("JSONBAD", Encoding.ASCII.GetString(JsonText(kind)), StringComparison.Ordinal), RawBytes(kind));
        var body = new List<byte>();
        foreach (var part in parts.Split('&'))
        {
            var (name, value) = (part[..part.IndexOf('=', StringComparison.Ordinal)], part[(part.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            body.AddRange(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\""));
            if (name.Split('@') is [var partName, var fileName])
            {
                body.AddRange(Encoding.ASCII.GetBytes(partName + "\"; "));
                body.AddRange(fileName.StartsWith('*')
                    ? Encoding.ASCII.GetBytes("filename*=UTF-8''" + fileName[1..].Replace("BAD", PercentEncoded(kind), StringComparison.Ordinal))
                    : [.. Encoding.ASCII.GetBytes("filename=\""), .. Text(fileName), (byte)'"']);
                body.AddRange(Encoding.ASCII.GetBytes($"\r\nContent-Type: {(fileName.EndsWith(".jpg", StringComparison.Ordinal) ? "image/jpeg" : "text/csv")}"));
            }
            else
            {
                body.AddRange(Text(name));
                body.Add((byte)'"');
            }
            body.AddRange("\r\n\r\n"u8.ToArray());
            body.AddRange(value switch
            {
                "{jpeg}" => fixture.Jpeg,
                "{csv}" => "id,lon,lat,name\nd1,-71.5,-41.5,Draft toilets\n"u8.ToArray(),
                _ => Text(value),
            });
            body.AddRange("\r\n"u8.ToArray());
        }
        body.AddRange(Encoding.ASCII.GetBytes($"--{boundary}--\r\n"));
        var content = new ByteArrayContent([.. body]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return content;
    }

    private static async Task AssertNamesAsync(HttpResponseMessage response, string field, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{what}: errors should name '{field}': {text}");
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }
}
