using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Npgsql;

namespace Facilities.Api.Web;

/// <summary>
/// Opaque paging cursors: the last key a page ended on and an HMAC-SHA256 tag of it, so a cursor the service did not
/// issue — made up, altered, or built by a client from the visible format — does not decode, and the validators
/// answer 400 naming the cursor parameter. The tag is deterministic (the same page always links the same next
/// cursor, so its ETag holds); its key is made once, kept in service_keys protected with the data-protection keys,
/// and shared by every process over the database. Where the data-protection keys change, a new key is made and
/// earlier cursors are refused, like earlier bearer tokens.
/// </summary>
public sealed class Cursors
{
    private const string Purpose = "cursor-hmac-v1";
    private const string Version = "v1";
    private const int TagBytes = 16;
    private const int MaxLength = 1024;

    private readonly byte[] _key;

    public Cursors(NpgsqlDataSource dataSource, IDataProtectionProvider protection)
    {
        var protector = protection.CreateProtector("Facilities.Api.ServiceKeys");
        var made = RandomNumberGenerator.GetBytes(32);
        // Runs once, at start-up (Program.cs asks for this service before serving); the first process to start stores its key.
        using var command = dataSource.CreateCommand(
            "with made as (insert into service_keys (purpose, protected_key) values ($1, $2) on conflict (purpose) do nothing returning protected_key) " +
            "select protected_key from made union all select protected_key from service_keys where purpose = $1 limit 1");
        command.Parameters.AddWithValue(Purpose);
        command.Parameters.AddWithValue(protector.Protect(Convert.ToBase64String(made)));
        var stored = (string)command.ExecuteScalar()!;
        try
        {
            _key = Convert.FromBase64String(protector.Unprotect(stored));
        }
        catch (CryptographicException)
        {
            using var replace = dataSource.CreateCommand("update service_keys set protected_key = $2, created_at = now() where purpose = $1");
            replace.Parameters.AddWithValue(Purpose);
            replace.Parameters.AddWithValue(protector.Protect(Convert.ToBase64String(made)));
            replace.ExecuteNonQuery();
            _key = made;
        }
    }

    public string Encode(string key)
    {
        var payload = Encoding.UTF8.GetBytes(key);
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(Tag(payload));
    }

    public string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > MaxLength || cursor.Split('.') is not [var payloadText, var tagText])
        {
            return null;
        }
        try
        {
            var payload = Base64Url.DecodeFromChars(payloadText);
            return CryptographicOperations.FixedTimeEquals(Tag(payload), Base64Url.DecodeFromChars(tagText)) ? Encoding.UTF8.GetString(payload) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public Guid? DecodeGuid(string? cursor) => Guid.TryParse(Decode(cursor), out var id) ? id : null;

    private byte[] Tag(byte[] payload)
    {
        var input = new byte[Version.Length + payload.Length];
        Encoding.ASCII.GetBytes(Version, input);
        payload.CopyTo(input, Version.Length);
        return HMACSHA256.HashData(_key, input)[..TagBytes];
    }
}
