using System.Globalization;
using System.Text.Json.Serialization;
using System.Xml.Linq;
using Facilities.Api.Data;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Open311;

/// <summary>
/// One GeoReport v2 service request: a resident's report on a facility, with the spec's field names. lat and long are
/// the facility's WGS 84 position; address_id is the facility's id (the one address this service has), address its
/// name, the nearest thing to a human-readable description of the place that the layer holds.
/// </summary>
public sealed record Open311Request(long ServiceRequestId, string Status, string? StatusNotes, string ServiceName, string ServiceCode,
    string? Description, string AgencyResponsible, string RequestedDatetime, string UpdatedDatetime, string? Address, Guid AddressId,
    double Lat, [property: JsonPropertyName("long")] double Lon);

/// <summary>Open311 open or closed (wire names through <see cref="WireName"/>).</summary>
public enum Open311Status
{
    Open,
    Closed,
}

/// <summary>
/// GET /open311/v2/requests.json|.xml: the community's reports on the facilities the partner (jurisdiction_id) holds,
/// newest first. service_code and status are comma-separated lists; start_date and end_date bound requested_datetime.
/// service_request_id, a comma-separated list of ids, overrides the other filters, as the spec says: a CRM asks for
/// the requests it tracks, however old.
/// </summary>
public sealed record RequestsQuery(string? JurisdictionId, string? ServiceCode, string? Status, string? StartDate, string? EndDate,
    string? ServiceRequestId) : IRequest<IReadOnlyList<Open311Request>>
{
    /// <summary>The spec's defaults: without start_date, the 90 days before end_date; at most 1000 requests.</summary>
    public const int DefaultDays = 90;

    public const int MaxRequests = 1000;
}

/// <summary>GET /open311/v2/requests/{id}.json|.xml: one request, as an array of one, the way the spec answers it.</summary>
public sealed record RequestQuery(string? JurisdictionId, string Id) : IRequest<IReadOnlyList<Open311Request>>;

internal static class Open311Rules
{
    public const string JurisdictionRequired =
        "Is required: the id of the partner whose facilities' reports to list (this endpoint serves every partner).";

    public static readonly string ServiceCodeMessage = $"Must be one or more of: {string.Join(", ", WireName.All<ReportReason>())}.";

    public static readonly string StatusMessage = $"Must be one or more of: {string.Join(", ", WireName.All<Open311Status>())}.";

    public const string InstantMessage = QueryValues.InstantMessage;

    public static readonly string IdsMessage =
        $"Must be one or more service request ids (whole numbers, comma-separated), at most {RequestsQuery.MaxRequests.ToString(CultureInfo.InvariantCulture)}.";

    /// <summary>The ids of a service_request_id list; null when the list is absent, empty, too long or names a non-id.</summary>
    public static long[]? ParseIds(string? list)
    {
        var values = QueryValues.SplitList(list);
        if (values.Length is 0 or > RequestsQuery.MaxRequests)
        {
            return null;
        }
        var ids = new long[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            if (!long.TryParse(values[i], NumberStyles.None, CultureInfo.InvariantCulture, out ids[i]))
            {
                return null;
            }
        }
        return ids;
    }

    public static bool AllOf<T>(string? list) where T : struct, Enum =>
        list is null || (QueryValues.SplitList(list) is { Length: > 0 } values && values.All(v => WireName.Parse<T>(v) is not null));

    public static bool Instant(string? text) => text is null || QueryValues.TryParseInstant(text, out _);

    public static DateTime? ParseInstant(string? text) =>
        text is not null && QueryValues.TryParseInstant(text, out var value) ? value.UtcDateTime : null;
}

public sealed class RequestsQueryValidator : AbstractValidator<RequestsQuery>
{
    public RequestsQueryValidator()
    {
        RuleFor(q => q.JurisdictionId).NotEmpty().WithMessage(Open311Rules.JurisdictionRequired);
        RuleFor(q => q.ServiceCode).Must(Open311Rules.AllOf<ReportReason>).WithMessage(Open311Rules.ServiceCodeMessage);
        RuleFor(q => q.Status).Must(Open311Rules.AllOf<Open311Status>).WithMessage(Open311Rules.StatusMessage);
        RuleFor(q => q.StartDate).Must(Open311Rules.Instant).WithMessage(Open311Rules.InstantMessage);
        RuleFor(q => q.EndDate).Must(Open311Rules.Instant).WithMessage(Open311Rules.InstantMessage);
        RuleFor(q => q.ServiceRequestId).Must(ids => ids is null || Open311Rules.ParseIds(ids) is not null).WithMessage(Open311Rules.IdsMessage);
        RuleFor(q => q.StartDate)
            .Must((q, start) => Open311Rules.ParseInstant(start) is not { } from || Open311Rules.ParseInstant(q.EndDate) is not { } to || from <= to)
            .WithMessage("Must not be later than end_date.");
    }
}

public sealed class RequestQueryValidator : AbstractValidator<RequestQuery>
{
    public RequestQueryValidator() => RuleFor(q => q.JurisdictionId).NotEmpty().WithMessage(Open311Rules.JurisdictionRequired);
}

