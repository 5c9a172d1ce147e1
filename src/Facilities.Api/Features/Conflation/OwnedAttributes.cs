using System.Text.Json.Nodes;
using Npgsql;

namespace Facilities.Api.Features.Conflation;

/// <summary>
/// Attributes a partner owns are the partner's to change. An accepted community change to one of them does not
/// overwrite it: it becomes a dispute (review item of kind <c>dispute</c>) that the partner sees in its feedback and
/// a moderator settles. For the contributions feature: before applying an accepted proposal with FacilityWriter,
/// pass its changes through <see cref="SplitAsync"/> and apply only what it returns.
/// </summary>
public static class OwnedAttributes
{
    /// <summary>
    /// Partner-owned attributes among <paramref name="attributes"/>: the owner of attribute X of facility F is a dataset
    /// D with a live source record r linked to F (r.facility_id = F, r.removed_at is null) and X in D.owned_attributes.
    /// </summary>
    public static async Task<string[]> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid facilityId,
        string[] attributes, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select coalesce(array_agg(distinct a order by a), '{}') from source_records r join datasets d on d.id = r.dataset_id, " +
            "unnest(d.owned_attributes) a where r.facility_id = $1 and r.removed_at is null and a = any($2)", connection, transaction);
        command.Parameters.AddWithValue(facilityId);
        command.Parameters.AddWithValue(attributes);
        return (string[])(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>
    /// The changes that may apply (attributes nobody owns, or whose proposed value already equals the owner's), after
    /// opening one dispute per owned attribute the change would override. Runs in the caller's transaction.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, JsonNode?>> SplitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid facilityId, IReadOnlyDictionary<string, JsonNode?> changes, Guid? proposalId, CancellationToken cancellationToken)
    {
        var owners = new Dictionary<string, (Guid DatasetId, long RecordId, JsonNode? Value)>(StringComparer.Ordinal);
        // The owner of an attribute is a live record of a dataset that lists it in owned_attributes; its value is
        // what that record said.
        await using (var read = new NpgsqlCommand(
            "select a, s.dataset_id, s.id, (s.attributes -> a)::text from source_records s join datasets d on d.id = s.dataset_id, " +
            "unnest(d.owned_attributes) a where s.facility_id = $1 and s.removed_at is null and a = any($2) order by s.id", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = facilityId });
            read.Parameters.Add(new NpgsqlParameter { Value = changes.Keys.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                owners.TryAdd(reader.GetString(0), (reader.GetGuid(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : JsonNode.Parse(reader.GetString(3))));
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
                "insert into review_items (id, kind, facility_id, dataset_id, source_record_id, proposal_id, details) " +
                "values (gen_random_uuid(), 'dispute', $1, $2, $3, $4, $5::jsonb)", connection, transaction);
            dispute.Parameters.Add(new NpgsqlParameter { Value = facilityId });
            dispute.Parameters.Add(new NpgsqlParameter { Value = owner.DatasetId });
            dispute.Parameters.Add(new NpgsqlParameter { Value = owner.RecordId });
            dispute.Parameters.Add(new NpgsqlParameter { Value = (object?)proposalId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            dispute.Parameters.Add(new NpgsqlParameter
            {
                Value = new JsonObject
                {
                    ["attribute"] = attribute,
                    ["partner_value"] = owner.Value?.DeepClone(),
                    ["community_value"] = value?.DeepClone(),
                }.ToJsonString(),
            });
            await dispute.ExecuteNonQueryAsync(cancellationToken);
        }
        return allowed;
    }
}
