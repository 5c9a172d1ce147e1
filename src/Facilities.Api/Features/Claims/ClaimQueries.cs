using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Open311;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Claims;

/// <summary>GET /api/v1/claims?status=pending: the moderators' queue of claims, oldest first.</summary>
public sealed record ClaimQueueQuery(Guid ModeratorId, string? Status) : IRequest<ClaimList>
{
    public const int MaxClaims = 200;
}

/// <summary>GET /api/v1/me/claims: the caller's claims, newest first, whatever their state.</summary>
public sealed record MyClaimsQuery(Guid UserId) : IRequest<ClaimList>;

public sealed record ClaimList(IReadOnlyList<ClaimView> Claims);

/// <summary>
/// GET /api/v1/me/claims/{id}/reports: what the community says about the facility an approved claim is on, as a
/// partner reads it about its own (GET /api/v1/partner/reports): the reports of the last
/// <see cref="RequestsQuery.DefaultDays"/> days, newest first, each with a partner's answer if one gave it; and the
/// disputes over the attributes the operator owns, the open ones first.
/// </summary>
public sealed record ClaimReportsQuery(Guid UserId, string ClaimId) : IRequest<ClaimReports>
{
    public const int MaxReports = 500;
}

public sealed record ClaimReports(Guid ClaimId, Guid FacilityId, IReadOnlyList<OperatorReport> Reports, IReadOnlyList<OperatorDispute> Disputes);

public sealed record OperatorReport(long Id, Guid FacilityId, string? FacilityName, string Reason, string? Comment, DateTime CreatedAt,
    ReportAnswer? Response);

/// <summary>A community change to an attribute the operator owns, kept from applying until a moderator decides.</summary>
public sealed record OperatorDispute(Guid Id, string State, string Attribute, RawJson? OperatorValue, RawJson? CommunityValue, Guid? ProposalId,
    DateTime CreatedAt, DateTime? ResolvedAt);

public sealed class ClaimQueueValidator : AbstractValidator<ClaimQueueQuery>
{
    public ClaimQueueValidator() => RuleFor(q => q.Status).Must(s => s is null || WireName.Parse<ClaimState>(s) is not null)
        .WithMessage($"Must be one of: {string.Join(", ", WireName.All<ClaimState>())}.");
}

public sealed class ClaimQueries(ReadSource dataSource, TimeProvider clock) :
    IRequestHandler<ClaimQueueQuery, ClaimList>, IRequestHandler<MyClaimsQuery, ClaimList>, IRequestHandler<ClaimReportsQuery, ClaimReports>
{
    // operator_claims_pending keeps the pending queue in time order. A pending claim still waiting for the create
    // proposal it came with has no facility to decide on yet: it joins the queue once the facility exists.
    private const string QueueSql = ClaimRows.ViewSql + """
         where c.state = $1 and c.facility_id is not null
         order by c.created_at, c.id
         limit $2
        """;

    private const string MineSql = ClaimRows.ViewSql + """
         where c.user_id = $1
         order by c.created_at desc, c.id desc
        """;

    // reports_facility gives the facility's reports newest first; the answer is at most one row per report. The
    // resident an Open311 app filed a report for stays the partner's to see.
    private const string ReportsSql = """
        select r.id, f.id, f.name, r.reason, r.comment, r.created_at, a.response, a.notes, p.name, a.responded_at
        from reports r join facilities f on f.id = r.facility_id
        left join report_responses a on a.report_id = r.id
        left join partners p on p.id = a.partner_id
        where r.facility_id = $1 and r.created_at >= $2
        order by r.created_at desc, r.id desc
        limit $3
        """;

    private const string DisputesSql = """
        select id, state, details ->> 'attribute', (details -> 'partner_value')::text, (details -> 'community_value')::text, proposal_id,
               created_at, resolved_at
        from review_items
        where claim_id = $1 and kind = 'dispute'
        order by state = 'resolved', created_at desc
        limit $2
        """;

    public async ValueTask<ClaimList> Handle(ClaimQueueQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.DataSource.OpenConnectionAsync(cancellationToken);
        await Contributor.ReviewerAsync(connection, null, request.ModeratorId, cancellationToken);
        await using var command = new NpgsqlCommand(QueueSql, connection);
        command.Parameters.AddWithValue(request.Status ?? ClaimState.Pending.Name());
        command.Parameters.AddWithValue(ClaimQueueQuery.MaxClaims);
        return new ClaimList(await ReadAsync(command, cancellationToken));
    }

    public async ValueTask<ClaimList> Handle(MyClaimsQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.DataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(MineSql, connection);
        command.Parameters.AddWithValue(request.UserId);
        return new ClaimList(await ReadAsync(command, cancellationToken));
    }

    public async ValueTask<ClaimReports> Handle(ClaimReportsQuery request, CancellationToken cancellationToken)
    {
        var ct = cancellationToken;
        await using var connection = await dataSource.DataSource.OpenConnectionAsync(ct);
        var id = ClaimRows.ParseId(request.ClaimId);
        var claim = await ClaimRows.ViewAsync(connection, null, id, ct);
        if (claim.AccountId != request.UserId)
        {
            throw new NotFoundException("claim", request.ClaimId);
        }
        if (claim.State != ClaimState.Approved.Name() || claim.FacilityId is not { } facilityId)
        {
            throw new DomainException(StatusCodes.Status409Conflict, "Conflict",
                $"Reports on a facility are for its approved operator: this claim is {claim.State}.");
        }

        var reports = new List<OperatorReport>();
        await using (var command = new NpgsqlCommand(ReportsSql, connection))
        {
            command.Parameters.AddWithValue(facilityId);
            command.Parameters.AddWithValue(clock.GetUtcNow().UtcDateTime.AddDays(-RequestsQuery.DefaultDays));
            command.Parameters.AddWithValue(ClaimReportsQuery.MaxReports);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                var answer = r.IsDBNull(6) ? null : new ReportAnswer(r.GetString(6), r.IsDBNull(7) ? null : r.GetString(7), r.GetString(8), r.GetDateTime(9));
                reports.Add(new OperatorReport(r.GetInt64(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3),
                    r.IsDBNull(4) ? null : r.GetString(4), r.GetDateTime(5), answer));
            }
        }
        var disputes = new List<OperatorDispute>();
        await using (var command = new NpgsqlCommand(DisputesSql, connection))
        {
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(ClaimReportsQuery.MaxReports);
            await using var r = await command.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
            {
                disputes.Add(new OperatorDispute(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : new RawJson(r.GetString(3)),
                    r.IsDBNull(4) ? null : new RawJson(r.GetString(4)), r.IsDBNull(5) ? null : r.GetGuid(5), r.GetDateTime(6),
                    r.IsDBNull(7) ? null : r.GetDateTime(7)));
            }
        }
        return new ClaimReports(id, facilityId, reports, disputes);
    }

    private static async Task<List<ClaimView>> ReadAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var claims = new List<ClaimView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            claims.Add(ClaimRows.ReadView(reader));
        }
        return claims;
    }
}