public sealed class RequestsHandler(ReadSource dataSource, TimeProvider clock)
    : IRequestHandler<RequestsQuery, IReadOnlyList<Open311Request>>, IRequestHandler<RequestQuery, IReadOnlyList<Open311Request>>
{
    // The partner's facilities are those a live record of one of its datasets is linked to (the records that own
    // attributes are among them: ownership is a dataset's, through its records). A facility two of its datasets hold
    // is one facility: hence the semi-join, never a join that would list its reports twice. Newest first: a CRM polls
    // for what is new; reports_created serves the date range.
    private const string Sql = """
        select r.id, r.reason, r.comment, r.created_at, f.name, f.id, st_y(f.geom), st_x(f.geom), a.response, a.notes, a.responded_at
        from reports r join facilities f on f.id = r.facility_id
        left join report_responses a on a.report_id = r.id
        where exists (select 1 from source_records s join datasets d on d.id = s.dataset_id
                      where s.facility_id = r.facility_id and s.removed_at is null and d.partner_id = $1)
          and ($2::text[] is null or r.reason = any($2))
          and r.created_at >= $3 and r.created_at <= $4
          and ($5::bigint[] is null or r.id = any($5))
          and ($7::text[] is null or coalesce(a.response, '') = any($7))
        order by r.created_at desc, r.id desc
        limit $6
        """;

    public async ValueTask<IReadOnlyList<Open311Request>> Handle(RequestsQuery request, CancellationToken cancellationToken)
    {
        if (Open311Rules.ParseIds(request.ServiceRequestId) is { } ids)
        {
            return await ReadAsync(request.JurisdictionId!, null, DateTime.MinValue, DateTime.MaxValue, ids, null, cancellationToken);
        }
        // A status is the answers that map to it ('' for none yet), so that the filter runs before the limit.
        var statuses = request.Status is null ? null : QueryValues.SplitList(request.Status).Select(s => WireName.Parse<Open311Status>(s)!.Value).ToHashSet();
        var responses = statuses is null ? null : Enum.GetValues<ReportResponse>().Select(r => (ReportResponse?)r).Append(null)
            .Where(r => statuses.Contains(r.ToOpen311Status())).Select(r => r?.Name() ?? "").ToArray();
        var to = Open311Rules.ParseInstant(request.EndDate) ?? clock.GetUtcNow().UtcDateTime;
        var from = Open311Rules.ParseInstant(request.StartDate) ?? to.AddDays(-RequestsQuery.DefaultDays);
        var codes = request.ServiceCode is null ? null : QueryValues.SplitList(request.ServiceCode).Select(c => WireName.Parse<ReportReason>(c)!.Value.Name()).ToArray();
        return await ReadAsync(request.JurisdictionId!, codes, from, to, null, responses, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<Open311Request>> Handle(RequestQuery request, CancellationToken cancellationToken)
    {
        var id = long.TryParse(request.Id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new NotFoundException("service request", request.Id);
        var found = await ReadAsync(request.JurisdictionId!, null, DateTime.MinValue, DateTime.MaxValue, [id], null, cancellationToken);
        return found.Count == 1 ? found : throw new NotFoundException("service request", request.Id);
    }

    private async Task<IReadOnlyList<Open311Request>> ReadAsync(string jurisdictionId, string[]? codes, DateTime from, DateTime to, long[]? ids,
        string[]? responses, CancellationToken ct)
    {
        var partnerId = Guid.TryParse(jurisdictionId, out var guid) ? guid : throw new NotFoundException("jurisdiction", jurisdictionId);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        string agency;
        await using (var partner = new NpgsqlCommand("select name from partners where id = $1", connection))
        {
            partner.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = partnerId });
            agency = await partner.ExecuteScalarAsync(ct) as string ?? throw new NotFoundException("jurisdiction", jurisdictionId);
        }
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = partnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)codes ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = RequestsQuery.MaxRequests });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)responses ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var requests = new List<Open311Request>();
        while (await reader.ReadAsync(ct))
        {
            var reason = WireName.Parse<ReportReason>(reader.GetString(1))!.Value;
            var service = ServicesHandler.Of(reason);
            var response = reader.IsDBNull(8) ? null : WireName.Parse<ReportResponse>(reader.GetString(8));
            var requested = Datetime(reader.GetDateTime(3));
            var updated = reader.IsDBNull(10) ? requested : Datetime(reader.GetDateTime(10));
            requests.Add(new Open311Request(reader.GetInt64(0), response.ToOpen311Status().Name(), reader.IsDBNull(9) ? null : reader.GetString(9),
                service.ServiceName, service.ServiceCode, reader.IsDBNull(2) ? null : reader.GetString(2), agency, requested, updated,
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetGuid(5), reader.GetDouble(6), reader.GetDouble(7)));
        }
        return requests;
    }

    /// <summary>The spec's date/time: W3C's profile of ISO 8601, to the second, in UTC.</summary>
    public static string Datetime(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The spec's XML: &lt;service_requests&gt;&lt;request&gt;…, an unknown value as an empty element.</summary>
    public static XDocument ToXml(IReadOnlyList<Open311Request> requests) => new(new XDeclaration("1.0", "utf-8", null),
        new XElement("service_requests", requests.Select(r => new XElement("request",
            new XElement("service_request_id", r.ServiceRequestId), new XElement("status", r.Status), new XElement("status_notes", r.StatusNotes),
            new XElement("service_name", r.ServiceName), new XElement("service_code", r.ServiceCode), new XElement("description", r.Description),
            new XElement("agency_responsible", r.AgencyResponsible), new XElement("requested_datetime", r.RequestedDatetime),
            new XElement("updated_datetime", r.UpdatedDatetime), new XElement("address", r.Address), new XElement("address_id", r.AddressId),
            new XElement("lat", r.Lat.ToString("R", CultureInfo.InvariantCulture)), new XElement("long", r.Lon.ToString("R", CultureInfo.InvariantCulture))))));
}
