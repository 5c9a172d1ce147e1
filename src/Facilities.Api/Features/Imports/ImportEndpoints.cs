using Facilities.Api.Features.Partners;
using Facilities.Api.Web;
using Mediator;
using Microsoft.Extensions.Options;

namespace Facilities.Api.Features.Imports;

public static class ImportEndpoints
{
    public static IServiceCollection AddImports(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ImportOptions>(configuration.GetSection("Facilities:Imports"));
        services.AddSingleton(_ => ImportDatabase.Create(Data.DatabaseRegistration.ConnectionString(configuration)));
        services.AddSingleton<ImportRunner>();
        services.AddSingleton<PartnerUploadSlots>();
        services.AddHostedService(sp => sp.GetRequiredService<ImportRunner>());
        return services;
    }

    public static IEndpointRouteBuilder MapImports(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partner/datasets/{datasetId:guid}/imports").WithTags("Government partners").RequirePartnerKey();

        group.MapPost("/", async (IMediator mediator, HttpContext http, Guid datasetId, IOptions<ImportOptions> options, PartnerUploadSlots slots,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "dry_run")] string? dryRun, CancellationToken ct) =>
            {
                var partner = http.CurrentPartner();
                var dry = dryRun switch
                {
                    null or "false" or "0" => false,
                    "true" or "1" => true,
                    _ => throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("dry_run", "must be true or false")]),
                };
                // The dataset first: someone else's dataset is a 404 before a byte of the file is read.
                await mediator.Send(new Partners.ListDatasetsQuery(partner.Id, datasetId), ct);
                Upload upload;
                using (slots.Take(partner.Id))
                {
                    upload = await ImportUploads.ReceiveAsync(http, options.Value, ct);
                }
                ImportResponse import;
                try
                {
                    import = await mediator.Send(new QueueImportCommand(partner.Id, datasetId, dry, upload.Format, upload.FileName, upload.Path, upload.Bytes), ct);
                }
                catch
                {
                    // No import row names the file, so nothing would ever run or delete it.
                    File.Delete(upload.Path);
                    throw;
                }
                return TypedResults.Accepted($"/api/v1/partner/datasets/{datasetId}/imports/{import.Id}", import);
            })
            .DisableAntiforgery()
            .WithName("UploadImport")
            .WithSummary("Upload a file (multipart, field 'file'): CSV, GeoJSON, KML, OSM XML, Overpass JSON or a zipped Shapefile.")
            .WithDescription("202 with the import; poll its Location until state is succeeded or failed. dry_run=true reports without writing.")
            .Produces<ImportResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapGet("/", async (IMediator mediator, HttpContext http, Guid datasetId, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetImportsQuery(http.CurrentPartner().Id, datasetId, null), ct)))
            .WithName("ListImports")
            .WithSummary("The dataset's latest imports, newest first.");

        group.MapGet("/{importId:guid}", async (IMediator mediator, HttpContext http, Guid datasetId, Guid importId, CancellationToken ct) =>
                TypedResults.Ok((await mediator.Send(new GetImportsQuery(http.CurrentPartner().Id, datasetId, importId), ct))[0]))
            .WithName("GetImport")
            .WithSummary("An import's state (queued, running, succeeded, failed) and its report.");

        return app;
    }
}
