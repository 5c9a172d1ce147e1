using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Npgsql;

namespace Facilities.Api.Features.Conflation;

/// <summary>
/// Attributes an owner has are the owner's to change. An owner is a partner's dataset (its owned_attributes, through
/// a live record linked to the facility) or an operator whose claim on the facility was approved (Features/Claims).
/// An accepted community change to an owned attribute does not overwrite it: it becomes a dispute (review item of
/// kind <c>dispute</c>) that the owner sees and a moderator settles. For the contributions feature: before applying an
/// accepted proposal with FacilityWriter, pass its changes through <see cref="SplitAsync"/> and apply only what it
/// returns. An operator's own edits of what it owns are not disputes: its proposals pass their author as the
/// owner to leave out.
/// </summary>
public static class OwnedAttributes
{
    // Owned attributes among $2 of facility $1, with who owns them: a dataset's live record, or an approved claim
    // (operator_claims_owning) of an account other than $3, the author whose own ownership does not count against it.
    private const string OwnersSql = """
        select a, 'dataset' as owner, s.dataset_id as dataset_id, s.id as record_id, null::uuid as claim_id, (s.attributes -> a)::text as value
        from source_records s join datasets d on d.id = s.dataset_id, unnest(d.owned_attributes) a
        where s.facility_id = $1 and s.removed_at is null and a = any($2)
        union all
        select a, 'operator', null, null, c.id, null
        from operator_claims c, unnest(c.attributes) a
        where c.facility_id = $1 and c.state = 'approved' and a = any($2) and c.user_id is distinct from $3
        """;

    /// <summary>
    /// Owned attributes among <paramref name="attributes"/>, in name order: the owner of attribute X of facility F is a
    /// dataset D with a live source record r linked to F (r.facility_id = F, r.removed_at is null) and X in
    /// D.owned_attributes, or an approved operator claim on F listing X. An approved claim of <paramref name="author"/>
    /// is left out: the operator's own attributes are its to change.
    /// </summary>
    public static async Task<string[]> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid facilityId,
        string[] attributes, CancellationToken ct, Guid? author = null) =>
        [.. (await OwnersAsync(connection, transaction, facilityId, attributes, author, ct)).Select(o => o.Attribute).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Who owns which of <paramref name="attributes"/>: each owned attribute with its owner (dataset first).</summary>
    public static async Task<IReadOnlyList<AttributeOwner>> OwnersAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid facilityId,
        string[] attributes, Guid? author, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand(OwnersSql + " order by 1, 2, 4", connection, transaction);
        read.Parameters.Add(new NpgsqlParameter { Value = facilityId });
        read.Parameters.Add(new NpgsqlParameter { Value = attributes, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        read.Parameters.Add(new NpgsqlParameter { Value = (object?)author ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        var owners = new List<AttributeOwner>();
        await using var reader = await read.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            owners.Add(new AttributeOwner(reader.GetString(0), reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.IsDBNull(3) ? null : reader.GetInt64(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : JsonNode.Parse(reader.GetString(5))));
        }
        return owners;
    }

    /// <summary>
    /// The changes that may apply (attributes nobody but the author owns, or whose proposed value already equals the
    /// owner's), after opening one dispute per owned attribute the change would override. A dataset's value is what
    /// its record said; an operator's is the facility's current value, which only the operator's edits set. Runs in
    /// the caller's transaction.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, JsonNode?>> SplitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid facilityId, IReadOnlyDictionary<string, JsonNode?> changes, Guid? proposalId, CancellationToken cancellationToken, Guid? author = null)
    {
        var owners = new Dictionary<string, AttributeOwner>(StringComparer.Ordinal);
        foreach (var owner in await OwnersAsync(connection, transaction, facilityId, [.. changes.Keys], author, cancellationToken))
        {
            owners.TryAdd(owner.Attribute, owner);
        }
        if (owners.Values.Any(o => o.ClaimId is not null))
        {
            var current = await CurrentAsync(connection, transaction, facilityId, cancellationToken);
            foreach (var (attribute, owner) in owners.Where(o => o.Value.ClaimId is not null).ToList())
            {
                owners[attribute] = owner with { Value = current?.GetValueOrDefault(attribute)?.DeepClone() };
            }
        }

        var allowed = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (attribute, value) in changes)
        {
            if (!owners.TryGetValue(attribute, out var owner) || JsonNode.DeepEquals(owner.Value, value))
            {
                allowed[attribute] = value;
                continue;
            }
            await using var dispute = new NpgsqlCommand(
                "insert into review_items (id, kind, facility_id, dataset_id, source_record_id, claim_id, proposal_id, details) " +
                "values (gen_random_uuid(), 'dispute', $1, $2, $3, $4, $5, $6::jsonb)", connection, transaction);
            dispute.Parameters.Add(new NpgsqlParameter { Value = facilityId });
            dispute.Parameters.Add(new NpgsqlParameter { Value = (object?)owner.DatasetId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            dispute.Parameters.Add(new NpgsqlParameter { Value = (object?)owner.RecordId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
            dispute.Parameters.Add(new NpgsqlParameter { Value = (object?)owner.ClaimId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            dispute.Parameters.Add(new NpgsqlParameter { Value = (object?)proposalId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            dispute.Parameters.Add(new NpgsqlParameter
            {
                // partner_value is the owner's value, an operator's too: a moderator's keep_partner writes it back.
                Value = new JsonObject
                {
                    ["attribute"] = attribute,
                    ["owner"] = owner.ClaimId is null ? "partner" : "operator",
                    ["partner_value"] = owner.Value?.DeepClone(),
                    ["community_value"] = value?.DeepClone(),
                }.ToJsonString(),
            });
            await dispute.ExecuteNonQueryAsync(cancellationToken);
        }
        return allowed;
    }

    private static async Task<SortedDictionary<string, JsonNode>?> CurrentAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid facilityId, CancellationToken ct)
    {
        await using var read = new NpgsqlCommand($"select {FacilityRow.Columns} from facilities f where f.id = $1", connection, transaction);
        read.Parameters.AddWithValue(facilityId);
        await using var reader = await read.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? FacilityState.FromRow(FacilityRow.Read(reader)).KnownAttributes() : null;
    }
}

/// <summary>The owner of one attribute: a dataset (with the record whose value it is) or an operator's approved claim.</summary>
public sealed record AttributeOwner(string Attribute, Guid? DatasetId, long? RecordId, Guid? ClaimId, JsonNode? Value);
