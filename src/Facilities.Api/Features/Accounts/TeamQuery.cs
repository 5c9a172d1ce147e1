using System.Globalization;
using System.Security.Claims;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Facilities.Api.Features.Accounts;

/// <summary>GET /api/v1/admin/users?q=&amp;limit=: the team screen's search. Accounts whose e-mail or display name
/// contains q (case-insensitive; all accounts, newest first, without q), each with its roles, reputation, the counts of
/// its proposals and its recent activity. Granting roles, setting reputation and blocking are the existing endpoints.</summary>
public sealed record FindUsersQuery(Guid AdminId, string? Q, string? Limit) : IRequest<TeamPage>
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
}

public sealed record TeamPage(IReadOnlyList<TeamMember> Users);

/// <summary>An account as the team screen shows it; recent: its latest proposals and reputation changes, newest first.</summary>
public sealed record TeamMember(Guid Id, string Name, string? Email, int Reputation, IReadOnlyList<string> Roles, bool Blocked,
    int Accepted, int Rejected, int Pending, DateTime CreatedAt, IReadOnlyList<TeamActivity> Recent);

/// <summary>What happened: kind "proposal" (what = its kind, state = its state) or "reputation" (what = the reason,
/// from and to the reputation before and after).</summary>
public sealed record TeamActivity(string Kind, string What, string? State, int? From, int? To, Guid? ProposalId, DateTime At);

public sealed class FindUsersValidator : AbstractValidator<FindUsersQuery>
{
    public FindUsersValidator()
    {
        RuleFor(q => q.Q).Must(v => v is null || v.Length <= 200).WithMessage("Must be at most 200 characters.");
        RuleFor(q => q.Limit).Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= FindUsersQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {FindUsersQuery.MaxLimit}.");
    }
}

public sealed class FindUsersHandler(NpgsqlDataSource dataSource) : IRequestHandler<FindUsersQuery, TeamPage>
{
    // Counts come from the proposals themselves, as in the profile; the search is a plain scan with ILIKE, which is
    // enough for a team screen (accounts number in the thousands, not millions).
    private const string UsersSql =
        "select u.id, u.display_name, u.email, u.reputation, u.blocked_at is not null, u.created_at, " +
        "       array(select lower(role) from user_roles r where r.user_id = u.id order by role), " +
        "       (select count(*) from proposals p where p.author_id = u.id and p.state = 'accepted')::int, " +
        "       (select count(*) from proposals p where p.author_id = u.id and p.state = 'rejected')::int, " +
        "       (select count(*) from proposals p where p.author_id = u.id and p.state = 'pending')::int " +
        "from users u where u.system_partner_id is null and u.system_app_id is null " +
        "  and ($1::text is null or u.email ilike '%' || $1 || '%' or u.display_name ilike '%' || $1 || '%') " +
        "order by u.created_at desc limit $2";

    private const string RecentSql =
        "select * from ( " +
        "  select p.author_id u, 'proposal' kind, p.kind what, p.state, null::int f, null::int t, p.id proposal, p.created_at at " +
        "  from proposals p where p.author_id = any($1) " +
        "  union all " +
        "  select e.user_id, 'reputation', e.reason, null, e.reputation_from, e.reputation_to, e.proposal_id, e.created_at " +
        "  from reputation_events e where e.user_id = any($1)) a " +
        "order by at desc";

    private const int RecentPerUser = 8;

    public async ValueTask<TeamPage> Handle(FindUsersQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var admin = await Contributor.WriterAsync(connection, null, request.AdminId, cancellationToken);
        if (!admin.IsAdmin)
        {
            throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "Only admins may see the team.");
        }
        var rows = new List<TeamMember>();
        await using (var command = new NpgsqlCommand(UsersSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = string.IsNullOrWhiteSpace(request.Q) ? DBNull.Value : request.Q.Trim(),
                NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text
            });
            command.Parameters.AddWithValue(request.Limit is null ? FindUsersQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture));
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                rows.Add(new TeamMember(r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt32(3),
                    r.GetFieldValue<string[]>(6), r.GetBoolean(4), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9), r.GetDateTime(5), []));
            }
        }
        var recent = rows.ToDictionary(u => u.Id, _ => new List<TeamActivity>());
        await using (var command = new NpgsqlCommand(RecentSql, connection))
        {
            command.Parameters.AddWithValue(rows.Select(u => u.Id).ToArray());
            await using var r = await command.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                var list = recent[r.GetGuid(0)];
                if (list.Count < RecentPerUser)
                {
                    list.Add(new TeamActivity(r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                        r.IsDBNull(4) ? null : r.GetInt32(4), r.IsDBNull(5) ? null : r.GetInt32(5), r.IsDBNull(6) ? null : r.GetGuid(6),
                        r.GetDateTime(7)));
                }
            }
        }
        return new TeamPage([.. rows.Select(u => u with { Recent = recent[u.Id] })]);
    }
}

public static class TeamEndpoint
{
    public static IEndpointRouteBuilder MapTeam(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/admin/users", async (IMediator mediator, ClaimsPrincipal user, [FromQuery(Name = "q")] string? q,
                [FromQuery(Name = "limit")] string? limit, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new FindUsersQuery(user.UserId(), q, limit), ct)))
            .RequireAuthorization(AccountsEndpoints.AdminPolicy)
            .WithName("FindUsers")
            .WithTags("Moderators")
            .WithSummary("Admins: find accounts by e-mail or name, with roles, reputation, proposal counts and recent activity.")
            .ProducesValidationProblem();
        return app;
    }
}
