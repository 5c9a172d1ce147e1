using System.Security.Claims;
using System.Xml.Linq;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace Facilities.Api.Features.Open311;

/// <summary>
/// Open311 GeoReport v2 for government partners' systems, in XML (which the spec requires) and JSON, chosen by the
/// path's extension as the spec does. Refusals stay problem+json like every refusal of the service (docs/api.md).
/// </summary>
public static class Open311Endpoints
{
    /// <summary>The spec's XML media type.</summary>
    public const string XmlContentType = "text/xml; charset=utf-8";

    public static IEndpointRouteBuilder MapOpen311(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/open311/v2").WithTags("Open311 GeoReport v2");
        group.MapGet("/services.json", async (IMediator mediator, CancellationToken ct) => TypedResults.Json(await mediator.Send(new ServicesQuery(), ct)))
            .WithName("Open311ServicesJson").WithSummary("The report reasons as Open311 services (JSON).")
            .Produces<IReadOnlyList<Open311Service>>();
        group.MapGet("/services.xml", async (IMediator mediator, CancellationToken ct) => Xml(ServicesHandler.ToXml(await mediator.Send(new ServicesQuery(), ct))))
            .WithName("Open311ServicesXml").WithSummary("The report reasons as Open311 services (XML).")
            .Produces<string>(StatusCodes.Status200OK, "text/xml");

        foreach (var format in (string[])["json", "xml"])
        {
            group.MapGet($"/requests.{format}", async (IMediator mediator,
                    [FromQuery(Name = "jurisdiction_id")] string? jurisdictionId,
                    [FromQuery(Name = "service_code")] string? serviceCode,
                    [FromQuery(Name = "status")] string? status,
                    [FromQuery(Name = "start_date")] string? startDate,
                    [FromQuery(Name = "end_date")] string? endDate,
                    [FromQuery(Name = "service_request_id")] string? serviceRequestId, CancellationToken ct) =>
                    Answer(format, await mediator.Send(new RequestsQuery(jurisdictionId, serviceCode, status, startDate, endDate, serviceRequestId), ct)))
                .WithName($"Open311Requests{(format == "json" ? "Json" : "Xml")}")
                .WithSummary($"The community's reports on the partner's facilities as Open311 service requests, newest first ({format.ToUpperInvariant()}).")
                .WithDescription($"jurisdiction_id is the partner's id. Without start_date, the {RequestsQuery.DefaultDays} days before end_date " +
                                 $"(default now); at most {RequestsQuery.MaxRequests} requests. service_request_id (comma-separated ids) overrides the other filters.")
                .Produces<IReadOnlyList<Open311Request>>(StatusCodes.Status200OK, format == "json" ? "application/json" : "text/xml")
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
            group.MapGet($"/requests/{{id}}.{format}", async (IMediator mediator, string id,
                    [FromQuery(Name = "jurisdiction_id")] string? jurisdictionId, CancellationToken ct) =>
                    Answer(format, await mediator.Send(new RequestQuery(jurisdictionId, id), ct)))
                .WithName($"Open311Request{(format == "json" ? "Json" : "Xml")}")
                .WithSummary($"One service request of the partner's, as an array of one ({format.ToUpperInvariant()}).")
                .Produces<IReadOnlyList<Open311Request>>(StatusCodes.Status200OK, format == "json" ? "application/json" : "text/xml")
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status404NotFound);
            group.MapPost($"/requests.{format}", async (IMediator mediator, HttpContext http, NpgsqlDataSource dataSource, CancellationToken ct) =>
                {
                    var form = await ReadFormAsync(http, ct);
                    string? Field(string name) => form.TryGetValue(name, out var values) && values.FirstOrDefault() is { Length: > 0 } value ? value : null;
                    var key = Field("api_key") ?? (http.Request.Query["api_key"].FirstOrDefault() is { Length: > 0 } inQuery ? inQuery : null)
                              ?? throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden",
                                  "Filing a service request needs the api_key an admin issued to the app.");
                    var app = await Open311AppHandlers.FindAsync(dataSource, key, ct)
                              ?? throw new DomainException(StatusCodes.Status403Forbidden, "Forbidden", "The api_key is unknown or revoked.");
                    // The report is the app's system account's: as the request's user it spends that account's budget
                    // for reports (and the address's) like any other write.
                    http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, app.AccountId.ToString())], "Open311AppKey"));
                    var filed = await mediator.Send(new FileServiceRequestCommand(app.AppId, app.AccountId, Field("service_code"),
                        Field(FileServiceRequestCommand.FacilityAttribute) ?? Field("address_id"), Field("lat"), Field("long"), Field("description"),
                        Field("email"), Field("first_name"), Field("last_name")), ct);
                    return format == "json" ? (IResult)TypedResults.Json(new[] { filed }) : Xml(FileServiceRequestHandler.ToXml(filed));
                })
                .DisableAntiforgery()
                .WithMetadata(new ContributionBudget(RateLimitSettings.ReportsAction), new BodyLimit(64 * 1024))
                .WithName($"Open311PostRequest{(format == "json" ? "Json" : "Xml")}")
                .WithSummary($"A third-party app files a report, with its api_key, as a form ({format.ToUpperInvariant()}).")
                .WithDescription($"service_code (a report reason), the facility as {FileServiceRequestCommand.FacilityAttribute} (or address_id) " +
                                 $"or else lat and long (the nearest facility within {FileServiceRequestCommand.NearestWithinMetres} m), " +
                                 "description, and the resident's email, first_name and last_name (for the partner only). " +
                                 "Answers [{service_request_id, service_notice, account_id}]; refusals are problem+json, a missing, unknown or " +
                                 "revoked api_key a 403 as the spec says.")
                .Produces<IReadOnlyList<FiledServiceRequest>>(StatusCodes.Status200OK, format == "json" ? "application/json" : "text/xml")
                .ProducesValidationProblem()
                .ProducesProblem(StatusCodes.Status403Forbidden)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
                .ProducesProblem(StatusCodes.Status429TooManyRequests);
        }

        var partner = app.MapGroup("/api/v1/partner").WithTags("Government partners").RequirePartnerKey();
        partner.MapGet("/reports", async (IMediator mediator, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new PartnerReportsQuery(http.CurrentPartner().Id), ct)))
            .WithName("PartnerReports")
            .WithSummary($"The reports on the partner's facilities of the last {RequestsQuery.DefaultDays} days, newest first (at most " +
                         $"{PartnerReportsQuery.MaxReports}), each with its answer and, when an Open311 app filed it, the app and the " +
                         "resident's e-mail and name as the app gave them.");
        app.MapGet("/api/v1/me/reports", async (IMediator mediator, ClaimsPrincipal user, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new MyReportsQuery(user.UserId()), ct)))
            .RequireAuthorization().WithTags("Contributors")
            .WithName("MyReports")
            .WithSummary($"The caller's reports, newest first (at most {MyReportsQuery.MaxReports}), each with the partner's answer: " +
                         "status, notes, partner, responded_at.");
        partner.MapPut("/reports/{id}/response", async (IMediator mediator, HttpContext http, string id, ReportResponseBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RespondToReportCommand(http.CurrentPartner().Id, id, body.Status, body.Notes), ct)))
            .WithName("RespondToReport")
            .WithSummary("Answer a report on one of the partner's facilities: acknowledged, in_progress, fixed or not_a_problem, with notes. " +
                         "Open311 shows fixed and not_a_problem as closed, with the notes as status_notes; fixed on an out_of_order " +
                         "report reopens the facility if it is temporarily closed. Another partner's report is a 404.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>The spec's body: a form, url-encoded or multipart; anything else is a 415, a broken one a 400.</summary>
    private static async Task<IFormCollection> ReadFormAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Send the service request as a form (application/x-www-form-urlencoded or multipart/form-data), as GeoReport v2 does.");
        }
        try
        {
            return await http.Request.ReadStorableFormAsync(ct);
        }
        catch (Exception e) when (e is InvalidDataException or IOException && e is not BadHttpRequestException)
        {
            throw new DomainException(StatusCodes.Status400BadRequest, "Bad request", "The form is malformed or one of its fields is too long.");
        }
    }

    public sealed record ReportResponseBody(System.Text.Json.Nodes.JsonNode? Status, System.Text.Json.Nodes.JsonNode? Notes);

    private static IResult Answer(string format, IReadOnlyList<Open311Request> requests) =>
        format == "json" ? TypedResults.Json(requests) : Xml(RequestsHandler.ToXml(requests));

    // XDocument.ToString leaves the declaration out; the spec wants it before the root element.
    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Xml(XDocument xml) => TypedResults.Text(xml.Declaration + "\n" + xml.Root, XmlContentType);
}
