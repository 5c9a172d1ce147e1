using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Features.Imports;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Partners;

/// <summary>GET /api/v1/partner/reviews[?state=open][&amp;limit][&amp;cursor]: the ambiguous matches of the partner's
/// own records, oldest first, each with its record and every candidate (distance, name similarity, score, where it
/// is). Moderators see the same items, and everyone else's, at /api/v1/reviews.</summary>
public sealed record PartnerReviewsQuery(Guid PartnerId, string? State, string? Limit, string? Cursor, Guid? Id = null) : IRequest<PartnerReviewPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;
}

/// <summary>The partner's record as the import staged it: its id in the partner's file, where it is, its name.</summary>
public sealed record PartnerReviewRecord(string RecordId, double Lon, double Lat, string? Name);

/// <summary>A facility the record may describe, as the matching scored it, with its name and position for the map.</summary>
public sealed record PartnerReviewCandidate(Guid FacilityId, double? Score, double? DistanceM, double? NameSimilarity, string? Name,
    double? Lon, double? Lat);

public sealed record PartnerReview(Guid Id, string State, Guid DatasetId, string DatasetName, Guid? ImportId, long? Row,
    PartnerReviewRecord Record, IReadOnlyList<PartnerReviewCandidate> Candidates, DateTime CreatedAt, DateTime? ResolvedAt, RawJson? Resolution);

public sealed record PartnerReviewPage(IReadOnlyList<PartnerReview> Items, IReadOnlyList<Link> Links);

/// <summary>What the partner says of its record.</summary>
public enum PartnerReviewDecision
{
    /// <summary>The record describes the facility named in facility_id: it is merged there.</summary>
    SameAs,

    /// <summary>The record is a facility of its own: one is created for it.</summary>
    DifferentFacility,
}

/// <summary>POST /api/v1/partner/reviews/{id}/resolve <c>{decision: same_as, facility_id} | {decision: different_facility}</c>:
/// the partner settles an ambiguous match of its own record, through the same resolution as a moderator's
/// (<see cref="ResolveAmbiguousMatchCommand"/>, joined to this command's transaction).</summary>
public sealed record ResolvePartnerReviewCommand(Guid PartnerId, string Id, JsonNode? Decision, JsonNode? FacilityId)
    : IRequest<PartnerReview>, IWriteCommand
{
    public PartnerReviewDecision? DecisionValue =>
        Decision?.GetValueKind() == JsonValueKind.String ? WireName.Parse<PartnerReviewDecision>(Decision.GetValue<string>()) : null;

    public Guid? FacilityIdValue =>
        FacilityId?.GetValueKind() == JsonValueKind.String && Guid.TryParse(FacilityId.GetValue<string>(), out var id) ? id : null;
}

