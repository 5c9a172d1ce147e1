using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Features.Accounts;
using Facilities.Api.Features.Reputation;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Photos;

/// <summary>Where a photo is in its review (wire and SQL names through <see cref="WireName"/>).</summary>
public enum PhotoState
{
    Pending,
    Approved,
    Rejected,
    Hidden,
}

/// <summary>The two stored sizes of a photo.</summary>
public enum PhotoRenditionKind
{
    Thumb,
    Display,
}

/// <summary>What a report says is wrong with a photo.</summary>
public enum PhotoReportReason
{
    NotThisPlace,
    Offensive,
    PersonalData,
}

/// <summary>What a moderator does with a photo.</summary>
public enum PhotoDecision
{
    Approve,
    Reject,
    Hide,
}

/// <summary>The licence every photo is published under, credited to its contributor.</summary>
public static class PhotoLicense
{
    public const string Id = "CC-BY-SA-4.0";
    public const string Name = "CC BY-SA 4.0";
    public const string Url = "https://creativecommons.org/licenses/by-sa/4.0/";

    public static string Notice(string attribution) =>
        $"You publish this photo under {Name} ({Url}): anyone may share and adapt it, crediting \"{attribution}\" and sharing alike.";
}

/// <summary>A photo as answered: its state (others only ever see approved ones), credit, licence and the two image URLs.</summary>
public sealed record PhotoView(Guid Id, Guid FacilityId, string State, Guid AuthorId, string Attribution, string License, string LicenseUrl,
    int Width, int Height, string ThumbUrl, string DisplayUrl, DateTime CreatedAt)
{
    /// <summary>Only in the answer to the upload: what the contributor agreed to.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? LicenseNotice { get; init; }

    /// <summary>Only for moderators: the reports not yet resolved.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? OpenReports { get; init; }

    /// <summary>Only in the moderators' queue of reported photos: what the open reports say, oldest first.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<PhotoReportView>? Reports { get; init; }

    public static string FileUrl(Guid id, PhotoRenditionKind rendition) => $"/api/v1/photos/{id}/{rendition.Name()}";
}

/// <summary>
/// POST /api/v1/facilities/{id}/photos: the uploaded file, as the endpoint received it. Not a write itself: the decoding
/// and re-encoding run without a transaction (they take CPU, not the database), then <see cref="StorePhotoCommand"/> writes.
/// </summary>
public sealed record UploadPhotoCommand(Guid UserId, string FacilityId, byte[] File, string? ContentType, string? FileName) : IRequest<PhotoView>;

/// <summary>Stores the renditions made from an upload: approved at once from the at-once privilege on, pending below it.</summary>
public sealed record StorePhotoCommand(Guid UserId, string FacilityId, PreparedPhoto Photo) : IRequest<PhotoView>, IWriteCommand;

/// <summary>POST /api/v1/photos/{id}/approve|reject|hide: a moderator's decision, with an optional note.</summary>
public sealed record ReviewPhotoCommand(Guid ModeratorId, string PhotoId, PhotoDecision Decision, JsonNode? Note) : IRequest<PhotoView>, IWriteCommand;

/// <summary>POST /api/v1/photos/{id}/reports: what is wrong with a photo others can see.</summary>
public sealed record ReportPhotoCommand(Guid UserId, string PhotoId, JsonNode? Reason, JsonNode? Comment) : IRequest<PhotoReportResult>, IWriteCommand
{
    public PhotoReportReason? ReasonValue => WireName.Parse<PhotoReportReason>(Json.Text(Reason));
}

/// <summary>One open report as a moderator reads it: the reason and the reporter's words (not who they are).</summary>
public sealed record PhotoReportView(string Reason, string? Comment, DateTime CreatedAt);

public sealed record PhotoReportResult(long Id, Guid PhotoId, string Reason, int OpenReports, bool AlreadyReported);

public sealed class UploadPhotoValidator : AbstractValidator<UploadPhotoCommand>
{
    public UploadPhotoValidator()
    {
        RuleFor(c => c.File).Must(f => f.Length > 0).WithMessage("The file is empty.")
            .Must(f => f.Length <= PhotoImages.MaxBytes).WithMessage($"The file may be at most {PhotoImages.MaxBytes} bytes.");
    }
}

public sealed class StorePhotoValidator : AbstractValidator<StorePhotoCommand>
{
    public StorePhotoValidator() => RuleFor(c => c.Photo)
        .Must(p => p.Thumb.Bytes.Length > 0 && p.Display.Bytes.Length > 0 && p.Thumb.Width <= PhotoImages.ThumbSide
                   && Math.Max(p.Display.Width, p.Display.Height) <= PhotoImages.DisplaySide)
        .WithMessage("A photo is stored as its two renditions, made by PhotoImages.");
}

public sealed class ReviewPhotoValidator : AbstractValidator<ReviewPhotoCommand>
{
    public ReviewPhotoValidator() => RuleFor(c => c.Note).Must(PhotoText.IsValid).WithMessage(PhotoText.Message);
}

