using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Web;
using Mediator;

namespace Facilities.Api.Features.Imports;

/// <summary>A partner's datasets: what each file is (licence, category, CRS, mapping), before anything is imported into it.</summary>
public static class DatasetEndpoints
{
    public static IEndpointRouteBuilder MapDatasets(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partner").WithTags("Government partners").RequirePartnerKey();
        // A definition, made or edited, may be as long as a draft's definition part (ImportUploads.MaxFieldChars) in
        // UTF-8; a longer body is refused before it is read.
        var definition = new BodyLimit(ImportUploads.MaxFieldChars * 3L);

        group.MapPost("/datasets", async (IMediator mediator, HttpContext http, CreateDatasetBody body, CancellationToken ct) =>
            {
                var dataset = await mediator.Send(new CreateDatasetCommand(http.CurrentPartner().Id, body), ct);
                return TypedResults.Created($"/api/v1/partner/datasets/{dataset.Id}", dataset);
            })
            .WithName("CreateDataset")
            .WithSummary("Declare a dataset: license (SPDX), attribution, category, CRS, mapping (or a preset), owned attributes, match distance.")
            .Produces<DatasetResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .WithMetadata(definition);

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
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(definition);

        group.MapGet("/presets", () => TypedResults.Ok(MappingPresets.All))
            .WithName("MappingPresets")
            .WithSummary("Ready-made mappings: use one with \"preset\" when creating a dataset, or build on one with \"extends\" in a mapping.");

        group.MapGet("/mappings", () => TypedResults.Ok(MappingPresets.All))
            .WithName("MappingPresetsByTheirFirstName")
            .WithSummary("The presets under their first path (the same list as /presets).");

        return app;
    }
}
