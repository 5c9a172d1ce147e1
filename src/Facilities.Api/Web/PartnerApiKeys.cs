using System.Security.Cryptography;
using System.Text;

namespace Facilities.Api.Web;

/// <summary>
/// A partner's API key (the <c>X-Api-Key</c> header): <c>fac_</c> and 256 random bits in base64url. Only its SHA-256
/// (lower-case hex) is stored, in partner_api_keys.key_hash; the key is shown to the admin once, when it is made.
/// </summary>
public static class PartnerApiKeys
{
    public const string HeaderName = "X-Api-Key";
    private const string Prefix = "fac_";

    public static string Generate() => Prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    /// <summary>The stored form of a key. Any string hashes; a malformed key simply matches nothing.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
