using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Open311;

/// <summary>A partner's answer to a report (wire and SQL names through <see cref="WireName"/>).</summary>
public enum ReportResponse
{
    Acknowledged,
    InProgress,
    Fixed,
    NotAProblem,
}

public static class ReportResponses
{
    /// <summary>The one mapping to Open311's two statuses: an answer that ends the matter closes the request.</summary>
    public static Open311Status ToOpen311Status(this ReportResponse? response) =>
        response is ReportResponse.Fixed or ReportResponse.NotAProblem ? Open311Status.Closed : Open311Status.Open;
}

/// <summary>PUT /api/v1/partner/reports/{id}/response: the partner answers a report on one of its facilities.</summary>
public sealed record RespondToReportCommand(Guid PartnerId, string ReportId, JsonNode? Status, JsonNode? Notes)
    : IRequest<ReportResponseResult>, IWriteCommand
{
    public ReportResponse? StatusValue => WireName.Parse<ReportResponse>(Json.Text(Status));
}

/// <summary>The answer as stored, its Open311 status, and whether it reopened the facility (a fixed out_of_order
/// report on a temporarily closed facility).</summary>
public sealed record ReportResponseResult(long ServiceRequestId, Guid FacilityId, string Response, string Status, string? Notes,
    DateTime RespondedAt, string RespondedBy, bool FacilityReopened);

public sealed class RespondToReportValidator : AbstractValidator<RespondToReportCommand>
{
    public RespondToReportValidator()
    {
        RuleFor(c => c.Status).Must((c, _) => c.StatusValue is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<ReportResponse>())}.");
        RuleFor(c => c.Notes).Must(OptionalComment.IsValid).WithMessage(OptionalComment.Message);
    }
}

public sealed class RespondToReportHandler(UnitOfWork unitOfWork, TimeProvider clock) : IRequestHandler<RespondToReportCommand, ReportResponseResult>
{
    // The report, if it is on a facility a live record of one of the partner's datasets holds (Open311's jurisdiction),
    // with the partner's name; another partner's report is not found, as in the partner's other endpoints.
    private const string FindSql = """
        select r.facility_id, r.reason, p.name
        from reports r, partners p
        where r.id = $1 and p.id = $2
          and exists (select 1 from source_records s join datasets d on d.id = s.dataset_id
                      where s.facility_id = r.facility_id and s.removed_at is null and d.partner_id = $2)
        """;

    public async ValueTask<ReportResponseResult> Handle(RespondToReportCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        if (!long.TryParse(request.ReportId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var reportId))
        {
            throw new NotFoundException("report", request.ReportId);
        }
        Guid facilityId;
        ReportReason reason;
        string partnerName;
        await using (var find = new NpgsqlCommand(FindSql, connection, transaction))
        {
            find.Parameters.AddWithValue(reportId);
            find.Parameters.AddWithValue(request.PartnerId);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new NotFoundException("report", request.ReportId);
            }
            (facilityId, reason, partnerName) = (reader.GetGuid(0), WireName.Parse<ReportReason>(reader.GetString(1))!.Value, reader.GetString(2));
        }
        var response = request.StatusValue!.Value;
        var notes = Json.Text(request.Notes)?.Trim();
        var now = clock.GetUtcNow().UtcDateTime;

        // A fixed out_of_order report answers the closure the reports made: the facility reopens, through the change
        // unit (a version, its provenance and a feed entry). Whether it is still closed is read under the row lock,
        // after the feed lock (the documented order), so that a concurrent reopening is not a second version.
        var reopened = false;
        if (response == ReportResponse.Fixed && reason == ReportReason.OutOfOrder)
        {
            await unitOfWork.Facilities.LockFeedAsync(cancellationToken);
            if (await unitOfWork.Facilities.LockAsync(facilityId, cancellationToken) is { Status: FacilityStatus.TemporarilyClosed })
            {
                var update = await unitOfWork.Facilities.UpdateAsync(facilityId,
                    new Dictionary<string, JsonNode?> { ["status"] = FacilityStatus.Open.Name(), ["status_until"] = null },
                    new VersionSource(ProposalDecisions.CommunityDataset, facilityId.ToString(), now, 0.9,
                        $"Fixed by {partnerName}" + (notes is null ? "" : $": {notes}"), AuthorName: partnerName), cancellationToken);
                reopened = update is { Outcome: FacilityUpdateOutcome.Applied };
            }
        }

        await using (var upsert = new NpgsqlCommand(
            "insert into report_responses (report_id, partner_id, response, notes, responded_at) values ($1, $2, $3, $4, $5) " +
            "on conflict (report_id) do update set partner_id = excluded.partner_id, response = excluded.response, notes = excluded.notes, " +
            "responded_at = excluded.responded_at", connection, transaction))
        {
            upsert.Parameters.AddWithValue(reportId);
            upsert.Parameters.AddWithValue(request.PartnerId);
            upsert.Parameters.AddWithValue(response.Name());
            upsert.Parameters.Add(new NpgsqlParameter { Value = (object?)notes ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            upsert.Parameters.AddWithValue(now);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }
        return new ReportResponseResult(reportId, facilityId, response.Name(), ((ReportResponse?)response).ToOpen311Status().Name(), notes, now,
            partnerName, reopened);
    }
}
