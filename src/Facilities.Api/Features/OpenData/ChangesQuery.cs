using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Facilities.Api.Data;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Facilities;
using Facilities.Api.Web;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// GET /api/v1/changes?since=&lt;seq&gt;: every accepted change after <c>since</c>, in commit order, each with the
/// facility's state after it. The sequence is gapless (the writer numbers it under an exclusive lock held to commit),
/// so a mirror that applies the entries in order — replace the facility on created/updated, drop it on removed —
/// holds the layer as of <c>last_seq</c>. It continues with the next link (since=last_seq) and is caught up when
/// <c>last_seq</c> equals <c>latest_seq</c>.
/// </summary>
public sealed record ChangesQuery(string BaseUrl, string? Since, string? Limit) : IRequest<ChangesPage>
{
    public const int DefaultLimit = 1000;
    public const int MaxLimit = 10_000;
}

/// <summary>The facility after a change, in the shape of the open-data export (without confidence and last_verified_at,
/// which are scores the layer keeps, not attributes a version records).</summary>
public sealed record ChangeFacility(string Id, PointGeometry? Geometry, JsonObject Properties)
{
    [JsonPropertyOrder(-1)]
    public string Type => "Feature";
}

/// <param name="Seq">The position in the feed: 1, 2, 3... without gaps, in commit order.</param>
/// <param name="Kind">created, updated or removed.</param>
/// <param name="FacilityId">The facility changed.</param>
/// <param name="Version">The facility's version after the change.</param>
/// <param name="CommittedAt">When the change was written.</param>
/// <param name="Facility">The state after the change; null only if the facility's history was deleted outright.</param>
public sealed record ChangeEntry(long Seq, string Kind, string FacilityId, int Version, DateTime CommittedAt, ChangeFacility? Facility);

/// <param name="Since">The since asked for.</param>
/// <param name="LastSeq">The seq of the last entry here (since, if there is none): the since of the next request.</param>
/// <param name="LatestSeq">The highest seq committed when the page was read.</param>
/// <param name="Changes">The entries, at most limit of them, in seq order.</param>
/// <param name="Links">self, and next: where to continue (since=last_seq), now or after a pause when caught up.</param>
public sealed record ChangesPage(long Since, long LastSeq, long LatestSeq, IReadOnlyList<ChangeEntry> Changes, IReadOnlyList<Link> Links);

public sealed class ChangesQueryValidator : AbstractValidator<ChangesQuery>
{
    public ChangesQueryValidator()
    {
        RuleFor(x => x.Since)
            .Must(v => v is null || long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .WithMessage("Must be a sequence number: a whole number, 0 or more (0 reads the feed from its start).");
        RuleFor(x => x.Limit)
            .Must(v => v is null || (QueryValues.TryParseInt(v, out var n) && n is >= 1 and <= ChangesQuery.MaxLimit))
            .WithMessage($"Must be a whole number from 1 to {ChangesQuery.MaxLimit}.");
    }
}

public sealed class ChangesHandler(ReadSource dataSource, CategoryCatalog categories) : IRequestHandler<ChangesQuery, ChangesPage>
{
    /// <summary>
    /// The page by the feed's primary key, each entry joined to its version's snapshot; then the head of the feed.
    /// The second statement runs after the first, so latest_seq is never below the page's last seq.
    /// </summary>
    public const string PageSql =
        "select c.seq, c.kind, c.facility_id, c.version, c.committed_at, v.created_at, v.snapshot::text " +
        "from change_feed c left join facility_versions v on v.facility_id = c.facility_id and v.version = c.version " +
        "where c.seq > $1 order by c.seq limit $2";

    public const string LatestSql = "select coalesce(max(seq), 0) from change_feed";

    /// <summary>Snapshot members that are core properties; the category attributes follow them.</summary>
    private static readonly string[] CoreProperties = [.. CoreColumns.Published.Select(c => c.Name)];

    public async ValueTask<ChangesPage> Handle(ChangesQuery request, CancellationToken cancellationToken)
    {
        var since = request.Since is null ? 0 : long.Parse(request.Since, NumberStyles.None, CultureInfo.InvariantCulture);
        var limit = request.Limit is null ? ChangesQuery.DefaultLimit : int.Parse(request.Limit, CultureInfo.InvariantCulture);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        var page = new NpgsqlBatchCommand(PageSql);
        page.Parameters.Add(new NpgsqlParameter<long> { TypedValue = since });
        page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LatestSql));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        var schema = OpenDataSchema.Of(categories);
        var changes = new List<ChangeEntry>(Math.Min(limit, 1024));
        while (await reader.ReadAsync(cancellationToken))
        {
            var facilityId = reader.GetGuid(2).ToString();
            var version = reader.GetInt32(3);
            changes.Add(new ChangeEntry(reader.GetInt64(0), reader.GetString(1), facilityId, version, reader.GetDateTime(4),
                reader.IsDBNull(6) ? null : Facility(schema, facilityId, version, reader.GetDateTime(5), reader.GetString(6))));
        }
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var latest = reader.GetInt64(0);

        if (since > latest)
        {
            // A mirror ahead of the feed read another deployment (or one since restored from a backup).
            throw new ValidationException([new ValidationFailure("since",
                $"Is beyond the latest sequence number, {latest}: this feed is not the one the mirror followed; rebuild it from since=0.")]);
        }

        var lastSeq = changes.Count > 0 ? changes[^1].Seq : since;
        var url = $"{request.BaseUrl}/api/v1/changes";
        return new ChangesPage(since, lastSeq, latest, changes,
        [
            new Link("self", string.Create(CultureInfo.InvariantCulture, $"{url}?since={since}&limit={limit}"), "application/json"),
            new Link("next", string.Create(CultureInfo.InvariantCulture, $"{url}?since={lastSeq}&limit={limit}"), "application/json"),
        ]);
    }

    /// <summary>
    /// A version's snapshot (public attribute names, <c>location</c> as [lon, lat], only the attributes with a value)
    /// in the shape of an exported feature: every core property present, null when absent, then each attribute of
    /// the facility's category as a property of its own (<see cref="OpenDataSchema.AttributesOf"/>), null when absent.
    /// </summary>
    private static ChangeFacility Facility(OpenDataSchema schema, string id, int version, DateTime versionCreatedAt, string snapshotJson)
    {
        var snapshot = JsonNode.Parse(snapshotJson)!.AsObject();
        var properties = new JsonObject { ["id"] = id };
        foreach (var name in CoreProperties)
        {
            properties[name] = snapshot[name]?.DeepClone() ?? (name == "gender" ? new JsonArray() : null);
        }
        var category = snapshot["category"] is JsonValue c && c.TryGetValue<string>(out var text) ? text : "";
        foreach (var attribute in schema.AttributesOf(category))
        {
            properties[attribute.Name] = snapshot[attribute.Name]?.DeepClone();
        }
        properties["version"] = version;
        properties["updated_at"] = versionCreatedAt;
        var location = snapshot["location"] as JsonArray;
        var geometry = location is [JsonValue lon, JsonValue lat] ? PointGeometry.Of(lon.GetValue<double>(), lat.GetValue<double>()) : null;
        return new ChangeFacility(id, geometry, properties);
    }
}