public sealed class PartnerReviewsValidator : AbstractValidator<PartnerReviewsQuery>
{
    public PartnerReviewsValidator(Cursors cursors)
    {
        RuleFor(q => q.State).Must(s => s is null || WireName.Parse<Moderation.ReviewState>(s) is not null).WithMessage("Must be open or resolved.");
        RuleFor(q => q.Limit).Must(l => l is null || (QueryValues.TryParseInt(l, out var n) && n is >= 1 and <= PartnerReviewsQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {PartnerReviewsQuery.MaxLimit}.");
        RuleFor(q => q.Cursor).Must(c => c is null || cursors.DecodeGuid(c) is not null).WithMessage("Not a cursor this service issued.");
    }
}

public sealed class ResolvePartnerReviewValidator : AbstractValidator<ResolvePartnerReviewCommand>
{
    public ResolvePartnerReviewValidator()
    {
        RuleFor(c => c.Decision).Must((c, _) => c.DecisionValue is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<PartnerReviewDecision>())}.");
        RuleFor(c => c.FacilityId)
            .Must((c, f) => c.DecisionValue == PartnerReviewDecision.SameAs ? c.FacilityIdValue is not null : f is null)
            .WithMessage("same_as names the facility_id the record describes (one of the item's candidates); different_facility names none.");
    }
}

public sealed class PartnerReviewHandlers(NpgsqlDataSource dataSource, UnitOfWork unitOfWork, ISender sender, Cursors cursors) :
    IRequestHandler<PartnerReviewsQuery, PartnerReviewPage>, IRequestHandler<ResolvePartnerReviewCommand, PartnerReview>
{
    // The partner's items only (its datasets), so another partner's id is simply not found. Each candidate the
    // matching stored is joined to its facility for the name and position the page's map shows, in the stored order.
    private const string Sql =
        "select r.id, r.state, r.dataset_id, d.name, r.details->>'import_id', (r.details->>'row')::bigint, s.external_id, " +
        "       ST_X(s.geom), ST_Y(s.geom), s.attributes->>'name', " +
        "       (select coalesce(jsonb_agg(jsonb_build_object('facility_id', c->>'facility_id', 'score', c->'score', 'distance_m', c->'distance_m', " +
        "               'name_similarity', c->'name_similarity', 'name', f.name, 'lon', ST_X(f.geom), 'lat', ST_Y(f.geom)) order by e.ord), '[]')::text " +
        "          from jsonb_array_elements(coalesce(r.details->'candidates', '[]')) with ordinality e(c, ord) " +
        "          left join facilities f on f.id = (c->>'facility_id')::uuid), " +
        "       r.created_at, r.resolved_at, r.resolution::text " +
        "from review_items r join datasets d on d.id = r.dataset_id join source_records s on s.id = r.source_record_id " +
        "where r.kind = 'ambiguous_match' and d.partner_id = $1 ";

    public async ValueTask<PartnerReviewPage> Handle(PartnerReviewsQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit is null ? PartnerReviewsQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            Sql + "and r.state = $2 and ($3::uuid is null or r.id > $3) order by r.id limit $4", connection);
        command.Parameters.AddWithValue(request.PartnerId);
        command.Parameters.AddWithValue(request.State ?? Moderation.ReviewState.Open.Name());
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)cursors.DecodeGuid(request.Cursor) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue(limit + 1);
        var items = await ReadAsync(command, cancellationToken);
        if (items.Count <= limit)
        {
            return new PartnerReviewPage(items, []);
        }
        var next = $"/api/v1/partner/reviews?state={request.State ?? Moderation.ReviewState.Open.Name()}&limit={limit}&cursor={Uri.EscapeDataString(cursors.Encode(items[limit - 1].Id.ToString()))}";
        return new PartnerReviewPage(items[..limit], [new Link("next", next, "application/json")]);
    }

    public async ValueTask<PartnerReview> Handle(ResolvePartnerReviewCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw new NotFoundException("review item", request.Id);
        }
        // The feed lock before the item, as every writer takes them (the resolution may write a facility).
        await unitOfWork.Facilities.LockFeedAsync(cancellationToken);
        var item = await OneAsync(connection, transaction, request.PartnerId, id, cancellationToken)
                   ?? throw new NotFoundException("review item", request.Id);
        if (item.State != Moderation.ReviewState.Open.Name())
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Already resolved", "This match has already been resolved.");
        }
        var decision = request.DecisionValue!.Value;
        Guid? chosen = null;
        if (decision == PartnerReviewDecision.SameAs)
        {
            chosen = request.FacilityIdValue;
            if (!item.Candidates.Any(c => c.FacilityId == chosen))
            {
                throw new ValidationException([new FluentValidation.Results.ValidationFailure("facility_id",
                        $"Must be one of this item's candidates: {string.Join(", ", item.Candidates.Select(c => c.FacilityId))}.")]);
            }
        }
        var facilityId = await sender.Send(new ResolveAmbiguousMatchCommand(id, chosen, null), cancellationToken);

        await using (var resolution = new NpgsqlCommand(
            "update review_items set resolution = $2::jsonb where id = $1", connection, transaction))
        {
            resolution.Parameters.AddWithValue(id);
            resolution.Parameters.Add(new NpgsqlParameter
            {
                Value = new JsonObject
                {
                    ["action"] = (decision == PartnerReviewDecision.SameAs ? Moderation.ReviewAction.Merge : Moderation.ReviewAction.Create).Name(),
                    ["decision"] = decision.Name(),
                    ["by"] = "partner",
                    ["partner_id"] = request.PartnerId.ToString(),
                    ["facility_id"] = facilityId.ToString(),
                }.ToJsonString(),
                NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
            });
            await resolution.ExecuteNonQueryAsync(cancellationToken);
        }
        return (await OneAsync(connection, transaction, request.PartnerId, id, cancellationToken))!;
    }

    private static async Task<PartnerReview?> OneAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid partnerId, Guid id,
        CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(Sql + "and r.id = $2", connection, transaction);
        command.Parameters.AddWithValue(partnerId);
        command.Parameters.AddWithValue(id);
        return (await ReadAsync(command, ct)).SingleOrDefault();
    }

    private static async Task<List<PartnerReview>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var items = new List<PartnerReview>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var candidates = new List<PartnerReviewCandidate>();
            foreach (var c in JsonNode.Parse(reader.GetString(10))!.AsArray())
            {
                candidates.Add(new PartnerReviewCandidate(Guid.Parse((string)c!["facility_id"]!), Number(c["score"]), Number(c["distance_m"]),
                    Number(c["name_similarity"]), (string?)c["name"], Number(c["lon"]), Number(c["lat"])));
            }
            items.Add(new PartnerReview(reader.GetGuid(0), reader.GetString(1), reader.GetGuid(2), reader.GetString(3),
                reader.IsDBNull(4) || !Guid.TryParse(reader.GetString(4), out var importId) ? null : importId,
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                new PartnerReviewRecord(reader.GetString(6), reader.GetDouble(7), reader.GetDouble(8), reader.IsDBNull(9) ? null : reader.GetString(9)),
                candidates, reader.GetDateTime(11), reader.IsDBNull(12) ? null : reader.GetDateTime(12),
                reader.IsDBNull(13) ? null : new RawJson(reader.GetString(13))));
        }
        return items;
    }

    private static double? Number(JsonNode? node) => node is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
}
