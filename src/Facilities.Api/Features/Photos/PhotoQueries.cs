using Facilities.Api.Features.Accounts;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Photos;

/// <summary>GET /api/v1/facilities/{id}/photos: the approved photos, oldest first; with them, for a signed-in viewer,
/// the viewer's own photos still in review, and for a moderator every pending one.</summary>
public sealed record FacilityPhotosQuery(Guid? ViewerId, string FacilityId) : IRequest<IReadOnlyList<PhotoView>>;

/// <summary>GET /api/v1/photos?state=pending|reported: the moderators' queue of photos, oldest first.</summary>
public sealed record PhotoQueueQuery(Guid ModeratorId, string? State) : IRequest<IReadOnlyList<PhotoView>>;

/// <summary>GET /api/v1/photos/{id}/{thumb|display}: one rendition's bytes. Public (and cached for a year) once approved;
/// before that, or after it is hidden, only for its author and moderators, and never cached.</summary>
public sealed record PhotoFileQuery(Guid? ViewerId, string PhotoId, string Rendition) : IRequest<PhotoFile>;

public sealed record PhotoFile(byte[] Bytes, string ContentType, string Sha256, bool Public);

/// <summary>Which moderators' queue: photos waiting for a first decision, or photos with open reports.</summary>
public enum PhotoQueue
{
    Pending,
    Reported,
}

public sealed class PhotoQueueValidator : AbstractValidator<PhotoQueueQuery>
{
    public PhotoQueueValidator() => RuleFor(q => q.State).Must(s => s is null || WireName.Parse<PhotoQueue>(s) is not null)
        .WithMessage($"Must be one of: {string.Join(", ", WireName.All<PhotoQueue>())}.");
}

public sealed class PhotoFileValidator : AbstractValidator<PhotoFileQuery>
{
    public PhotoFileValidator() => RuleFor(q => q.Rendition).Must(r => WireName.Parse<PhotoRenditionKind>(r) is not null)
        .WithMessage($"Must be one of: {string.Join(", ", WireName.All<PhotoRenditionKind>())}.");
}

public sealed class PhotoQueryHandlers(NpgsqlDataSource dataSource) : IRequestHandler<FacilityPhotosQuery, IReadOnlyList<PhotoView>>,
    IRequestHandler<PhotoQueueQuery, IReadOnlyList<PhotoView>>, IRequestHandler<PhotoFileQuery, PhotoFile>
{
    // The queue's length is bounded: a moderator works from the oldest, and what is decided leaves it.
    private const int QueueLimit = 200;

    public async ValueTask<IReadOnlyList<PhotoView>> Handle(FacilityPhotosQuery request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.FacilityId, out var facilityId))
        {
            throw new NotFoundException("facility", request.FacilityId);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("select exists (select from facilities where id = $1)", connection))
        {
            exists.Parameters.AddWithValue(facilityId);
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
            {
                throw new NotFoundException("facility", request.FacilityId);
            }
        }
        var viewer = request.ViewerId is { } id ? await Contributor.FindAsync(connection, null, id, cancellationToken) : null;
        await using var command = new NpgsqlCommand(
            $"select {PhotoRows.Columns} from {PhotoRows.From} where p.facility_id = $1 " +
            "and (p.state = 'approved' or p.user_id = $2 or ($3 and p.state = 'pending')) order by p.created_at, p.id", connection);
        command.Parameters.AddWithValue(facilityId);
        command.Parameters.AddWithValue(viewer?.Id ?? Guid.Empty);
        command.Parameters.AddWithValue(viewer?.IsReviewer ?? false);
        return await ReadAsync(command, viewer?.IsReviewer ?? false, cancellationToken);
    }

    public async ValueTask<IReadOnlyList<PhotoView>> Handle(PhotoQueueQuery request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Contributor.ReviewerAsync(connection, null, request.ModeratorId, cancellationToken);
        var queue = WireName.Parse<PhotoQueue>(request.State) ?? PhotoQueue.Pending;
        var where = queue == PhotoQueue.Pending
            ? "p.state = 'pending'"
            : "p.state in ('pending', 'approved') and exists (select from photo_reports r where r.photo_id = p.id and r.resolved_at is null)";
        IReadOnlyList<PhotoView> photos;
        await using (var command = new NpgsqlCommand(
                         $"select {PhotoRows.Columns} from {PhotoRows.From} where {where} order by p.created_at, p.id limit {QueueLimit}", connection))
        {
            photos = await ReadAsync(command, true, cancellationToken);
        }
        if (queue != PhotoQueue.Reported || photos.Count == 0)
        {
            return photos;
        }
        // What the reports say, for the whole page in one query: a moderator decides on the reasons, not on a count.
        var reports = photos.ToDictionary(p => p.Id, _ => new List<PhotoReportView>());
        await using (var command = new NpgsqlCommand(
                         "select photo_id, reason, comment, created_at from photo_reports where photo_id = any($1) and resolved_at is null " +
                         "order by created_at, id", connection))
        {
            command.Parameters.AddWithValue(reports.Keys.ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                reports[reader.GetGuid(0)].Add(new PhotoReportView(reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetDateTime(3)));
            }
        }
        return [.. photos.Select(p => p with { Reports = reports[p.Id] })];
    }

    public async ValueTask<PhotoFile> Handle(PhotoFileQuery request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.PhotoId, out var photoId))
        {
            throw new NotFoundException("photo", request.PhotoId);
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "select p.state, p.user_id, f.content_type, f.sha256, f.data from photos p " +
            "join photo_files f on f.photo_id = p.id and f.rendition = $2 where p.id = $1", connection);
        command.Parameters.AddWithValue(photoId);
        command.Parameters.AddWithValue(request.Rendition);
        string state;
        Guid author;
        PhotoFile file;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new NotFoundException("photo", request.PhotoId);
            }
            state = reader.GetString(0);
            author = reader.GetGuid(1);
            file = new PhotoFile(reader.GetFieldValue<byte[]>(4), reader.GetString(2), reader.GetString(3), true);
        }
        if (state == PhotoState.Approved.Name())
        {
            return file;
        }
        // Not approved: the same 404 as for no photo at all, unless the viewer is its author or a moderator.
        var viewer = request.ViewerId is { } id ? await Contributor.FindAsync(connection, null, id, cancellationToken) : null;
        return viewer is not null && (viewer.Id == author || viewer.IsReviewer)
            ? file with { Public = false }
            : throw new NotFoundException("photo", request.PhotoId);
    }

    private static async Task<IReadOnlyList<PhotoView>> ReadAsync(NpgsqlCommand command, bool withReports, CancellationToken ct)
    {
        var photos = new List<PhotoView>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var photo = PhotoRows.Read(reader);
            photos.Add(withReports ? photo : photo with { OpenReports = null });
        }
        return photos;
    }
}
