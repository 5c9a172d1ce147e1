using System.Text.Json.Nodes;
using System.Xml.Linq;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Proposals;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Open311;

/// <summary>
/// POST /open311/v2/requests.json|.xml: a third-party app files a resident's report. A report is always on a facility:
/// <c>attribute[facility_id]</c> (or <c>address_id</c>, which requests.json answers with the facility's id) names it;
/// with only <c>lat</c>/<c>long</c> it is the nearest facility within <see cref="NearestWithinMetres"/>. The report is
/// the app's (its system account's); the resident's e-mail and name are kept for the partner only. <see cref="Lon"/> is
/// the spec's <c>long</c>.
/// </summary>
public sealed record FileServiceRequestCommand(Guid AppId, Guid AccountId, string? ServiceCode, string? FacilityId, string? Lat, string? Lon,
    string? Description, string? Email, string? FirstName, string? LastName) : IRequest<FiledServiceRequest>, IWriteCommand
{
    public const double NearestWithinMetres = 50;

    public const string FacilityAttribute = "attribute[facility_id]";
}

/// <summary>The spec's answer to a filing: the request's id (the report's), a notice, and no account id (the service has
/// no accounts for an app's residents).</summary>
public sealed record FiledServiceRequest(long ServiceRequestId, string? ServiceNotice, string? AccountId);

public sealed class FileServiceRequestValidator : AbstractValidator<FileServiceRequestCommand>
{
    public const int NameLength = 100;

    public FileServiceRequestValidator()
    {
        RuleFor(c => c.ServiceCode).Must(code => WireName.Parse<ReportReason>(code) is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<ReportReason>())}.");
        RuleFor(c => c.FacilityId).Must(id => id is null || Guid.TryParse(id, out _))
            .WithMessage("Must be a facility's id (a UUID, the address_id of requests.json).")
            .OverridePropertyName(FileServiceRequestCommand.FacilityAttribute);
        RuleFor(c => c.Lat).NotNull().When(c => c.FacilityId is null)
            .WithMessage($"Is required unless {FileServiceRequestCommand.FacilityAttribute} names the facility: with long, where the facility is.")
            .Must(v => v is null || (QueryValues.TryParseDouble(v, out var lat) && lat is >= -90 and <= 90))
            .WithMessage("Must be a number of degrees between -90 and 90 (lat is the north-south coordinate: were lat and lon swapped?).");
        RuleFor(c => c.Lon).NotNull().When(c => c.FacilityId is null)
            .WithMessage($"Is required unless {FileServiceRequestCommand.FacilityAttribute} names the facility: with lat, where the facility is.")
            .Must(v => v is null || (QueryValues.TryParseDouble(v, out var lon) && lon is >= -180 and <= 180))
            .WithMessage("Must be a number of degrees between -180 and 180.")
            .OverridePropertyName("long");
        RuleFor(c => c.Description).Must(d => d is null || d.Trim().Length is > 0 and <= 2000)
            .WithMessage("When given, must be a non-empty string of at most 2000 characters.");
        RuleFor(c => c.Email).Must(e => e is null || (e.Length <= 254 && EmailSyntax.IsValid(e)))
            .WithMessage("Must be an e-mail address such as name@example.org: ASCII, no spaces, quotes or angle brackets, and a domain with a dot.");
        RuleFor(c => c.FirstName).Must(n => n is null || n.Trim().Length <= NameLength).WithMessage($"When given, at most {NameLength} characters.");
        RuleFor(c => c.LastName).Must(n => n is null || n.Trim().Length <= NameLength).WithMessage($"When given, at most {NameLength} characters.");
    }
}

public sealed class FileServiceRequestHandler(UnitOfWork unitOfWork, ISender sender) : IRequestHandler<FileServiceRequestCommand, FiledServiceRequest>
{
    // The nearest facility still on the map within 50 m: ST_DWithin on geography for metres, ordered by the planar KNN
    // distance of the GiST index (at 50 m the planar and the geodesic order agree).
    private const string NearestSql = """
        select f.id from facilities f
        where f.status <> 'removed'
          and st_dwithin(f.geom::geography, st_setsrid(st_makepoint($2, $1), 4326)::geography, $3)
        order by f.geom <-> st_setsrid(st_makepoint($2, $1), 4326)
        limit 1
        """;

    // Whom the report reaches: the partners whose datasets hold the facility (Open311's jurisdictions).
    private const string PartnersSql = """
        select coalesce(string_agg(distinct p.name, ', '), '')
        from source_records s join datasets d on d.id = s.dataset_id join partners p on p.id = d.partner_id
        where s.facility_id = $1 and s.removed_at is null
        """;

    public async ValueTask<FiledServiceRequest> Handle(FileServiceRequestCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var facilityId = request.FacilityId is { } named ? Guid.Parse(named) : await NearestAsync(request, cancellationToken);

        // Sent, not called: the report is made as any other (its locks, weight, effect), in this transaction.
        var report = await sender.Send(new ReportCommand(request.AccountId, facilityId.ToString(), JsonValue.Create(request.ServiceCode),
            request.Description is { } description ? JsonValue.Create(description) : null), cancellationToken);

        await using (var insert = new NpgsqlCommand(
            "insert into open311_app_reports (report_id, app_id, email, first_name, last_name) values ($1, $2, $3, $4, $5)", connection, transaction))
        {
            insert.Parameters.AddWithValue(report.Id);
            insert.Parameters.AddWithValue(request.AppId);
            foreach (var text in (string?[])[request.Email, request.FirstName?.Trim(), request.LastName?.Trim()])
            {
                insert.Parameters.Add(new NpgsqlParameter { Value = string.IsNullOrEmpty(text) ? DBNull.Value : text, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            }
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var partners = new NpgsqlCommand(PartnersSql, connection, transaction);
        partners.Parameters.AddWithValue(facilityId);
        var names = (string)(await partners.ExecuteScalarAsync(cancellationToken))!;
        var notice = names.Length > 0
            ? $"Sent to {names}, who answer it here."
            : "No partner holds this facility: the report lowers its confidence on the map until it changes.";
        return new FiledServiceRequest(report.Id, notice, null);
    }

    private async Task<Guid> NearestAsync(FileServiceRequestCommand request, CancellationToken ct)
    {
        // The validator has read both as numbers already.
        _ = QueryValues.TryParseDouble(request.Lat, out var lat) & QueryValues.TryParseDouble(request.Lon, out var lon);
        await using var nearest = new NpgsqlCommand(NearestSql, unitOfWork.Connection, unitOfWork.Transaction);
        nearest.Parameters.AddWithValue(lat);
        nearest.Parameters.AddWithValue(lon);
        nearest.Parameters.AddWithValue(FileServiceRequestCommand.NearestWithinMetres);
        return await nearest.ExecuteScalarAsync(ct) as Guid?
               ?? throw new DomainException(StatusCodes.Status400BadRequest, "No facility there",
                   $"No facility is within {FileServiceRequestCommand.NearestWithinMetres} m of lat/long; name the facility with " +
                   $"{FileServiceRequestCommand.FacilityAttribute} (its id, the address_id of requests.json).");
    }

    /// <summary>The spec's XML: &lt;service_requests&gt;&lt;request&gt; with the id, the notice and an empty account_id.</summary>
    public static XDocument ToXml(FiledServiceRequest filed) => new(new XDeclaration("1.0", "utf-8", null),
        new XElement("service_requests", new XElement("request",
            new XElement("service_request_id", filed.ServiceRequestId), new XElement("service_notice", filed.ServiceNotice),
            new XElement("account_id", filed.AccountId))));
}
