using Facilities.Api.Web;
using Mediator;
using Microsoft.Extensions.Options;
using Npgsql;

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
                var dry = DryRun(dryRun);
                // The dataset first: someone else's dataset is a 404 before a byte of the file is read.
                await mediator.Send(new ListDatasetsQuery(partner.Id, datasetId), ct);
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

        // Imports by their own id, for the partner: a dry run of a draft definition (no dataset yet), and every import's records.
        var imports = app.MapGroup("/api/v1/partner/imports").WithTags("Government partners").RequirePartnerKey();

        imports.MapPost("/", async (IMediator mediator, HttpContext http, IOptions<ImportOptions> options, PartnerUploadSlots slots,
                IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "dry_run")] string? dryRun,
                CancellationToken ct) =>
            {
                var partner = http.CurrentPartner();
                var dry = DryRun(dryRun);
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                Upload upload;
                using (slots.Take(partner.Id))
                {
                    upload = await ImportUploads.ReceiveAsync(http, options.Value, ct, fields);
                }
                ImportResponse import;
                try
                {
                    var body = Definition(fields, json.Value.SerializerOptions);
                    import = await mediator.Send(new QueueDraftImportCommand(partner.Id, body, dry, upload), ct);
                }
                catch
                {
                    File.Delete(upload.Path);
                    throw;
                }
                return TypedResults.Accepted($"/api/v1/partner/imports/{import.Id}", import);
            })
            .DisableAntiforgery()
            .WithName("UploadDraftImport")
            .WithSummary("Import a file against a dataset definition (multipart: a 'definition' part with the body of POST /datasets, then 'file').")
            .WithDescription("dry_run=true checks the definition and runs the import without creating anything (the dataset is made inside the " +
                             "rolled-back transaction); without it the dataset is created and the file imported into it. 202 with the import.")
            .Produces<ImportResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        imports.MapGet("/{importId:guid}", async (IMediator mediator, HttpContext http, Guid importId, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetPartnerImportQuery(http.CurrentPartner().Id, importId), ct)))
            .WithName("GetPartnerImport")
            .WithSummary("One of the partner's imports by its id (a draft's dry run has no dataset).");

        imports.MapGet("/{importId:guid}/records", async (IMediator mediator, HttpContext http, Guid importId,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "outcome")] string? outcome,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? limit,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "offset")] long? offset, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new GetImportRecordsQuery(http.CurrentPartner().Id, importId, outcome, limit ?? 100, offset ?? 0), ct)))
            .WithName("ImportRecords")
            .WithSummary("What each record became: row, record_id, outcome (created, merged, updated, unchanged, review, rejected), facility_id, " +
                         "reason, ignored values; filter by outcome, page with limit (<= 1000) and offset.");

        imports.MapGet("/{importId:guid}/records.csv", async (IMediator mediator, NpgsqlDataSource dataSource, HttpContext http, Guid importId,
                CancellationToken ct) =>
            {
                var partner = http.CurrentPartner();
                var import = await mediator.Send(new GetPartnerImportQuery(partner.Id, importId), ct);
                http.Response.ContentType = "text/csv; charset=utf-8";
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"import-{import.Id}-records.csv\"";
                await GetImportRecordsHandler.WriteCsvAsync(dataSource, partner.Id, importId, http.Response.Body, ct);
            })
            .WithName("ImportRecordsCsv")
            .WithSummary("The records of an import as CSV, one row per record of the file.")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv");

        var samples = app.MapGroup("/api/v1/partner/file-samples").WithTags("Government partners").RequirePartnerKey();
        samples.MapPost("/", async (IMediator mediator, HttpContext http, IOptions<ImportOptions> options,
                PartnerUploadSlots slots, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "head")] string? head,
                [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")] int? limit, CancellationToken ct) =>
            {
                var isHead = Flag("head", head);
                Upload upload;
                using (slots.Take(http.CurrentPartner().Id))
                {
                    upload = await ImportUploads.ReceiveAsync(http, options.Value, ct);
                }
                try
                {
                    return TypedResults.Ok(await mediator.Send(new SampleFileQuery(upload, isHead, limit ?? SampleFileHandler.DefaultLimit), ct));
                }
                finally
                {
                    File.Delete(upload.Path);
                }
            })
            .DisableAntiforgery()
            .WithName("SampleFile")
            .WithSummary($"The first records of a file (limit, {SampleFileHandler.DefaultLimit} unless given, at most {SampleFileHandler.MaxLimit}) " +
                         "as an import reads them (multipart, field 'file'): " +
                         "its columns, each record's values and position, and the CRS the file fixes. Nothing is stored.")
            .WithDescription("For choosing a mapping before a dry run. A file that cannot be read is a 422 saying why; one that goes wrong " +
                             "after its first records is sampled as far as it reads, with 'stopped' saying why. head=true: the upload is the " +
                             "first part of a larger file, read as far as it goes (a CSV's last row, maybe cut, left out).")
            .Produces<FileSample>()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return app;
    }

    private static bool DryRun(string? value) => Flag("dry_run", value);

    private static bool Flag(string name, string? value) => value switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        _ => throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure(name, "must be true or false")]),
    };

    private static CreateDatasetBody Definition(Dictionary<string, string> fields, System.Text.Json.JsonSerializerOptions json)
    {
        if (!fields.TryGetValue("definition", out var text))
        {
            throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("definition",
                "no definition part before the file: send the dataset definition (the body of POST /api/v1/partner/datasets) as a part named 'definition'")]);
        }
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<CreateDatasetBody>(text, json)
                   ?? throw new System.Text.Json.JsonException("null");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("definition",
                $"is not a dataset definition in JSON: {e.Message.Split(" Path:")[0]}")]);
        }
    }
}
