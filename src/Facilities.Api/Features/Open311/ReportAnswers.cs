using Facilities.Api.Data;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Open311;

/// <summary>A partner's answer to a report, as the reporter and the partner read it back: <see cref="Status"/> is the
/// answer (acknowledged, in_progress, fixed, not_a_problem), <see cref="Partner"/> the name of the partner who gave it.</summary>
public sealed record ReportAnswer(string Status, string? Notes, string Partner, DateTime RespondedAt);

/// <summary>GET /api/v1/me/reports: the caller's own reports, newest first, each with the partner's answer if any.</summary>
public sealed record MyReportsQuery(Guid UserId) : IRequest<MyReports>
{
    public const int MaxReports = 200;
}

public sealed record MyReports(IReadOnlyList<MyReport> Reports);

public sealed record MyReport(long Id, Guid FacilityId, string? FacilityName, string Category, string Reason, string? Comment, DateTime CreatedAt,
    ReportAnswer? Response);

/// <summary>
/// GET /api/v1/partner/reports: the reports on the partner's facilities of the last <see cref="RequestsQuery.DefaultDays"/>
/// days, newest first, with the answer and, for a report an Open311 app filed, the resident as the app gave them
/// (the only place that shows them).
/// </summary>
public sealed record PartnerReportsQuery(Guid PartnerId) : IRequest<PartnerReports>
{
    public const int MaxReports = 500;
}

public sealed record PartnerReports(IReadOnlyList<PartnerReport> Reports);

public sealed record PartnerReport(long Id, Guid FacilityId, string? FacilityName, string Reason, string? Comment, DateTime CreatedAt,
    string Open311Status, ReportAnswer? Response, FiledBy? FiledBy);

/// <summary>The app that filed a report and the resident it filed it for (each part only if the app gave it).</summary>
public sealed record FiledBy(string App, string? Email, string? FirstName, string? LastName);

public sealed class ReportAnswersHandler(ReadSource dataSource, TimeProvider clock)
    : IRequestHandler<MyReportsQuery, MyReports>, IRequestHandler<PartnerReportsQuery, PartnerReports>
{
    // reports_user (migration 0021) gives one account's reports newest first; the answer is at most one row per report.
    private const string MineSql = """
        select r.id, f.id, f.name, f.category, r.reason, r.comment, r.created_at, a.response, a.notes, p.name, a.responded_at
        from reports r join facilities f on f.id = r.facility_id
        left join report_responses a on a.report_id = r.id
        left join partners p on p.id = a.partner_id
        where r.user_id = $1
        order by r.created_at desc, r.id desc
        limit $2
        """;

    // The partner's facilities as Open311's requests.json reads them (a live record of one of its datasets), with the
    // semi-join for the same reason: a facility two of its datasets hold lists each report once.
    private const string PartnerSql = """
        select r.id, f.id, f.name, r.reason, r.comment, r.created_at, a.response, a.notes, p.name, a.responded_at,
               app.name, o.email, o.first_name, o.last_name
        from reports r join facilities f on f.id = r.facility_id
        left join report_responses a on a.report_id = r.id
        left join partners p on p.id = a.partner_id
        left join open311_app_reports o on o.report_id = r.id
        left join open311_apps app on app.id = o.app_id
        where exists (select 1 from source_records s join datasets d on d.id = s.dataset_id
                      where s.facility_id = r.facility_id and s.removed_at is null and d.partner_id = $1)
          and r.created_at >= $2
        order by r.created_at desc, r.id desc
        limit $3
        """;

    public async ValueTask<MyReports> Handle(MyReportsQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(MineSql, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = request.UserId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MyReportsQuery.MaxReports });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var reports = new List<MyReport>();
        while (await reader.ReadAsync(cancellationToken))
        {
            reports.Add(new MyReport(reader.GetInt64(0), reader.GetGuid(1), Text(reader, 2), reader.GetString(3), reader.GetString(4), Text(reader, 5),
                reader.GetDateTime(6), Answer(reader, 7)));
        }
        return new MyReports(reports);
    }

    public async ValueTask<PartnerReports> Handle(PartnerReportsQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(PartnerSql, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = request.PartnerId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = clock.GetUtcNow().UtcDateTime.AddDays(-RequestsQuery.DefaultDays) });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PartnerReportsQuery.MaxReports });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var reports = new List<PartnerReport>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var answer = Answer(reader, 6);
            var status = (answer is null ? null : WireName.Parse<ReportResponse>(answer.Status)).ToOpen311Status().Name();
            var filedBy = reader.IsDBNull(10) ? null : new FiledBy(reader.GetString(10), Text(reader, 11), Text(reader, 12), Text(reader, 13));
            reports.Add(new PartnerReport(reader.GetInt64(0), reader.GetGuid(1), Text(reader, 2), reader.GetString(3), Text(reader, 4),
                reader.GetDateTime(5), status, answer, filedBy));
        }
        return new PartnerReports(reports);
    }

    private static string? Text(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    /// <summary>The answer in columns response, notes, partner name, responded_at from <paramref name="first"/> on; none yet is null.</summary>
    private static ReportAnswer? Answer(NpgsqlDataReader reader, int first) => reader.IsDBNull(first)
        ? null
        : new ReportAnswer(reader.GetString(first), Text(reader, first + 1), reader.GetString(first + 2), reader.GetDateTime(first + 3));
}
