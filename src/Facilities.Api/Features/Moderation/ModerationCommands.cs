using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Moderation;

/// <summary>POST /api/v1/facilities/{id}/revert: a moderator puts a facility back to an earlier version, as a new
/// version. Every accepted proposal undone costs its author and its up-voters reputation.</summary>
public sealed record RevertCommand(Guid ModeratorId, string FacilityId, JsonNode? ToVersion, JsonNode? Reason) : IRequest<RevertResult>, IWriteCommand;

public sealed record RevertResult(Guid FacilityId, int ToVersion, int Version, IReadOnlyList<Guid> RevertedProposals);

/// <summary>POST /api/v1/users/{id}/block: the account can no longer write; its pending proposals are withdrawn.</summary>
public sealed record BlockCommand(Guid ModeratorId, string UserId, JsonNode? Reason, bool Block = true) : IRequest<BlockResult>, IWriteCommand;

public sealed record BlockResult(Guid UserId, bool Blocked, DateTime? BlockedAt, IReadOnlyList<Guid> WithdrawnProposals);

/// <summary>PUT /api/v1/admin/users/{id}/roles: the roles of an account (moderator, admin).</summary>
public sealed record SetRolesCommand(Guid AdminId, string UserId, JsonNode? Roles) : IRequest<UserRoles>, IWriteCommand;

public sealed record UserRoles(Guid UserId, IReadOnlyList<string> Roles);

public sealed class RevertValidator : AbstractValidator<RevertCommand>
{
    public RevertValidator()
    {
        RuleFor(c => c.ToVersion).Must(v => v?.GetValueKind() == JsonValueKind.Number && v.AsValue().TryGetValue<int>(out var n) && n >= 1)
            .WithMessage("Must be the version to go back to: a whole number from 1.");
        RuleFor(c => c.Reason).Must(r => r?.GetValueKind() == JsonValueKind.String && r.GetValue<string>().Trim().Length is > 0 and <= 2000)
            .WithMessage("A reason of 1 to 2000 characters is required.");
    }
}

public sealed class BlockValidator : AbstractValidator<BlockCommand>
{
    public BlockValidator() => RuleFor(c => c.Reason)
        .Must(r => r is null || (r.GetValueKind() == JsonValueKind.String && r.GetValue<string>().Trim().Length is > 0 and <= 2000))
        .WithMessage("When given, a reason of 1 to 2000 characters.");
}

public sealed class SetRolesValidator : AbstractValidator<SetRolesCommand>
{
    public SetRolesValidator() => RuleFor(c => c.Roles)
        .Must(r => r is JsonArray a && a.All(x => x?.GetValueKind() == JsonValueKind.String && x.GetValue<string>() is Contributor.ModeratorRole or Contributor.AdminRole))
        .WithMessage("Must be a list of roles: moderator, admin (empty for none).");
}

