using System.Security.Claims;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using Mediator;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Facilities.Api.Features.Photos;

public static class PhotosEndpoints
{
    /// <summary>The file and the multipart framing around it.</summary>
    public const long MaxBodyBytes = PhotoImages.MaxBytes + 64 * 1024;

    private const long SmallBodyBytes = 64 * 1024;

    /// <summary>A too large photo's refusal, whichever check meets it first (the body's declared length or the file's bytes read).</summary>
    public static readonly string TooLargeMessage = $"A photo may be at most {PhotoImages.MaxBytes / (1024 * 1024)} MB.";

    public sealed record PhotoNoteBody(JsonNode? Note);

    public sealed record PhotoReportBody(JsonNode? Reason, JsonNode? Comment);

    public static IEndpointRouteBuilder MapPhotos(this IEndpointRouteBuilder app)
    {
        var facilities = app.MapGroup("/api/v1/facilities/{id}/photos").WithTags("Contributors");
        facilities.MapPost("/", async (IMediator mediator, HttpContext http, ClaimsPrincipal user, string id, CancellationToken ct) =>
            {
                var (bytes, contentType, fileName) = await ReceiveAsync(http, ct);
                var photo = await mediator.Send(new UploadPhotoCommand(user.UserId(), id, bytes, contentType, fileName), ct);
                return TypedResults.Created($"/api/v1/facilities/{id}/photos", photo);
            })
            .RequireAuthorization()
            .DisableAntiforgery()
            .WithMetadata(new ContributionBudget(RateLimitSettings.ProposalsAction), new BodyLimit(MaxBodyBytes, TooLargeMessage))
            .WithName("UploadPhoto")
            .WithSummary("Add a photo (multipart, part 'file': JPEG, PNG or WebP, at most 15 MB), published under CC BY-SA 4.0 with your name.")
            .WithDescription("The photo is decoded and re-encoded: metadata (EXIF position, camera serials) is dropped and the orientation applied. " +
                             "Answers 201 with the photo: approved at once from the reputation that applies updates at once, pending review below it " +
                             "(visible only to you and moderators until approved). A file that is not such an image, declares another type, " +
                             "carries another file, or has more than 12,000 pixels a side or 40 megapixels is refused and nothing is stored.")
            .Produces<PhotoView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        facilities.MapGet("/", async (IMediator mediator, ClaimsPrincipal user, string id, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new FacilityPhotosQuery(OptionalUser(user), id), ct)))
            .WithName("ListFacilityPhotos")
            .WithSummary("The facility's approved photos with their credit and licence; signed in, your own in review too (moderators: every pending one).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        var photos = app.MapGroup("/api/v1/photos").WithTags("Contributors");
        photos.MapGet("/{photoId}/{rendition}", async (IMediator mediator, HttpContext http, ClaimsPrincipal user, string photoId, string rendition,
                CancellationToken ct) =>
            {
                var file = await mediator.Send(new PhotoFileQuery(OptionalUser(user), photoId, rendition), ct);
                http.Response.Headers.XContentTypeOptions = "nosniff";
                // The bytes of a rendition never change (a new photo is a new id), so an approved one is cached for a year;
                // one in review is for its author's and moderators' eyes only.
                var cache = file.Public ? "public, max-age=31536000, immutable" : "private, no-store";
                return ConditionalGet.IsNotModified(http, new EntityTagHeaderValue($"\"{file.Sha256}\""), cache)
                    ? ConditionalGet.NotModified
                    : TypedResults.Bytes(file.Bytes, file.ContentType);
            })
            .WithName("GetPhotoFile")
            .WithSummary("A photo's image: thumb (320 px on the long side) or display (1600 px), JPEG, with a content-hash ETag.")
            .Produces(StatusCodes.Status200OK, contentType: "image/jpeg")
            .ProducesProblem(StatusCodes.Status404NotFound);

        photos.MapPost("/{photoId}/reports", async (IMediator mediator, ClaimsPrincipal user, string photoId, PhotoReportBody body, CancellationToken ct) =>
                TypedResults.Created($"/api/v1/photos/{photoId}/display",
                    await mediator.Send(new ReportPhotoCommand(user.UserId(), photoId, body.Reason, body.Comment), ct)))
            .RequireAuthorization()
            .WithMetadata(new ContributionBudget(RateLimitSettings.ReportsAction), new BodyLimit(SmallBodyBytes))
            .WithName("ReportPhoto")
            .WithSummary("Report a photo: not_this_place, offensive or personal_data. Reported photos wait in the moderators' queue.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

        var moderators = app.MapGroup("/api/v1/photos").WithTags("Moderators").RequireAuthorization(AccountsEndpoints.ModeratorPolicy)
            .WithMetadata(new BodyLimit(SmallBodyBytes));
        moderators.MapGet("/", async (IMediator mediator, ClaimsPrincipal user, [FromQuery(Name = "state")] string? state, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new PhotoQueueQuery(user.UserId(), state), ct)))
            .WithName("PhotoQueue")
            .WithSummary("Photos to review, oldest first: state=pending (the default) or reported (open reports), with the number of open reports.")
            .ProducesValidationProblem();
        foreach (var decision in Enum.GetValues<PhotoDecision>())
        {
            moderators.MapPost($"/{{photoId}}/{decision.Name()}", async (IMediator mediator, ClaimsPrincipal user, string photoId, PhotoNoteBody? body,
                    CancellationToken ct) => TypedResults.Ok(await mediator.Send(new ReviewPhotoCommand(user.UserId(), photoId, decision, body?.Note), ct)))
                .WithName($"{decision}Photo")
                .WithSummary(decision switch
                {
                    PhotoDecision.Approve => "Approve a photo: others see it from now on (also to show a hidden or rejected one again, or to keep a reported one shown).",
                    PhotoDecision.Reject => "Reject a pending photo: it is never shown.",
                    _ => "Hide a photo (after a report): no one but its author and moderators sees it.",
                })
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status404NotFound);
        }
        return app;
    }

    private static Guid? OptionalUser(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>
    /// The 'file' part of a multipart body, read into memory up to the limit (the decoder needs the whole file, and at
    /// 15 MB it is small next to the decoded pixels). Anything but multipart with such a part is a 4xx.
    /// </summary>
    private static async Task<(byte[] Bytes, string? ContentType, string? FileName)> ReceiveAsync(HttpContext http, CancellationToken ct)
    {
        if (http.Request.ContentType is not { } type || !MediaTypeHeaderValue.TryParse(type, out var media)
            || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(media.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                "Upload the photo as multipart/form-data with a part named 'file'.");
        }
        var reader = new MultipartReader(boundary, http.Request.Body);
        try
        {
            while (await reader.ReadNextStorableSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.IsFileDisposition()
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value != "file")
                {
                    continue;
                }
                var fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                using var buffer = new MemoryStream();
                var chunk = new byte[1 << 16];
                int read;
                while ((read = await section.Body.ReadAsync(chunk, ct)) > 0)
                {
                    if (buffer.Length + read > PhotoImages.MaxBytes)
                    {
                        throw TooLarge();
                    }
                    buffer.Write(chunk, 0, read);
                }
                return (buffer.ToArray(), section.ContentType, fileName);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge();
        }
        catch (Exception e) when (e is IOException or InvalidDataException && e is not BadHttpRequestException)
        {
            throw new DomainException(StatusCodes.Status400BadRequest, "Bad request",
                "The multipart body is incomplete or malformed; send the photo as multipart/form-data with a part named 'file'.");
        }
        throw new FluentValidation.ValidationException([new FluentValidation.Results.ValidationFailure("file", "no file part in the upload")]);
    }

    private static DomainException TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, "File too large", TooLargeMessage);
}
