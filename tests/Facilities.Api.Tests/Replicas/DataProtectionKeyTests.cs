using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Facilities.Testing;

namespace Facilities.Api.Tests.Replicas;

/// <summary>
/// Two API instances over one database stand for two replicas: the data-protection keys are in PostgreSQL, so a
/// bearer token issued by one is read by the other and by an instance started later.
/// </summary>
public sealed class DataProtectionKeyTests : IAsyncLifetime
{
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private FacilitiesApp Replica(string? keyEncryptionKey = null) => new(_database, settings: new Dictionary<string, string>
    {
        ["RateLimits:Enabled"] = "false",
        ["DataProtection:KeyEncryptionKey"] = keyEncryptionKey ?? "",
    });

    private static async Task<string> RegisterAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/auth/register",
            new { email = $"replica-{Guid.NewGuid():N}@facilities.test", password = "a long enough password", name = "Replica user" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<HttpStatusCode> MeAsync(FacilitiesApp app, string token)
    {
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.GetAsync("/api/v1/me");
        return response.StatusCode;
    }

    [Fact]
    public async Task A_token_issued_by_one_replica_is_accepted_by_another_and_after_a_restart()
    {
        string token;
        await using (var a = Replica())
        {
            using var client = a.CreateClient();
            token = await RegisterAsync(client);
            await using var b = Replica();
            Assert.Equal(HttpStatusCode.OK, await MeAsync(b, token));
        }
        await using (var restarted = Replica())
        {
            Assert.Equal(HttpStatusCode.OK, await MeAsync(restarted, token));
        }

        // The keys come from the database, not from this machine's key folder: without the rows, a new replica
        // makes a new key and the token is no longer readable.
        await using (var dataSource = _database.CreateDataSource())
        await using (var delete = dataSource.CreateCommand("delete from data_protection_keys"))
        {
            Assert.True(await delete.ExecuteNonQueryAsync() > 0);
        }
        await using var withoutKeys = Replica();
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(withoutKeys, token));
    }

    [Fact]
    public async Task With_a_key_encryption_key_the_stored_keys_are_encrypted_and_still_shared()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var a = Replica(key);
        using var client = a.CreateClient();
        var token = await RegisterAsync(client);
        await using var b = Replica(key);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(b, token));

        await using var dataSource = _database.CreateDataSource();
        await using var command = dataSource.CreateCommand("select string_agg(xml, '') from data_protection_keys");
        var stored = (string)(await command.ExecuteScalarAsync())!;
        Assert.Contains("encryptedKey", stored);
        Assert.DoesNotContain("<masterKey", stored);
    }
}
