using Facilities.Api.Features.Imports.Mapping;
using Mediator;

namespace Facilities.Api.Features.Partners;

public static class PartnerEndpoints
{
    public static IEndpointRouteBuilder MapPartners(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partner").WithTags("Government partners").RequirePartnerKey();

        group.MapPost("/datasets", async (IMediator mediator, HttpContext http, CreateDatasetBody body, CancellationToken ct) =>
            {
                var dataset = await mediator.Send(new CreateDatasetCommand(http.CurrentPartner().Id, body), ct);
                return TypedResults.Created($"/api/v1/partner/datasets/{dataset.Id}", dataset);
            })
            .WithName("CreateDataset")
            .WithSummary("Declare a dataset: license (SPDX), attribution, category, CRS, mapping (or a preset), owned attributes, match distance.")
            .Produces<DatasetResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem();

        group.MapGet("/datasets", async (IMediator mediator, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ListDatasetsQuery(http.CurrentPartner().Id), ct)))
            .WithName("ListDatasets")
            .WithSummary("The partner's datasets.");

        group.MapGet("/datasets/{datasetId:guid}", async (IMediator mediator, HttpContext http, Guid datasetId, CancellationToken ct) =>
                TypedResults.Ok((await mediator.Send(new ListDatasetsQuery(http.CurrentPartner().Id, datasetId), ct))[0]))
            .WithName("GetDataset")
            .WithSummary("One of the partner's datasets (another partner's answers 404).");

        group.MapPatch("/datasets/{datasetId:guid}", async (IMediator mediator, HttpContext http, Guid datasetId, UpdateDatasetBody body,
                CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new UpdateDatasetCommand(http.CurrentPartner().Id, datasetId, body), ct)))
            .WithName("UpdateDataset")
            .WithSummary("Change a dataset's name, license, attribution, CRS, mapping, owned attributes or match distance, from the next import on. " +
                         "The id column is fixed once records exist (409).")
            .Produces<DatasetResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/presets", () => TypedResults.Ok(MappingPresets.All))
            .WithName("MappingPresets")
            .WithSummary("Ready-made mappings: use one with \"preset\" when creating a dataset, or build on one with \"extends\" in a mapping.");

        group.MapGet("/mappings", () => TypedResults.Ok(MappingPresets.All))
            .WithName("MappingPresetsByTheirFirstName")
            .WithSummary("The presets under their first path (the same list as /presets).");

        group.MapGet("/feedback", async (IMediator mediator, HttpContext http,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? cursor,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] string? limit, CancellationToken ct) =>
            {
                var page = await mediator.Send(new FeedbackQuery(http.CurrentPartner().Id, cursor, limit), ct);
                return TypedResults.Ok(page);
            })
            .WithName("PartnerFeedback")
            .WithSummary("Community changes and disputes on the partner's facilities, oldest first; follow links[rel=next].");

        group.MapGet("/reviews", async (IMediator mediator, HttpContext http,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "state")] string? state,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] string? limit,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "cursor")] string? cursor, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new PartnerReviewsQuery(http.CurrentPartner().Id, state, limit, cursor), ct)))
            .WithName("PartnerReviews")
            .WithSummary("Ambiguous matches of the partner's own records (state=open by default), each with its candidates: distance, name " +
                         "similarity, score and position; follow links[rel=next].");

        group.MapPost("/reviews/{id}/resolve", async (IMediator mediator, HttpContext http, string id, ResolvePartnerReviewBody body,
                CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new ResolvePartnerReviewCommand(http.CurrentPartner().Id, id, body.Decision, body.FacilityId), ct)))
            .WithName("ResolvePartnerReview")
            .WithSummary("Settle one of the partner's ambiguous matches: same_as (with facility_id, one of its candidates) merges the record " +
                         "there, different_facility creates a facility for it. Another partner's item is a 404.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return app;
    }

    public sealed record ResolvePartnerReviewBody(System.Text.Json.Nodes.JsonNode? Decision, System.Text.Json.Nodes.JsonNode? FacilityId);
}
