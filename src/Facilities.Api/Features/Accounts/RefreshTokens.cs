using Npgsql;

namespace Facilities.Api.Features.Accounts;

/// <summary>What became of a refresh token presented for exchange.</summary>
public enum RefreshOutcome
{
    /// <summary>Exchanged: it is used now, and the next token of its family is recorded.</summary>
    Rotated,

    /// <summary>It was exchanged before: a copy is in someone else's hands, and its whole family is revoked now.</summary>
    Replayed,

    /// <summary>Revoked with its family earlier, expired, or never recorded.</summary>
    Refused,
}

/// <summary>
/// The record of refresh tokens by the id each carries: a sign-in starts a family, every exchange uses up the token
/// presented and adds the next. Without it a stolen refresh token would mint access tokens for as long as it lives.
/// </summary>
public sealed class RefreshTokens(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>A sign-in: a new family whose first token is <paramref name="tokenId"/>. Drops the account's long-expired tokens.</summary>
    public async Task StartFamilyAsync(Guid userId, Guid tokenId, TimeSpan lifetime, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "insert into refresh_tokens (id, family_id, user_id, issued_at, expires_at) values ($1, $1, $2, $3, $4)")
        {
            Parameters = { new() { Value = tokenId }, new() { Value = userId }, new() { Value = now }, new() { Value = now + lifetime } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("delete from refresh_tokens where user_id = $1 and expires_at < $2")
        {
            Parameters = { new() { Value = userId }, new() { Value = now } },
        });
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Exchanges <paramref name="presentedId"/> for <paramref name="nextId"/> in the same family, once.</summary>
    public async Task<RefreshOutcome> RotateAsync(Guid userId, Guid presentedId, Guid nextId, TimeSpan lifetime, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        // One statement: of two exchanges of the same token at once, the second waits on the first's row lock, then
        // finds it used and takes the replay branch below.
        await using (var rotate = dataSource.CreateCommand(
            "with presented as (update refresh_tokens set used_at = $3 " +
            "                   where id = $1 and user_id = $2 and used_at is null and revoked_at is null and expires_at > $3 " +
            "                   returning family_id) " +
            "insert into refresh_tokens (id, family_id, user_id, issued_at, expires_at) " +
            "select $4, family_id, $2, $3, $5 from presented"))
        {
            rotate.Parameters.Add(new() { Value = presentedId });
            rotate.Parameters.Add(new() { Value = userId });
            rotate.Parameters.Add(new() { Value = now });
            rotate.Parameters.Add(new() { Value = nextId });
            rotate.Parameters.Add(new() { Value = now + lifetime });
            if (await rotate.ExecuteNonQueryAsync(ct) == 1)
            {
                return RefreshOutcome.Rotated;
            }
        }
        await using var revoke = dataSource.CreateCommand(
            "update refresh_tokens set revoked_at = $3 " +
            "where family_id = (select family_id from refresh_tokens where id = $1 and user_id = $2 and used_at is not null) " +
            "  and revoked_at is null");
        revoke.Parameters.Add(new() { Value = presentedId });
        revoke.Parameters.Add(new() { Value = userId });
        revoke.Parameters.Add(new() { Value = now });
        return await revoke.ExecuteNonQueryAsync(ct) > 0 ? RefreshOutcome.Replayed : RefreshOutcome.Refused;
    }
}
