using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Accounts;

/// <summary>GET /api/v1/me: the caller's account, reputation, privileges and what is left of the rate-limit budgets.</summary>
public sealed record MeQuery(Guid UserId) : IRequest<Me>;

public sealed record Me(Guid Id, string Name, string? Email, int Reputation, IReadOnlyList<string> Roles, bool Blocked,
    Privileges Privileges, IReadOnlyDictionary<string, BudgetLeft> RateLimits, int Accepted, int Rejected, int Pending);

/// <summary>What the account's reputation and roles allow now.</summary>
public sealed record Privileges(double VoteWeight, bool VotesCount, bool UpdatesApplyAtOnce, bool CreatesApplyAtOnce, bool Moderate);

/// <summary>GET /api/v1/users/{id}: a public profile.</summary>
public sealed record UserProfileQuery(string Id) : IRequest<UserProfile>;

public sealed record UserProfile(Guid Id, string Name, int Reputation, IReadOnlyList<string> Roles, bool Blocked, int Accepted, int Rejected,
    DateTime CreatedAt);

/// <summary>PUT /api/v1/admin/users/{id}/reputation: an admin sets a reputation (audited: who, when, from, to).</summary>
public sealed record SetReputationCommand(Guid AdminId, string Id, int? Reputation) : IRequest<ReputationSet>;

public sealed record ReputationSet(Guid Id, int From, int To, Guid SetBy);

public sealed class SetReputationValidator : AbstractValidator<SetReputationCommand>
{
    public SetReputationValidator() => RuleFor(c => c.Reputation).NotNull().InclusiveBetween(1, 1_000_000);
}

public sealed class AccountQueryHandlers(NpgsqlDataSource dataSource, ReputationRules rules, ContributionRateLimits limits) :
    IRequestHandler<MeQuery, Me>, IRequestHandler<UserProfileQuery, UserProfile>, IRequestHandler<SetReputationCommand, ReputationSet>
{
    // Counts come from the proposals themselves, so they cannot drift from what happened.
    private const string ProfileSql =
        "select u.id, u.display_name, u.email, u.reputation, u.blocked_at is not null, u.created_at, " +
        "       array(select lower(role) from user_roles r where r.user_id = u.id order by role), " +
        "       (select count(*) from proposals p where p.author_id = u.id and p.state = 'accepted')::int, " +
        "       (select count(*) from proposals p where p.author_id = u.id and p.state = 'rejected')::int, " +
        "       (select count(*) from proposals p where p.author_id = u.id and p.state = 'pending')::int " +
        "from users u where u.id = $1";

    private sealed record Row(Guid Id, string Name, string? Email, int Reputation, bool Blocked, DateTime CreatedAt, string[] Roles,
        int Accepted, int Rejected, int Pending);

    public async ValueTask<Me> Handle(MeQuery request, CancellationToken cancellationToken)
    {
        var row = await ReadAsync(request.UserId, cancellationToken)
            ?? throw new DomainException(StatusCodes.Status401Unauthorized, "Unauthorized", "The account of this token no longer exists.");
        var moderate = row.Roles.Contains(Contributor.ModeratorRole) || row.Roles.Contains(Contributor.AdminRole);
        var privileges = new Privileges(Math.Round(rules.VoteWeight(row.Reputation, moderate), 4), moderate || row.Reputation >= rules.Vote,
            moderate || row.Reputation >= rules.ApplyUpdatesAtOnce, moderate || row.Reputation >= rules.ApplyCreatesAtOnce, moderate);
        return new Me(row.Id, row.Name, row.Email, row.Reputation, row.Roles, row.Blocked, privileges,
            await limits.LeftAsync(row.Id, row.Reputation, cancellationToken), row.Accepted, row.Rejected, row.Pending);
    }

    public async ValueTask<UserProfile> Handle(UserProfileQuery request, CancellationToken cancellationToken)
    {
        var row = (Guid.TryParse(request.Id, out var id) ? await ReadAsync(id, cancellationToken) : null)
            ?? throw new NotFoundException("user", request.Id);
        return new UserProfile(row.Id, row.Name, row.Reputation, row.Roles, row.Blocked, row.Accepted, row.Rejected, row.CreatedAt);
    }

    public async ValueTask<ReputationSet> Handle(SetReputationCommand request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw new NotFoundException("user", request.Id);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var admin = await Contributor.WriterAsync(connection, transaction, request.AdminId, cancellationToken);
        if (!admin.IsAdmin)
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may set a reputation.");
        }
        var set = await ReputationLedger.SetAsync(connection, transaction, id, request.Reputation!.Value, admin.Id, cancellationToken)
            ?? throw new NotFoundException("user", request.Id);
        await transaction.CommitAsync(cancellationToken);
        return new ReputationSet(id, set.From, set.To, admin.Id);
    }

    private async Task<Row?> ReadAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(ProfileSql);
        command.Parameters.AddWithValue(id);
        await using var r = await command.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct)
            ? new Row(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3), r.GetBoolean(4), r.GetDateTime(5),
                r.GetFieldValue<string[]>(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9))
            : null;
    }
}
