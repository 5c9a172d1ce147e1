using System.Xml.Linq;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;

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
                    [FromQuery(Name = "end_date")] string? endDate, CancellationToken ct) =>
                    Answer(format, await mediator.Send(new RequestsQuery(jurisdictionId, serviceCode, status, startDate, endDate), ct)))
                .WithName($"Open311Requests{(format == "json" ? "Json" : "Xml")}")
                .WithSummary($"The community's reports on the partner's facilities as Open311 service requests, newest first ({format.ToUpperInvariant()}).")
                .WithDescription($"jurisdiction_id is the partner's id. Without start_date, the {RequestsQuery.DefaultDays} days before end_date " +
                                 $"(default now); at most {RequestsQuery.MaxRequests} requests.")
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
        }

        app.MapGroup("/api/v1/partner").WithTags("Government partners").RequirePartnerKey()
            .MapPut("/reports/{id}/response", async (IMediator mediator, HttpContext http, string id, ReportResponseBody body, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RespondToReportCommand(http.CurrentPartner().Id, id, body.Status, body.Notes), ct)))
            .WithName("RespondToReport")
            .WithSummary("Answer a report on one of the partner's facilities: acknowledged, in_progress, fixed or not_a_problem, with notes. " +
                         "Open311 shows fixed and not_a_problem as closed, with the notes as status_notes; fixed on an out_of_order " +
                         "report reopens the facility if it is temporarily closed. Another partner's report is a 404.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public sealed record ReportResponseBody(System.Text.Json.Nodes.JsonNode? Status, System.Text.Json.Nodes.JsonNode? Notes);

    private static IResult Answer(string format, IReadOnlyList<Open311Request> requests) =>
        format == "json" ? TypedResults.Json(requests) : Xml(RequestsHandler.ToXml(requests));

    // XDocument.ToString leaves the declaration out; the spec wants it before the root element.
    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Xml(XDocument xml) => TypedResults.Text(xml.Declaration + "\n" + xml.Root, XmlContentType);
}