public sealed class ModerationHandlers(UnitOfWork unitOfWork, ReputationRules rules, TimeProvider clock) :
    IRequestHandler<RevertCommand, RevertResult>, IRequestHandler<BlockCommand, BlockResult>,
    IRequestHandler<SetRolesCommand, UserRoles>
{
    public async ValueTask<RevertResult> Handle(RevertCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var ct = cancellationToken;
        var moderator = await Contributor.ReviewerAsync(connection, transaction, request.ModeratorId, ct);
        var id = Guid.TryParse(request.FacilityId, out var parsed) ? parsed : throw new NotFoundException("facility", request.FacilityId);
        var toVersion = request.ToVersion!.GetValue<int>();
        await unitOfWork.Facilities.LockFeedAsync(ct);
        int current;
        JsonObject? snapshot = null;
        await using (var read = new NpgsqlCommand(
            "select f.version, (select v.snapshot::text from facility_versions v where v.facility_id = f.id and v.version = $2) " +
            "from facilities f where f.id = $1", connection, transaction))
        {
            read.Parameters.AddWithValue(id);
            read.Parameters.AddWithValue(toVersion);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new NotFoundException("facility", request.FacilityId);
            }
            current = reader.GetInt32(0);
            if (!reader.IsDBNull(1))
            {
                snapshot = JsonNode.Parse(reader.GetString(1))!.AsObject();
            }
        }
        if (toVersion >= current || snapshot is null)
        {
            throw new ValidationException([new FluentValidation.Results.ValidationFailure("to_version",
                    $"Must be an earlier version of this facility: 1 to {current - 1}.")]);
        }

        // Every attribute back to its value in the snapshot; one the snapshot lacks is cleared.
        var now = clock.GetUtcNow().UtcDateTime;
        // An empty change writes nothing and answers the current state, read under the writer's row lock.
        var facility = await unitOfWork.Facilities.UpdateAsync(id, new Dictionary<string, JsonNode?>(), Source(), ct);
        var known = facility!.After.KnownAttributes();
        var changes = known.Keys.Union(snapshot.Select(s => s.Key))
            .ToDictionary(name => name, name => snapshot[name]?.DeepClone(), StringComparer.Ordinal);
        var update = await unitOfWork.Facilities.UpdateAsync(id, changes, Source(), ct);

        // The accepted proposals whose versions are undone: author −20, each up-voter −2 (configurable).
        var reverted = new List<(Guid Proposal, Guid Author)>();
        await using (var mark = new NpgsqlCommand(
            "update proposals set reverted_at = $3 where facility_id = $1 and state = 'accepted' and result_version > $2 " +
            "and reverted_at is null returning id, author_id", connection, transaction))
        {
            mark.Parameters.AddWithValue(id);
            mark.Parameters.AddWithValue(toVersion);
            mark.Parameters.AddWithValue(now);
            await using var reader = await mark.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                reverted.Add((reader.GetGuid(0), reader.GetGuid(1)));
            }
        }
        var penalties = new List<(Guid User, int Delta, ReputationReason Reason, Guid Proposal)>();
        foreach (var (proposal, author) in reverted)
        {
            penalties.Add((author, rules.RevertedAuthorDelta, ReputationReason.ProposalReverted, proposal));
            await using var voters = new NpgsqlCommand("select voter_id from votes where proposal_id = $1 and vote = 'up'", connection, transaction);
            voters.Parameters.AddWithValue(proposal);
            await using var reader = await voters.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                penalties.Add((reader.GetGuid(0), rules.RevertedUpVoterDelta, ReputationReason.UpVoteReverted, proposal));
            }
        }
        foreach (var (user, delta, reason, proposal) in penalties.OrderBy(p => p.User))
        {
            await ReputationLedger.ChangeAsync(connection, transaction, rules, user, delta, reason, proposal, ct);
        }
        return new RevertResult(id, toVersion, update!.Version, [.. reverted.Select(r => r.Proposal)]);

        VersionSource Source() => new(ProposalDecisions.CommunityDataset, id.ToString(), now, 0.7,
            $"Reverted to version {toVersion}: {request.Reason!.GetValue<string>().Trim()}", moderator.Id, moderator.Name);
    }

    public async ValueTask<BlockResult> Handle(BlockCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var ct = cancellationToken;
        var moderator = await Contributor.ReviewerAsync(connection, transaction, request.ModeratorId, ct);
        var target = (Guid.TryParse(request.UserId, out var id) ? await Contributor.FindAsync(connection, transaction, id, ct) : null)
            ?? throw new NotFoundException("user", request.UserId);
        if (target.IsReviewer && !moderator.IsAdmin || target.Id == moderator.Id)
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Moderators cannot block themselves or other moderators; an admin can.");
        }
        var now = clock.GetUtcNow().UtcDateTime;
        var withdrawn = new List<Guid>();
        if (request.Block)
        {
            // Proposals first, then the user row: the lock order of every writer.
            await using var withdraw = new NpgsqlCommand(
                "update proposals set state = 'withdrawn', decided_at = $2 where author_id = $1 and state = 'pending' returning id",
                connection, transaction);
            withdraw.Parameters.AddWithValue(id);
            withdraw.Parameters.AddWithValue(now);
            await using var reader = await withdraw.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                withdrawn.Add(reader.GetGuid(0));
            }
        }
        await using (var block = new NpgsqlCommand(
            "update users set blocked_at = $2, blocked_by = $3, block_reason = $4 where id = $1", connection, transaction))
        {
            block.Parameters.AddWithValue(id);
            block.Parameters.AddWithValue(request.Block ? now : DBNull.Value);
            block.Parameters.AddWithValue(request.Block ? moderator.Id : DBNull.Value);
            block.Parameters.AddWithValue(request.Block && request.Reason is not null ? request.Reason.GetValue<string>().Trim() : DBNull.Value);
            await block.ExecuteNonQueryAsync(ct);
        }
        return new BlockResult(id, request.Block, request.Block ? now : null, withdrawn);
    }

    public async ValueTask<UserRoles> Handle(SetRolesCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var admin = await Contributor.WriterAsync(connection, transaction, request.AdminId, cancellationToken);
        if (!admin.IsAdmin)
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may set roles.");
        }
        var target = (Guid.TryParse(request.UserId, out var id) ? await Contributor.FindAsync(connection, transaction, id, cancellationToken) : null)
            ?? throw new NotFoundException("user", request.UserId);
        var roles = request.Roles!.AsArray().Select(r => r!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).ToArray();
        // The account's row first, so that two PUTs of its roles take turns. Without it the second one's delete waits
        // for the first one's, then misses the rows the first inserted (they were not there when it began), and its
        // inserts collide with them: a unique violation or a deadlock, a 500 either way.
        await ProposalDecisions.Execute(connection, transaction, "select from users where id = $1 for update", cancellationToken, target.Id);
        await ProposalDecisions.Execute(connection, transaction, "delete from user_roles where user_id = $1", cancellationToken, target.Id);
        foreach (var role in roles)
        {
            await ProposalDecisions.Execute(connection, transaction, "insert into user_roles (user_id, role) values ($1, $2)", cancellationToken,
                target.Id, role.ToUpperInvariant());
        }
        return new UserRoles(target.Id, roles);
    }
}
