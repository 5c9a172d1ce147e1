using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Imports;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Moderation;

/// <summary>GET /api/v1/reviews[?state=open][&amp;kind][&amp;limit][&amp;cursor]: what a person must decide, oldest first.</summary>
public sealed record ListReviewsQuery(Guid ModeratorId, string? State, string? Kind, string? Limit, string? Cursor) : IRequest<ReviewPage>
{
    public const int MaxLimit = 200;
}

public sealed record ReviewView(Guid Id, string Kind, string State, Guid? FacilityId, Guid? DatasetId, long? SourceRecordId, Guid? ProposalId,
    RawJson Details, DateTime CreatedAt, DateTime? ResolvedAt, Guid? ResolvedBy, RawJson? Resolution, Guid? ClaimId);

public sealed record ReviewPage(IReadOnlyList<ReviewView> Items, string? NextCursor);

/// <summary>POST /api/v1/reviews/{id}/resolve. Disputes: keep_partner (the owner's value goes back: the partner's, or
/// the operator's when the dispute names a claim) or keep_community (the community's value is written); ambiguous
/// matches: merge (with facility_id), create or dismiss.</summary>
public sealed record ResolveReviewCommand(Guid ModeratorId, string Id, JsonNode? Action, JsonNode? FacilityId, JsonNode? Comment)
    : IRequest<ReviewView>, IWriteCommand
{
    /// <summary>The action asked for; null when it names none.</summary>
    public ReviewAction? ActionValue => Action?.GetValueKind() == JsonValueKind.String ? WireName.Parse<ReviewAction>(Action.GetValue<string>()) : null;
}

public sealed class ListReviewsValidator : AbstractValidator<ListReviewsQuery>
{
    public ListReviewsValidator(Cursors cursors)
    {
        RuleFor(q => q.State).Must(s => s is null || WireName.Parse<ReviewState>(s) is not null).WithMessage("Must be open or resolved.");
        RuleFor(q => q.Kind).Must(k => k is null || WireName.Parse<ReviewKind>(k) is not null).WithMessage("Must be dispute or ambiguous_match.");
        RuleFor(q => q.Limit).Must(l => l is null || (QueryValues.TryParseInt(l, out var n) && n is >= 1 and <= ListReviewsQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {ListReviewsQuery.MaxLimit}.");
        RuleFor(q => q.Cursor).Must(c => c is null || cursors.DecodeGuid(c) is not null).WithMessage("Not a cursor this service issued.");
    }
}

public sealed class ResolveReviewValidator : AbstractValidator<ResolveReviewCommand>
{
    public ResolveReviewValidator()
    {
        RuleFor(c => c.Action).Must((c, _) => c.ActionValue is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<ReviewAction>())}.");
        RuleFor(c => c.FacilityId)
            .Must((c, f) => c.ActionValue == ReviewAction.Merge
                ? f?.GetValueKind() == JsonValueKind.String && Guid.TryParse(f.GetValue<string>(), out _)
                : f is null)
            .WithMessage("A merge names the facility_id to merge into; other actions name none.");
        RuleFor(c => c.Comment).Must(r => r is null || (r.GetValueKind() == JsonValueKind.String && r.GetValue<string>().Trim().Length is > 0 and <= 2000))
            .WithMessage("When given, a comment of 1 to 2000 characters.");
    }
}

public sealed class ReviewHandlers(NpgsqlDataSource dataSource, UnitOfWork unitOfWork, ISender sender, TimeProvider clock, Cursors cursors) :
    IRequestHandler<ListReviewsQuery, ReviewPage>, IRequestHandler<ResolveReviewCommand, ReviewView>
{
    private static readonly ReviewAction[] DisputeActions = [ReviewAction.KeepPartner, ReviewAction.KeepCommunity];
    private static readonly ReviewAction[] AmbiguousMatchActions = [ReviewAction.Merge, ReviewAction.Create, ReviewAction.Dismiss];

    private const string Columns =
        "id, kind, state, facility_id, dataset_id, source_record_id, proposal_id, details::text, created_at, resolved_at, resolved_by, resolution::text, " +
        "claim_id";

    public async ValueTask<ReviewPage> Handle(ListReviewsQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Contributor.ReviewerAsync(connection, null, request.ModeratorId, cancellationToken);
        var limit = request.Limit is null ? 50 : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        await using var command = new NpgsqlCommand(
            $"select {Columns} from review_items where state = $1 and ($2::text is null or kind = $2) and ($3::uuid is null or id > $3) " +
            "order by id limit $4", connection);
        command.Parameters.AddWithValue(request.State ?? ReviewState.Open.Name());
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Kind ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cursors.DecodeGuid(request.Cursor) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue(limit + 1);
        var items = new List<ReviewView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }
        // Review ids are not all time-ordered (other features make them), so paging is by id order, which is stable.
        return items.Count > limit
            ? new ReviewPage(items[..limit], cursors.Encode(items[limit - 1].Id.ToString()))
            : new ReviewPage(items, null);
    }

