using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using NetTopologySuite.Geometries;
using Npgsql;
using Position = Facilities.Api.Web.Position;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// POST /api/v1/proposals. Fields are taken as raw JSON so that a value of the wrong type is a 400 naming the field
/// rather than a binding failure.
/// </summary>
public sealed record CreateProposalCommand(Guid UserId, JsonNode? Kind, JsonNode? FacilityId, JsonNode? BaseVersion, JsonNode? Location,
    JsonNode? Changes, JsonNode? StatusUntil, JsonNode? Comment) : IRequest<ProposalView>, IWriteCommand
{
    public const int MaxCommentLength = 2000;

    /// <summary>The kind asked for; null when it names none.</summary>
    public ProposalKind? KindValue => WireName.Parse<ProposalKind>(Json.Text(Kind));
}

public sealed class CreateProposalValidator : AbstractValidator<CreateProposalCommand>
{
    public CreateProposalValidator(TimeProvider clock)
    {
        RuleFor(c => c.Kind).Must((c, _) => c.KindValue is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<ProposalKind>())}.");
        RuleFor(c => c.Comment).Must(v => Json.Text(v) is { } text && text.Trim().Length > 0)
            .WithMessage("A comment saying why (what you saw, when) is required.")
            .Must(v => Json.Text(v) is not { Length: > CreateProposalCommand.MaxCommentLength })
            .WithMessage($"Must be at most {CreateProposalCommand.MaxCommentLength} characters.");
        When(c => c.KindValue == ProposalKind.Create, () =>
        {
            RuleFor(c => c.FacilityId).Null().WithMessage("A create names no facility.");
            RuleFor(c => c.BaseVersion).Null().WithMessage("A create has no base version.");
            RuleFor(c => c.Location).Must(v => v is not null).WithMessage("A create needs a location.");
            RuleFor(c => c.Changes).Must(v => v is JsonObject o && o["category"] is not null)
                .WithMessage("A create needs changes with at least the category.");
        });
        When(c => c.KindValue is ProposalKind.Update or ProposalKind.Move or ProposalKind.Close or ProposalKind.Reopen, () =>
        {
            RuleFor(c => c.FacilityId).Must(v => Guid.TryParse(Json.Text(v), out _)).WithMessage("Must be the id of a facility.");
            RuleFor(c => c.BaseVersion).Must(v => v is null || (Json.Integer(v) is >= 1))
                .WithMessage("Must be a facility version: a whole number from 1.");
        });
        When(c => c.KindValue == ProposalKind.Update, () =>
            RuleFor(c => c.Changes).Must(v => v is JsonObject { Count: > 0 }).WithMessage("An update needs changes: {attribute: value}."));
        When(c => c.KindValue == ProposalKind.Move, () => RuleFor(c => c.Location).Must(v => v is not null).WithMessage("A move needs the new location."));
        When(c => c.KindValue is ProposalKind.Move or ProposalKind.Close or ProposalKind.Reopen, () =>
            RuleFor(c => c.Changes).Must(v => v is null or JsonObject { Count: 0 }).WithMessage("Only create and update carry changes."));
        When(c => c.KindValue is not (ProposalKind.Create or ProposalKind.Move), () =>
            RuleFor(c => c.Location).Null().WithMessage("Only create and move carry a location."));
        RuleFor(c => c.Changes).Must(v => v is null or JsonObject).WithMessage("Must be an object {attribute: value}.");
        RuleFor(c => c.Location).Must(v => v is null || Json.Position(v, out _) is null).WithMessage((c, v) => Json.Position(v, out _)!);
        RuleFor(c => c.StatusUntil)
            .Must((c, v) => v is null || c.KindValue == ProposalKind.Close).WithMessage("Only a close carries status_until.")
            .Must(v => v is null || (Json.Instant(v) is { } t && t > clock.GetUtcNow() && t < clock.GetUtcNow().AddYears(2)))
            .WithMessage("Must be an RFC 3339 time in the future (within two years); leave it out for a permanent closure.");
    }
}

