using System.Text.Json.Nodes;
using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Features.Moderation;

/// <summary>An open review item as the resolution code reads it.</summary>
public sealed record ReviewItem(Guid Id, string Kind, string State, Guid? FacilityId, Guid? DatasetId, long? SourceRecordId, Guid? ProposalId,
    JsonObject Details);

/// <summary>A moderator's decision on a review item: merge (into facility_id), create, dismiss, keep_partner, keep_community.</summary>
public sealed record ReviewResolution(string Action, Guid? FacilityId, string? Comment);

/// <summary>
/// SEAM for the conflation feature: how an ambiguous_match review item (an imported record that matched several
/// facilities about equally well) is resolved by "merge" into a chosen facility or "create" as a new one. It runs
/// inside the transaction that marks the item resolved; whatever it writes goes through FacilityWriter there, and the
/// JSON it returns is stored in review_items.resolution.result. Until the conflation code is connected here it refuses
/// with a 422 problem, and the item stays open. ("dismiss" needs no conflation and is handled by the caller.)
/// </summary>
public static class AmbiguousMatchResolution
{
    public static Func<NpgsqlConnection, NpgsqlTransaction, ReviewItem, ReviewResolution, Guid, CancellationToken, Task<JsonObject?>>? Resolver
    { get; set; }

    public static Task<JsonObject?> ResolveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ReviewItem item,
        ReviewResolution resolution, Guid moderatorId, CancellationToken ct) =>
        Resolver is { } resolver
            ? resolver(connection, transaction, item, resolution, moderatorId, ct)
            : throw new DomainException(StatusCodes.Status422UnprocessableEntity, "Not connected yet",
                "Merging or creating from an ambiguous match is done by the conflation feature, which is not connected to review " +
                "resolution in this build (Features/Moderation/AmbiguousMatchResolution.cs). The item stays open; \"dismiss\" works.");
}
