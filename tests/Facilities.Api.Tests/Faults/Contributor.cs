using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Facilities.Api.Tests.Faults;

/// <summary>Contributors for the fault tests, whose fixtures have no admin: signed up through the API as anyone would.</summary>
internal static class Contributor
{
    /// <summary>A new account, reputation 1: a client that sends its bearer token.</summary>
    public static async Task<HttpClient> SignUpAsync(ApiFixture fixture)
    {
        using var registered = await fixture.Client.PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"fault-{Guid.NewGuid():N}@facilities.test", password = "a long enough password" });
        var body = JsonNode.Parse(await registered.Content.ReadAsStringAsync())!;
        Assert.True(registered.StatusCode == HttpStatusCode.Created, body.ToJsonString());
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (string?)body["access_token"]);
        return client;
    }
}
