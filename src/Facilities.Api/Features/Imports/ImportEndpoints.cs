using Facilities.Api.Features.Partners;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Features.Imports;

public static class ImportEndpoints
{
    public static IServiceCollection AddImports(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ImportOptions>(configuration.GetSection("Facilities:Imports"));
        services.AddSingleton(_ => ImportDatabase.Create(Data.DatabaseRegistration.ConnectionString(configuration)));
        services.AddSingleton<ImportRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ImportRunner>());
        return services;
    }

    public static IEndpointRouteBuilder MapImports(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/partner/datasets/{datasetId:guid}/imports").WithTags("Government partners").RequirePartnerKey();

        group.MapPost("/", async (IMediator mediator, HttpContext http, Guid datasetId, IOptions<ImportOptions> options,
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
                var upload = await ReceiveAsync(http, options.Value, ct);
                var import = await mediator.Send(new QueueImportCommand(partner.Id, datasetId, dry, upload.Format, upload.FileName, upload.Path, upload.Bytes), ct);
                return TypedResults.Accepted($"/api/v1/partner/datasets/{datasetId}/imports/{import.Id}", import);
            })
            .DisableAntiforgery()
            .WithName("UploadImport")
            .WithSummary("Upload a file (multipart, field 'file'): CSV, GeoJSON, KML, OSM XML, Overpass JSON or a zipped Shapefile.")
            .WithDescription("202 with the import; poll its Location until state is succeeded or failed. dry_run=true reports without writing.")
            .Produces<ImportResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
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

    private sealed record Upload(string Format, string? FileName, string Path, long Bytes);

    /// <summary>
    /// Streams the multipart file to disk, counting bytes as they arrive: over the limit is a 413 with the partial
    /// file deleted, an unknown format a 415 before anything is stored. The body is never buffered in memory.
    /// </summary>
    private static async Task<Upload> ReceiveAsync(HttpContext http, ImportOptions options, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxFileBytes + (1 << 20);
        }
        var contentType = http.Request.ContentType;
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Upload the file as multipart/form-data with a part named 'file'.");
        }
        var reader = new MultipartReader(boundary, http.Request.Body);
        while (await reader.ReadNextSectionAsync(ct) is { } section)
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition())
            {
                continue;
            }
            var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
            var format = ImportFormats.FromUpload(fileName, section.ContentType)
                         ?? throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                             $"'{fileName}' is not a format imports read: CSV (.csv, .tsv), GeoJSON (.geojson, .json), KML (.kml), " +
                             "OpenStreetMap XML (.osm), Overpass JSON (.json) or a zipped Shapefile (.zip).");
            Directory.CreateDirectory(options.Directory);
            var path = Path.Combine(options.Directory, Guid.NewGuid().ToString("N") + ".upload");
            long bytes = 0;
            try
            {
                await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await section.Body.ReadAsync(buffer, ct)) > 0)
                {
                    bytes += read;
                    if (bytes > options.MaxFileBytes)
                    {
                        throw new DomainException(StatusCodes.Status413PayloadTooLarge, "File too large",
                            $"The file is larger than the limit of {options.MaxFileBytes} bytes.");
                    }
                    await file.WriteAsync(buffer.AsMemory(0, read), ct);
                }
            }
            catch (Exception e) when (e is DomainException or IOException or BadHttpRequestException or OperationCanceledException)
            {
                File.Delete(path);
                if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
                {
                    throw new DomainException(StatusCodes.Status413PayloadTooLarge, "File too large",
                        $"The file is larger than the limit of {options.MaxFileBytes} bytes.");
                }
                throw;
            }
            if (bytes == 0)
            {
                File.Delete(path);
                throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("file", "the file is empty")]);
            }
            return new Upload(format, fileName, path, bytes);
        }
        throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("file", "no file part in the upload")]);
    }
}
