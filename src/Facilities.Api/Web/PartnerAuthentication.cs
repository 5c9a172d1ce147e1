using Npgsql;

namespace Facilities.Api.Web;

/// <summary>The partner a request's <c>X-Api-Key</c> belongs to.</summary>
public sealed record Partner(Guid Id, string Name);

/// <summary>
/// Partner endpoints run behind this filter: the key is hashed and looked up in partner_api_keys (never compared
/// in clear), a revoked or unknown key is a 401, and the partner is left in the request for the handler, which
/// only ever reads that partner's datasets, so another partner's ids answer 404.
/// </summary>
public static class PartnerAuthentication
{
    private const string ItemKey = "facilities.partner";

    public static RouteGroupBuilder RequirePartnerKey(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var key = http.Request.Headers[PartnerApiKeys.HeaderName].ToString();
            if (string.IsNullOrWhiteSpace(key))
            {
                throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized",
                    $"Partner endpoints need the {PartnerApiKeys.HeaderName} header.");
            }
            http.Items[ItemKey] = await FindAsync(http.RequestServices.GetRequiredService<NpgsqlDataSource>(), key, http.RequestAborted)
                                  ?? throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized", "The API key is unknown or revoked.");
            return await next(context);
        });
        return group;
    }

    /// <summary>
    /// The key's partner, with the connection back in the pool before the endpoint runs: the endpoint may take a
    /// connection of its own, or none for as long as a slow upload lasts.
    /// </summary>
    private static async Task<Partner?> FindAsync(NpgsqlDataSource dataSource, string key, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select p.id, p.name from partner_api_keys k join partners p on p.id = k.partner_id " +
            "where k.key_hash = $1 and k.revoked_at is null");
        command.Parameters.Add(new NpgsqlParameter { Value = PartnerApiKeys.Hash(key.Trim()) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new Partner(reader.GetGuid(0), reader.GetString(1)) : null;
    }

    public static Partner CurrentPartner(this HttpContext http) =>
        http.Items[ItemKey] as Partner ?? throw new InvalidOperationException("The endpoint is not behind RequirePartnerKey.");

}