public sealed class CreateProposalHandler(UnitOfWork unitOfWork, CategoryCatalog categories, ReputationRules rules,
    ProposalDecisions decisions, TimeProvider clock) : IRequestHandler<CreateProposalCommand, ProposalView>
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    public async ValueTask<ProposalView> Handle(CreateProposalCommand request, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var author = await Contributor.WriterAsync(connection, transaction, request.UserId, ct);
        var kind = request.KindValue!.Value;
        Json.Position(request.Location, out var position);
        var changes = new JsonObject();
        FacilityRow? facility = null;
        Category category;

        if (kind == ProposalKind.Create)
        {
            var categoryId = Json.Text(request.Changes!["category"]);
            category = (categoryId is null ? null : categories.Find(categoryId))
                ?? throw Invalid("changes.category", $"Must be one of: {string.Join(", ", categories.All.Select(c => c.Id))}.");
            changes["category"] = category.Id;
            changes["location"] = new JsonArray(position.Lon, position.Lat);
        }
        else
        {
            var facilityId = Guid.Parse(Json.Text(request.FacilityId)!);
            facility = await ReadFacilityAsync(connection, transaction, facilityId, ct) ?? throw new NotFoundException("facility", facilityId.ToString());
            category = categories.Find(facility.Category)!;
            if (facility.Status == FacilityStatus.Removed && kind != ProposalKind.Reopen)
            {
                throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "This facility is removed; only a reopen can change it.");
            }
            position = new Position(facility.Lat, facility.Lon);
        }

        switch (kind)
        {
            case ProposalKind.Create or ProposalKind.Update:
                var errors = new List<ValidationFailure>();
                foreach (var (attribute, value) in request.Changes!.AsObject())
                {
                    if (kind == ProposalKind.Create && attribute == "category")
                    {
                        continue;
                    }
                    if (AttributeValues.Check(category, attribute, value) is { } error)
                    {
                        errors.Add(new ValidationFailure($"changes.{attribute}", error));
                    }
                    else
                    {
                        changes[attribute] = value?.DeepClone();
                    }
                }
                if (errors.Count > 0)
                {
                    throw new ValidationException(errors);
                }
                break;
            case ProposalKind.Move:
                Json.Position(request.Location, out var target);
                var metres = await DistanceAsync(connection, transaction, position, target, ct);
                if (metres > rules.MaxMoveMetres && !author.IsReviewer)
                {
                    throw Invalid("location", $"A move of {metres:0} m is farther than {rules.MaxMoveMetres:0} m: only a moderator may do that " +
                        "(propose closing this facility and creating one at the new place instead).");
                }
                changes["location"] = new JsonArray(target.Lon, target.Lat);
                position = target;
                break;
            case ProposalKind.Close:
                var until = Json.Instant(request.StatusUntil);
                changes["status"] = (until is null ? FacilityStatus.Removed : FacilityStatus.TemporarilyClosed).Name();
                changes["status_until"] = until?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                break;
            case ProposalKind.Reopen:
                if (facility!.Status == FacilityStatus.Open)
                {
                    throw Invalid("kind", "This facility is open already.");
                }
                changes["status"] = FacilityStatus.Open.Name();
                changes["status_until"] = null;
                break;
        }

        int? baseVersion = null;
        var disputed = Array.Empty<string>();
        // Every attribute the change touches is one the author owns as the facility's approved operator.
        var operated = false;
        if (facility is not null)
        {
            baseVersion = (int?)Json.Integer(request.BaseVersion) ?? facility.Version;
            if (baseVersion > facility.Version)
            {
                throw Invalid("base_version", $"The facility is at version {facility.Version}; there is no version {baseVersion} yet.");
            }
            var touched = changes.Select(c => c.Key).ToArray();
            var changedSince = await ProposalDecisions.ChangedSinceAsync(connection, transaction, facility.Id, baseVersion.Value, touched, ct);
            if (changedSince.Count > 0)
            {
                var current = FacilityState.FromRow(facility).KnownAttributes();
                throw new StaleEditException(facility.Version,
                    new JsonObject(changedSince.Select(name => KeyValuePair.Create(name, current.GetValueOrDefault(name)?.DeepClone()))));
            }
            disputed = await OwnedAttributes.ListAsync(connection, transaction, facility.Id, touched, ct, author: author.Id);
            operated = disputed.Length == 0 && touched.Length > 0
                && (await OwnedAttributes.ListAsync(connection, transaction, facility.Id, touched, ct)).Length == touched.Length;
        }

        var duplicates = kind == ProposalKind.Create
            ? (await PossibleDuplicates.FindAsync(connection, transaction, [(category.Id, position.Lon, position.Lat, Guid.Empty)],
                rules.DuplicateRadiusMetres, ct))[0]
            : [];

        // The author's weight counts as support, except on attributes others own (a partner, an operator): those need others' votes.
        var authorWeight = disputed.Length > 0 ? 0 : rules.Weight(author.Reputation);

        // Privileged authors' changes apply at once, unless a partner or another operator owns an attribute they touch
        // or the create may duplicate a facility (then others look first); moderators' always do, owned attributes
        // aside. An operator's change of only what it owns applies at once, whatever its reputation.
        var atOnce = disputed.Length == 0
            && (author.IsReviewer || operated || (author.Reputation >= rules.AtOnceThreshold(kind) && duplicates.Count == 0));
        if (atOnce)
        {
            // The feed lock before the proposal row references the facility (a key-share lock): every facility writer
            // takes the feed first, then the facility.
            await unitOfWork.Facilities.LockFeedAsync(ct);
        }
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var insert = new NpgsqlCommand(
            "insert into proposals (id, kind, author_id, facility_id, base_version, changes, geom, comment, disputed_attributes, author_weight, " +
            "support, created_at, expires_at) values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $10, $11, $12)", connection, transaction))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(kind.Name());
            insert.Parameters.AddWithValue(author.Id);
            insert.Parameters.AddWithValue(facility?.Id is { } f ? f : DBNull.Value);
            insert.Parameters.AddWithValue(baseVersion is { } b ? b : DBNull.Value);
            insert.Parameters.Add(new NpgsqlParameter { Value = changes.ToJsonString(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            insert.Parameters.AddWithValue(Wgs84.CreatePoint(new Coordinate(position.Lon, position.Lat)));
            insert.Parameters.AddWithValue(Json.Text(request.Comment)!.Trim());
            insert.Parameters.AddWithValue(disputed);
            insert.Parameters.AddWithValue(authorWeight);
            insert.Parameters.AddWithValue(now);
            insert.Parameters.AddWithValue(now.AddDays(rules.ExpiryDays));
            await insert.ExecuteNonQueryAsync(ct);
        }

        if (atOnce)
        {
            var proposal = (await ProposalRow.LockAsync(connection, transaction, id, ct))!;
            await decisions.AcceptAsync(proposal, authorWeight, ct);
        }

        var view = (await ProposalViews.ReadAsync(connection, transaction, id, ct))!;
        return view with { PossibleDuplicates = kind == ProposalKind.Create ? duplicates : null };
    }

    private static ValidationException Invalid(string field, string message) => new([new ValidationFailure(field, message)]);

    private static async Task<FacilityRow?> ReadFacilityAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid id, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select {FacilityRow.Columns} from facilities f where f.id = $1", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? FacilityRow.Read(reader) : null;
    }

    private static async Task<double> DistanceAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Position from, Position to,
        CancellationToken ct)
    {
        // Geodesic metres on the WGS 84 spheroid, as everywhere in the API.
        await using var command = new NpgsqlCommand(
            "select ST_Distance(ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, ST_SetSRID(ST_MakePoint($3, $4), 4326)::geography)",
            connection, transaction);
        command.Parameters.AddWithValue(from.Lon);
        command.Parameters.AddWithValue(from.Lat);
        command.Parameters.AddWithValue(to.Lon);
        command.Parameters.AddWithValue(to.Lat);
        return (double)(await command.ExecuteScalarAsync(ct))!;
    }
}
