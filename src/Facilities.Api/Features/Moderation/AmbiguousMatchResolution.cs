using System.Text.Json.Nodes;
using Npgsql;

namespace Facilities.Api.Features.Moderation;

/// <summary>An open review item as the resolution code reads it.</summary>
public sealed record ReviewItem(Guid Id, string Kind, string State, Guid? FacilityId, Guid? DatasetId, long? SourceRecordId, Guid? ProposalId,
    JsonObject Details);

/// <summary>A moderator's decision on a review item: merge (into facility_id), create, dismiss, keep_partner, keep_community.</summary>
public sealed record ReviewResolution(string Action, Guid? FacilityId, string? Comment);

/// <summary>
/// How an ambiguous_match review item (an imported record that matched several facilities about equally well) is
/// resolved by "merge" into a chosen facility or "create" as a new one: the conflation feature applies the partner's
/// record exactly as an import would have with that decision, inside the transaction that marks the item resolved.
/// ("dismiss" needs no conflation and is handled by the caller.)
/// </summary>
public static class AmbiguousMatchResolution
{
    public static async Task<JsonObject?> ResolveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReviewItem item,
        ReviewResolution resolution, Guid moderatorId, Data.ConfidenceParameters confidence, CancellationToken ct)
    {
        if (resolution.Action == "merge" && resolution.FacilityId is null)
        {
            throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("facility_id",
                "Merging needs the facility the record describes.")]);
        }
        var facilityId = await Conflation.AmbiguousMatches.ResolveAsync(connection, transaction, item.Id,
            resolution.Action == "merge" ? resolution.FacilityId : null, moderatorId, confidence, ct);
        return new JsonObject { ["facility_id"] = facilityId.ToString() };
    }
}