public sealed class ReportPhotoValidator : AbstractValidator<ReportPhotoCommand>
{
    public ReportPhotoValidator()
    {
        RuleFor(c => c.Reason).Must((c, _) => c.ReasonValue is not null)
            .WithMessage($"Must be one of: {string.Join(", ", WireName.All<PhotoReportReason>())}.");
        RuleFor(c => c.Comment).Must(PhotoText.IsValid).WithMessage(PhotoText.Message);
    }
}

internal static class PhotoText
{
    public const string Message = "When given, must be a non-empty string of at most 2000 characters.";

    public static bool IsValid(JsonNode? text) =>
        text is null || (text.GetValueKind() == JsonValueKind.String && text.GetValue<string>().Trim().Length is > 0 and <= 2000);

    public static object Value(JsonNode? text) => (object?)Json.Text(text)?.Trim() ?? DBNull.Value;
}

public sealed class PhotoCommandHandlers(UnitOfWork unitOfWork, ReputationRules rules, ISender sender, TimeProvider clock) :
    IRequestHandler<UploadPhotoCommand, PhotoView>, IRequestHandler<StorePhotoCommand, PhotoView>,
    IRequestHandler<ReviewPhotoCommand, PhotoView>, IRequestHandler<ReportPhotoCommand, PhotoReportResult>
{
    public async ValueTask<PhotoView> Handle(UploadPhotoCommand request, CancellationToken cancellationToken)
    {
        var declared = PhotoImages.Declared(request.ContentType, request.FileName)
            ?? throw new DomainException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Upload a JPEG, PNG or WebP image (the part's Content-Type was '{request.ContentType}').");
        var prepared = await PhotoImages.PrepareAsync(request.File, declared, cancellationToken);
        return await sender.Send(new StorePhotoCommand(request.UserId, request.FacilityId, prepared), cancellationToken);
    }

    public async ValueTask<PhotoView> Handle(StorePhotoCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var user = await Contributor.WriterAsync(connection, transaction, request.UserId, cancellationToken);
        if (!Guid.TryParse(request.FacilityId, out var facilityId))
        {
            throw new NotFoundException("facility", request.FacilityId);
        }
        // A photo changes no attribute of the facility (no version, no feed entry): it only references the row, and the
        // key-share lock keeps the facility from being deleted under it, without waiting on its writers.
        await using (var find = new NpgsqlCommand("select status from facilities where id = $1 for key share", connection, transaction))
        {
            find.Parameters.AddWithValue(facilityId);
            var status = await find.ExecuteScalarAsync(cancellationToken) as string ?? throw new NotFoundException("facility", request.FacilityId);
            if (status == FacilityStatus.Removed.Name())
            {
                throw new DomainException(StatusCodes.Status409Conflict, "Conflict", "This facility is removed: it takes no photos.");
            }
        }
        var state = user.IsReviewer || user.Reputation >= rules.ApplyUpdatesAtOnce ? PhotoState.Approved : PhotoState.Pending;
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var insert = new NpgsqlCommand(
                         "insert into photos (id, facility_id, user_id, state, license, attribution, created_at) values ($1, $2, $3, $4, $5, $6, $7)",
                         connection, transaction))
        {
            foreach (var value in (object[])[id, facilityId, user.Id, state.Name(), PhotoLicense.Id, user.Name, now])
            {
                insert.Parameters.AddWithValue(value);
            }
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var (kind, rendition) in (IEnumerable<(PhotoRenditionKind, PhotoRendition)>)[(PhotoRenditionKind.Thumb, request.Photo.Thumb),
                     (PhotoRenditionKind.Display, request.Photo.Display)])
        {
            await using var file = new NpgsqlCommand(
                "insert into photo_files (photo_id, rendition, content_type, width, height, sha256, data) values ($1, $2, 'image/jpeg', $3, $4, $5, $6)",
                connection, transaction);
            foreach (var value in (object[])[id, kind.Name(), rendition.Width, rendition.Height, rendition.Sha256, rendition.Bytes])
            {
                file.Parameters.AddWithValue(value);
            }
            await file.ExecuteNonQueryAsync(cancellationToken);
        }
        return new PhotoView(id, facilityId, state.Name(), user.Id, user.Name, PhotoLicense.Id, PhotoLicense.Url, request.Photo.Display.Width,
            request.Photo.Display.Height, PhotoView.FileUrl(id, PhotoRenditionKind.Thumb), PhotoView.FileUrl(id, PhotoRenditionKind.Display), now)
        {
            LicenseNotice = PhotoLicense.Notice(user.Name),
        };
    }

    public async ValueTask<PhotoView> Handle(ReviewPhotoCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var moderator = await Contributor.ReviewerAsync(connection, transaction, request.ModeratorId, cancellationToken);
        var photo = await PhotoRows.LockAsync(connection, transaction, request.PhotoId, cancellationToken);
        var from = WireName.Parse<PhotoState>(photo.State)!.Value;
        // Approving a photo already shown keeps it so and answers its reports: a moderator looked and found nothing wrong.
        var to = request.Decision switch
        {
            PhotoDecision.Approve => PhotoState.Approved,
            PhotoDecision.Reject when from is PhotoState.Pending => PhotoState.Rejected,
            PhotoDecision.Hide when from is PhotoState.Approved or PhotoState.Pending => PhotoState.Hidden,
            _ => throw new DomainException(StatusCodes.Status409Conflict, "Conflict",
                $"A photo that is {from.Name()} cannot be given the decision {request.Decision.Name()}."),
        };
        var now = clock.GetUtcNow().UtcDateTime;
        await using (var update = new NpgsqlCommand(
                         "update photos set state = $2, reviewed_by = $3, reviewed_at = $4, review_note = $5 where id = $1", connection, transaction))
        {
            foreach (var value in (object[])[photo.Id, to.Name(), moderator.Id, now, PhotoText.Value(request.Note)])
            {
                update.Parameters.AddWithValue(value);
            }
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
        // A decision answers the reports open on the photo: hidden, they were right; approved again, they were looked at.
        await using (var resolve = new NpgsqlCommand(
                         "update photo_reports set resolved_at = $2 where photo_id = $1 and resolved_at is null", connection, transaction))
        {
            resolve.Parameters.AddWithValue(photo.Id);
            resolve.Parameters.AddWithValue(now);
            await resolve.ExecuteNonQueryAsync(cancellationToken);
        }
        return photo.View with { State = to.Name(), OpenReports = 0 };
    }

    public async ValueTask<PhotoReportResult> Handle(ReportPhotoCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var user = await Contributor.WriterAsync(connection, transaction, request.UserId, cancellationToken);
        var photo = await PhotoRows.LockAsync(connection, transaction, request.PhotoId, cancellationToken);
        // Only what the reporter can see: a photo of someone else's still pending is no photo to them.
        if (photo.State != PhotoState.Approved.Name() && photo.View.AuthorId != user.Id && !user.IsReviewer)
        {
            throw new NotFoundException("photo", request.PhotoId);
        }
        var reason = request.ReasonValue!.Value;
        // The same reporter's open report for the same reason is the report: a repeat counts once and adds no line to
        // what moderators read (the photo row's lock above serialises two repeats).
        long? earlier;
        await using (var find = new NpgsqlCommand(
                         "select id from photo_reports where photo_id = $1 and user_id = $2 and reason = $3 and resolved_at is null order by id limit 1",
                         connection, transaction))
        {
            find.Parameters.AddWithValue(photo.Id);
            find.Parameters.AddWithValue(user.Id);
            find.Parameters.AddWithValue(reason.Name());
            earlier = await find.ExecuteScalarAsync(cancellationToken) as long?;
        }
        var already = earlier is not null;
        long id;
        if (earlier is { } existing)
        {
            id = existing;
        }
        else
        {
            await using var insert = new NpgsqlCommand(
                "insert into photo_reports (photo_id, user_id, reason, comment, created_at) values ($1, $2, $3, $4, $5) returning id",
                connection, transaction);
            foreach (var value in (object[])[photo.Id, user.Id, reason.Name(), PhotoText.Value(request.Comment), clock.GetUtcNow().UtcDateTime])
            {
                insert.Parameters.AddWithValue(value);
            }
            id = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        await using var count = new NpgsqlCommand(
            "select count(distinct user_id) from photo_reports where photo_id = $1 and resolved_at is null", connection, transaction);
        count.Parameters.AddWithValue(photo.Id);
        var open = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new PhotoReportResult(id, photo.Id, reason.Name(), open, already);
    }
}

/// <summary>Reading photo rows, shared by the commands and the queries.</summary>
internal static class PhotoRows
{
    public const string Columns =
        "p.id, p.facility_id, p.state, p.user_id, p.attribution, p.license, d.width, d.height, p.created_at, " +
        "(select count(distinct r.user_id) from photo_reports r where r.photo_id = p.id and r.resolved_at is null)::int";

    public const string From = "photos p join photo_files d on d.photo_id = p.id and d.rendition = 'display'";

    public sealed record Row(Guid Id, string State, PhotoView View);

    public static PhotoView Read(NpgsqlDataReader r)
    {
        var id = r.GetGuid(0);
        return new PhotoView(id, r.GetGuid(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetString(5), PhotoLicense.Url, r.GetInt32(6),
            r.GetInt32(7), PhotoView.FileUrl(id, PhotoRenditionKind.Thumb), PhotoView.FileUrl(id, PhotoRenditionKind.Display), r.GetDateTime(8))
        {
            OpenReports = r.GetInt32(9),
        };
    }

    /// <summary>The photo, its row locked for the decision; a 404 when there is none.</summary>
    public static async Task<Row> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string photoId, CancellationToken ct)
    {
        if (!Guid.TryParse(photoId, out var id))
        {
            throw new NotFoundException("photo", photoId);
        }
        await using var command = new NpgsqlCommand($"select {Columns} from {From} where p.id = $1 for update of p", connection, transaction);
        command.Parameters.AddWithValue(id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new NotFoundException("photo", photoId);
        }
        var view = Read(reader);
        return new Row(view.Id, view.State, view);
    }
}
