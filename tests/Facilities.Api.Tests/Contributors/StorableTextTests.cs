using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Facilities.Api.Web;

namespace Facilities.Api.Tests.Contributors;

/// <summary>The ids the table's requests name: real ones, so that on reaching a handler each request would be stored.</summary>
public sealed class StorableTextFixture : ContributorsFixture
{
    private Task<Targets>? _targets;

    public sealed record Targets(Guid User, Guid Facility, Guid Proposal, Guid Dataset, string PartnerKey);

    public Task<Targets> TargetsAsync() => _targets ??= MakeAsync();

    private async Task<Targets> MakeAsync()
    {
        var user = await RegisterAsync();
        var facility = await CreateFacilityAsync();
        var pending = await ProposeAsync(user, new { kind = "update", facility_id = facility, changes = new { name = "Renamed" }, comment = "New sign" });
        var partner = await PostAsync(Admin, "/api/v1/admin/partners", new { name = "Borough of Tests" });
        var key = partner.GetProperty("api_key").GetString()!;
        using var partnerClient = App.CreateClient();
        partnerClient.DefaultRequestHeaders.Add(PartnerApiKeys.HeaderName, key);
        using var created = await partnerClient.PostAsJsonAsync("/api/v1/partner/datasets",
            new { name = "Toilets", license = "CC0-1.0", attribution = "Borough", preset = "au_nptm" });
        var dataset = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        return new Targets(user.Id, facility, pending.GetProperty("id").GetGuid(), dataset, key);
    }
}

/// <summary>
/// U+0000 and an unpaired surrogate, in every string field the API stores, are a 400 naming the field — never the
/// 500 that PostgreSQL's refusal of the text (22021) or the missing UTF-8 form of the string became.
/// </summary>
public sealed class StorableTextTests(StorableTextFixture fixture) : IClassFixture<StorableTextFixture>
{
    public enum Caller { Anonymous, Admin, Partner }

    /// <summary>Method, path, caller, JSON body with BAD where the bad text goes, and the field errors must name.</summary>
    private static readonly (string Method, string Path, Caller Caller, string Body, string Field)[] Fields =
    [
        ("POST", "/api/v1/auth/register", Caller.Anonymous, """{"email":"aBAD@facilities.test","password":"a long enough password"}""", "email"),
        ("POST", "/api/v1/auth/register", Caller.Anonymous, """{"email":"a@facilities.test","password":"a long enough password","name":"AnnBAD"}""", "name"),
        ("POST", "/api/v1/auth/register", Caller.Anonymous, """{"email":"b@facilities.test","password":"a long enough passwordBAD"}""", "password"),
        ("POST", "/api/v1/auth/login", Caller.Anonymous, """{"email":"aBAD@facilities.test","password":"whatever it is"}""", "email"),
        ("POST", "/api/v1/auth/refresh", Caller.Anonymous, """{"refresh_token":"CfDJ8BAD"}""", "refresh_token"),
        ("POST", "/api/v1/admin/partners", Caller.Admin, """{"name":"BoroughBAD"}""", "name"),
        ("PUT", "/api/v1/admin/users/{user}/roles", Caller.Admin, """{"roles":["moderator","adminBAD"]}""", "roles[1]"),
        ("POST", "/api/v1/users/{user}/block", Caller.Admin, """{"reason":"spamBAD"}""", "reason"),
        ("POST", "/api/v1/proposals", Caller.Admin,
            """{"kind":"create","location":{"lat":51.2,"lon":-0.3},"changes":{"category":"toilet","name":"LooBAD"},"comment":"Seen it"}""", "changes.name"),
        ("POST", "/api/v1/proposals", Caller.Admin,
            """{"kind":"update","facility_id":"{facility}","changes":{"name":"Loo"},"comment":"Seen itBAD"}""", "comment"),
        ("POST", "/api/v1/proposals/{proposal}/votes", Caller.Admin, """{"vote":"up","comment":"trueBAD"}""", "comment"),
        ("POST", "/api/v1/facilities/{facility}/confirmations", Caller.Admin, """{"comment":"still hereBAD"}""", "comment"),
        ("POST", "/api/v1/facilities/{facility}/reports", Caller.Admin, """{"reason":"closed","comment":"boarded upBAD"}""", "comment"),
        ("POST", "/api/v1/facilities/{facility}/revert", Caller.Admin, """{"to_version":1,"reason":"vandalBAD"}""", "reason"),
        ("POST", "/api/v1/partner/datasets", Caller.Partner, """{"name":"ToiletsBAD","license":"CC0-1.0","attribution":"Borough"}""", "name"),
        ("POST", "/api/v1/partner/datasets", Caller.Partner,
            """{"name":"Toilets","license":"CC0-1.0","attribution":"Borough","mapping":{"name":"titleBAD"}}""", "mapping.name"),
        ("PATCH", "/api/v1/partner/datasets/{dataset}", Caller.Partner, """{"attribution":"BoroughBAD"}""", "attribution"),
    ];

    /// <summary>The same texts as query values (percent-encoded), which reads pass to SQL.</summary>
    private static readonly (string Path, string Field)[] QueryFields =
    [
        ("/api/v1/facilities/nearby?lat=51.5&lon=-0.1&category=toiletBAD", "category"),
        ("/api/v1/changes?since=BAD", "since"),
    ];

    public static TheoryData<int, string> BodyCases => Cases(Fields.Length);

    public static TheoryData<int, string> QueryCases => Cases(QueryFields.Length);

    private static TheoryData<int, string> Cases(int rows)
    {
        var data = new TheoryData<int, string>();
        for (var row = 0; row < rows; row++)
        {
            data.Add(row, "NUL");
            data.Add(row, "lone surrogate");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BodyCases))]
    public async Task Bad_text_in_a_stored_body_field_is_a_400_naming_the_field(int row, string text)
    {
        var (method, path, caller, body, field) = Fields[row];
        var targets = await fixture.TargetsAsync();
        path = path.Replace("{user}", targets.User.ToString(), StringComparison.Ordinal)
            .Replace("{facility}", targets.Facility.ToString(), StringComparison.Ordinal)
            .Replace("{proposal}", targets.Proposal.ToString(), StringComparison.Ordinal)
            .Replace("{dataset}", targets.Dataset.ToString(), StringComparison.Ordinal);
        body = body.Replace("{facility}", targets.Facility.ToString(), StringComparison.Ordinal)
            .Replace("BAD", text == "NUL" ? "\\u0000" : "\\ud800", StringComparison.Ordinal);

        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
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
        await AssertNamesAsync(response, field, $"{method} {path} {body}");
    }

    [Theory]
    [MemberData(nameof(QueryCases))]
    public async Task Bad_text_in_a_query_value_is_a_400_naming_the_parameter(int row, string text)
    {
        var (path, field) = QueryFields[row];
        using var response = await fixture.Anonymous.GetAsync(path.Replace("BAD", text == "NUL" ? "%00" : "%ED%A0%80", StringComparison.Ordinal));
        if (text == "NUL")
        {
            await AssertNamesAsync(response, field, path);
        }
        else
        {
            // The percent-decoder turns the CESU-8 bytes of a surrogate into U+FFFD, which is storable: a plain refusal or answer.
            Assert.True((int)response.StatusCode < 500, $"{path} answered {(int)response.StatusCode}");
        }
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
