using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Facilities.Api.Tests.Contributors;

namespace Facilities.Api.Tests.Partners;

/// <summary>Admins make partners (the key shown once), list them with their keys and datasets, rotate a key (the old
/// one stops working at once) and revoke every key; everyone else is refused with problem details.</summary>
public sealed class PartnerAdministrationTests(ContributorsFixture fixture) : IClassFixture<ContributorsFixture>
{
    private HttpClient WithKey(string key)
    {
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task An_admin_creates_lists_rotates_and_revokes_a_partners_keys_and_the_old_key_stops_working()
    {
        var admin = fixture.Admin.Client;
        using var created = await admin.PostAsJsonAsync("/api/v1/admin/partners", new { name = "Harbour council" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var partner = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = partner.GetProperty("id").GetGuid();
        var firstKey = partner.GetProperty("api_key").GetString()!;
        using var first = WithKey(firstKey);
        using (var made = await first.PostAsJsonAsync("/api/v1/partner/datasets", new
        {
            name = "Harbour toilets",
            license = "CC0-1.0",
            attribution = "Harbour council",
            mapping = new { id = "id", lon = "lon", lat = "lat" },
        }))
        {
            Assert.Equal(HttpStatusCode.Created, made.StatusCode);
        }

        var listed = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/partners")).EnumerateArray()
            .Single(p => p.GetProperty("id").GetGuid() == id);
        Assert.Equal("Harbour council", listed.GetProperty("name").GetString());
        Assert.True(listed.GetProperty("active").GetBoolean());
        var key = Assert.Single(listed.GetProperty("keys").EnumerateArray());
        Assert.Equal(12, key.GetProperty("id").GetString()!.Length);
        Assert.Equal(JsonValueKind.Null, key.GetProperty("revoked_at").ValueKind);
        Assert.DoesNotContain(firstKey, listed.GetRawText(), StringComparison.Ordinal);
        var dataset = Assert.Single(listed.GetProperty("datasets").EnumerateArray());
        Assert.Equal("Harbour toilets", dataset.GetProperty("name").GetString());
        Assert.Equal("official", dataset.GetProperty("kind").GetString());
        Assert.Equal(0, dataset.GetProperty("records").GetInt64());

        // Rotate: a new key, shown once; the first stops working at once.
        using var rotated = await admin.PostAsync($"/api/v1/admin/partners/{id}/key", null);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var secondKey = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("api_key").GetString()!;
        Assert.NotEqual(firstKey, secondKey);
        using (var refused = await first.GetAsync("/api/v1/partner/datasets"))
        {
            var problem = await refused.IsProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains("revoked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        using var second = WithKey(secondKey);
        var datasets = await second.GetFromJsonAsync<JsonElement>("/api/v1/partner/datasets");
        Assert.Single(datasets.EnumerateArray());
        var keys = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/partners")).EnumerateArray()
            .Single(p => p.GetProperty("id").GetGuid() == id).GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        Assert.Equal(1, keys.Count(k => k.GetProperty("revoked_at").ValueKind == JsonValueKind.Null));

        // Revoke: no key works; the partner's datasets stay.
        using var revoked = await admin.DeleteAsync($"/api/v1/admin/partners/{id}/key");
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var after = await revoked.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(after.GetProperty("active").GetBoolean());
        Assert.Single(after.GetProperty("datasets").EnumerateArray());
        using (var locked = await second.GetAsync("/api/v1/partner/datasets"))
        {
            await locked.IsProblemAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task Unknown_partners_bad_names_and_non_admins_are_refused_with_problem_details()
    {
        var admin = fixture.Admin.Client;
        foreach (var path in (string[])[$"/api/v1/admin/partners/{Guid.NewGuid()}/key", "/api/v1/admin/partners/not-an-id/key"])
        {
            using var rotate = await admin.PostAsync(path, null);
            Assert.False(string.IsNullOrEmpty((await rotate.IsProblemAsync(HttpStatusCode.NotFound)).GetProperty("detail").GetString()));
            using var revoke = await admin.DeleteAsync(path);
            await revoke.IsProblemAsync(HttpStatusCode.NotFound);
        }
        using (var unnamed = await admin.PostAsJsonAsync("/api/v1/admin/partners", new { name = "  " }))
        {
            var problem = await unnamed.IsProblemAsync(HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _), problem.ToString());
        }
        var contributor = await fixture.RegisterAsync();
        foreach (var request in (Func<HttpClient, Task<HttpResponseMessage>>[])
                 [
                     c => c.GetAsync("/api/v1/admin/partners"),
                     c => c.PostAsJsonAsync("/api/v1/admin/partners", new { name = "Sneaky" }),
                     c => c.PostAsync($"/api/v1/admin/partners/{Guid.NewGuid()}/key", null),
                 ])
        {
            using var refused = await request(contributor.Client);
            Assert.False(string.IsNullOrEmpty((await refused.IsProblemAsync(HttpStatusCode.Forbidden)).GetProperty("detail").GetString()));
            using var anonymous = await request(fixture.Anonymous);
            await anonymous.IsProblemAsync(HttpStatusCode.Unauthorized);
        }
    }
}