    public async ValueTask<ReviewView> Handle(ResolveReviewCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var ct = cancellationToken;
        var moderator = await Contributor.ReviewerAsync(connection, transaction, request.ModeratorId, ct);
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw new NotFoundException("review item", request.Id);
        }
        // Any resolution may write the facility: the feed lock first, then the item, as every writer does.
        await unitOfWork.Facilities.LockFeedAsync(ct);
        ReviewItem item;
        await using (var read = new NpgsqlCommand(
            "select id, kind, state, facility_id, dataset_id, source_record_id, proposal_id, details::text, claim_id from review_items where id = $1 for update",
            connection, transaction))
        {
            read.Parameters.AddWithValue(id);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new NotFoundException("review item", request.Id);
            }
            item = new ReviewItem(reader.GetGuid(0), WireName.Parse<ReviewKind>(reader.GetString(1))!.Value,
                WireName.Parse<ReviewState>(reader.GetString(2))!.Value, reader.IsDBNull(3) ? null : reader.GetGuid(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4), reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.IsDBNull(6) ? null : reader.GetGuid(6), JsonNode.Parse(reader.GetString(7))?.AsObject() ?? [],
                reader.IsDBNull(8) ? null : reader.GetGuid(8));
        }
        if (item.State != ReviewState.Open)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "This review item is resolved already.");
        }
        var action = request.ActionValue!.Value;
        var resolution = new ReviewResolution(action, request.FacilityId is null ? null : Guid.Parse(request.FacilityId.GetValue<string>()),
            request.Comment?.GetValue<string>().Trim());
        var allowed = item.Kind == ReviewKind.Dispute ? DisputeActions : AmbiguousMatchActions;
        if (!allowed.Contains(action))
        {
            throw new ValidationException([new FluentValidation.Results.ValidationFailure("action",
                    $"A {item.Kind.Name()} is resolved with one of: {string.Join(", ", allowed.Select(a => a.Name()))}.")]);
        }

        JsonObject? result = null;
        if (action == ReviewAction.KeepPartner)
        {
            result = await WriteDisputedValueAsync(item, moderator, "partner_value", item.ClaimId is { } claim
                ? $"the operator's value kept (claim {claim})"
                : $"the partner's value kept (dataset {item.DatasetId}, record {item.SourceRecordId})", ct);
        }
        else if (action == ReviewAction.KeepCommunity)
        {
            result = await WriteDisputedValueAsync(item, moderator, "community_value",
                $"the community's value chosen over the {(item.ClaimId is null ? "partner" : "operator")}'s (proposal {item.ProposalId})", ct);
        }
        else if (action is ReviewAction.Merge or ReviewAction.Create)
        {
            if (action == ReviewAction.Merge && resolution.FacilityId is null)
            {
                throw new ValidationException([new FluentValidation.Results.ValidationFailure("facility_id",
                        "Merging needs the facility the record describes.")]);
            }
            // The partner's record applied exactly as an import would have with this decision, in this transaction.
            var facilityId = await sender.Send(new ResolveAmbiguousMatchCommand(item.Id, action == ReviewAction.Merge ? resolution.FacilityId : null,
                moderator.Id), ct);
            result = new JsonObject { ["facility_id"] = facilityId.ToString() };
        }

        var stored = new JsonObject { ["action"] = action.Name(), ["facility_id"] = resolution.FacilityId?.ToString(), ["comment"] = resolution.Comment, ["result"] = result };
        await using (var resolve = new NpgsqlCommand(
            $"update review_items set state = 'resolved', resolved_at = $2, resolved_by = $3, resolution = $4::jsonb where id = $1 returning {Columns}",
            connection, transaction))
        {
            resolve.Parameters.AddWithValue(id);
            resolve.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime);
            resolve.Parameters.AddWithValue(moderator.Id);
            resolve.Parameters.Add(new NpgsqlParameter { Value = stored.ToJsonString(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            await using var reader = await resolve.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return Read(reader);
        }
    }

    // The chosen side's value written as a moderator's decision. Keeping the partner's value usually changes nothing
    // (an owned attribute kept it), but the facility may have been edited since. Written as the community's decision,
    // with the reason naming the partner's record: FacilityWriter's partner-record path would also overwrite that
    // record's own position.
    private async Task<JsonObject> WriteDisputedValueAsync(ReviewItem item, Contributor moderator, string side, string reason, CancellationToken ct)
    {
        var attribute = item.Details["attribute"]?.GetValue<string>();
        if (item.FacilityId is not { } facilityId || attribute is null)
        {
            throw new DomainException(StatusCodes.Status422UnprocessableEntity, "Incomplete dispute", "This dispute names no facility or attribute.");
        }
        var value = item.Details[side]?.DeepClone();
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var update = await unitOfWork.Facilities.UpdateAsync(facilityId, new Dictionary<string, JsonNode?> { [attribute] = value },
                new VersionSource(ProposalDecisions.CommunityDataset, facilityId.ToString(), now, 0.8,
                    $"Dispute over {attribute} resolved: {reason}", moderator.Id, moderator.Name), ct)
                ?? throw new NotFoundException("facility", facilityId.ToString());
            return new JsonObject { ["version"] = update.Version, ["changed"] = update.Outcome == FacilityUpdateOutcome.Applied };
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new DomainException(StatusCodes.Status422UnprocessableEntity, "Value unusable",
                $"The {side.Replace('_', ' ')} of {attribute} cannot be written: {e.Message}");
        }
    }

    private static ReviewView Read(NpgsqlDataReader r) => new(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetGuid(3),
        r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetInt64(5), r.IsDBNull(6) ? null : r.GetGuid(6), new RawJson(r.GetString(7)),
        r.GetDateTime(8), r.IsDBNull(9) ? null : r.GetDateTime(9), r.IsDBNull(10) ? null : r.GetGuid(10),
        r.IsDBNull(11) ? null : new RawJson(r.GetString(11)), r.IsDBNull(12) ? null : r.GetGuid(12));
}
