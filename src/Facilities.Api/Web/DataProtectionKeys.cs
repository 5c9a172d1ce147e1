using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Facilities.Api.Web;

/// <summary>
/// The data-protection key ring kept in PostgreSQL (table data_protection_keys), so that every replica over the
/// database protects and reads bearer tokens with the same keys, and a restart keeps them. ASP.NET Core caches the
/// ring and reads it again when it meets a key id it does not know, so a key made by another replica is found.
/// </summary>
public sealed class PostgresXmlRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand("select xml from data_protection_keys order by created_at, friendly_name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        // A key's friendly name is its id ("key-<guid>"); a second store of the same one (never expected) keeps the first.
        using var command = dataSource.CreateCommand(
            "insert into data_protection_keys (friendly_name, xml) values ($1, $2) on conflict (friendly_name) do nothing");
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}

/// <summary>
/// Encrypts each key's XML at rest with AES-256-GCM under a key the operator configures (DataProtection:KeyEncryptionKey,
/// 32 bytes in Base64), for deployments without a certificate. The nonce and tag are stored beside the ciphertext.
/// </summary>
public sealed class AesGcmXmlEncryptor(byte[] key) : IXmlEncryptor
{
    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = System.Text.Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var nonce = RandomNumberGenerator.GetBytes(AesGcm.NonceByteSizes.MaxSize);
        var tag = new byte[AesGcm.TagByteSizes.MaxSize];
        var ciphertext = new byte[plaintext.Length];
        using (var aes = new AesGcm(key, tag.Length))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag);
        }
        var element = new XElement("encryptedKey",
            new XComment(" This key is encrypted with AES-256-GCM under DataProtection:KeyEncryptionKey. "),
            new XElement("nonce", Convert.ToBase64String(nonce)),
            new XElement("tag", Convert.ToBase64String(tag)),
            new XElement("value", Convert.ToBase64String(ciphertext)));
        return new EncryptedXmlInfo(element, typeof(AesGcmXmlDecryptor));
    }
}

/// <summary>Reads what <see cref="AesGcmXmlEncryptor"/> wrote; ASP.NET Core makes it by type with the service provider.</summary>
public sealed class AesGcmXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var key = services.GetRequiredService<DataProtectionKeyEncryption>().Key
            ?? throw new CryptographicException("A data-protection key is encrypted with DataProtection:KeyEncryptionKey, which is not configured.");
        var nonce = Convert.FromBase64String((string)encryptedElement.Element("nonce")!);
        var tag = Convert.FromBase64String((string)encryptedElement.Element("tag")!);
        var ciphertext = Convert.FromBase64String((string)encryptedElement.Element("value")!);
        var plaintext = new byte[ciphertext.Length];
        using (var aes = new AesGcm(key, tag.Length))
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext);
        }
        return XElement.Parse(System.Text.Encoding.UTF8.GetString(plaintext));
    }
}

/// <summary>The configured key that encrypts the key ring at rest, when there is one.</summary>
public sealed record DataProtectionKeyEncryption(byte[]? Key);

public static class DataProtectionKeysRegistration
{
    public const string CertificatePathSetting = "DataProtection:CertificatePath";
    public const string CertificatePasswordSetting = "DataProtection:CertificatePassword";
    public const string KeyEncryptionKeySetting = "DataProtection:KeyEncryptionKey";

    /// <summary>
    /// Data protection with its keys in PostgreSQL, under one application name (replicas in different folders or
    /// containers share them), encrypted at rest with the certificate (a PFX file) or the key configured, if any.
    /// </summary>
    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var protection = services.AddDataProtection().SetApplicationName("Facilities");
        var keyText = configuration[KeyEncryptionKeySetting];
        byte[]? key = null;
        if (!string.IsNullOrWhiteSpace(keyText))
        {
            try
            {
                key = Convert.FromBase64String(keyText);
            }
            catch (FormatException)
            {
                throw new InvalidOperationException($"{KeyEncryptionKeySetting} must be 32 bytes in Base64 (openssl rand -base64 32).");
            }
            if (key.Length != 32)
            {
                throw new InvalidOperationException($"{KeyEncryptionKeySetting} must be 32 bytes in Base64 (openssl rand -base64 32), not {key.Length} bytes.");
            }
        }
        services.AddSingleton(new DataProtectionKeyEncryption(key));
        if (configuration[CertificatePathSetting] is { Length: > 0 } certificatePath)
        {
            var certificate = X509CertificateLoader.LoadPkcs12FromFile(certificatePath, configuration[CertificatePasswordSetting]);
            protection.ProtectKeysWithCertificate(certificate);
        }
        else if (key is not null)
        {
            services.AddOptions<KeyManagementOptions>().Configure(options => options.XmlEncryptor = new AesGcmXmlEncryptor(key));
        }
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource>((options, dataSource) =>
            options.XmlRepository = new PostgresXmlRepository(dataSource));
        return services;
    }
}
