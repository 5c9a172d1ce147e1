using System.Globalization;
using System.Text.Json.Nodes;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Partners;

/// <summary>One thing the partner should know about its facilities: a change the community made (kind
/// <c>community_change</c>, with the diff), a dispute over an attribute it owns (kind <c>dispute</c>) or a resident's
/// report of a problem (kind <c>report</c>).</summary>
public sealed record FeedbackItem(string Kind, DateTime At, Guid? FacilityId, JsonNode? Details);

public sealed record FeedbackLink(string Rel, string Href);

public sealed record FeedbackPage(IReadOnlyList<FeedbackItem> Items, IReadOnlyList<FeedbackLink> Links);

/// <summary>GET /api/v1/partner/feedback: oldest first, paged by an opaque cursor over (time, kind, key).</summary>
public sealed record FeedbackQuery(Guid PartnerId, string? Cursor, string? Limit) : IRequest<FeedbackPage>;

public sealed class FeedbackValidator : AbstractValidator<FeedbackQuery>
{
    public const int MaxLimit = 500;

    public FeedbackValidator(Cursors cursors)
    {
        RuleFor(q => q.Limit).Must(l => l is null || (int.TryParse(l, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxLimit))
            .WithMessage($"must be an integer from 1 to {MaxLimit}");
        RuleFor(q => q.Cursor).Must(c => c is null || FeedbackHandler.DecodeCursor(cursors, c) is not null).WithMessage("is not a cursor this API gave");
    }
}

public sealed class FeedbackHandler(NpgsqlDataSource dataSource, Cursors cursors) : IRequestHandler<FeedbackQuery, FeedbackPage>
{
    // The partner's facilities are those its datasets' records are linked to. Community changes are the versions of
    // those facilities whose source is not one of the partner's datasets; disputes are review items on its datasets.
    // Reports ("still there but out of order", "closed", ...) that residents filed on those facilities come third.
    private const string Sql = """
        with mine as (select id from datasets where partner_id = $1),
        linked as (
            select s.facility_id, jsonb_agg(jsonb_build_object('dataset_id', s.dataset_id, 'external_id', s.external_id)) as records
            from source_records s where s.dataset_id in (select id from mine) and s.facility_id is not null
            group by s.facility_id
        ),
        items as (
            select v.created_at as at, 'community_change' as kind, v.facility_id::text || ':' || lpad(v.version::text, 10, '0') as key,
                   v.facility_id,
                   jsonb_build_object('version', v.version, 'changes', v.changes, 'reason', v.reason, 'author_name', v.author_name,
                                      'source_dataset_id', v.source_dataset_id, 'proposal_id', v.proposal_id, 'your_records', l.records) as details
            from facility_versions v join linked l on l.facility_id = v.facility_id
            where v.source_dataset_id is null or v.source_dataset_id not in (select id from mine)
            union all
            select r.created_at, 'dispute', r.id::text, r.facility_id,
                   jsonb_build_object('review_item_id', r.id, 'state', r.state, 'dataset_id', r.dataset_id, 'details', r.details,
                                      'resolution', r.resolution)
            from review_items r where r.kind = 'dispute' and r.dataset_id in (select id from mine)
            union all
            select p.created_at, 'report', lpad(p.id::text, 19, '0'), p.facility_id,
                   jsonb_build_object('reason', p.reason, 'comment', p.comment, 'proposal_id', p.proposal_id, 'your_records', l.records)
            from reports p join linked l on l.facility_id = p.facility_id
        )
        select at, kind, key, facility_id, details::text from items
        where $2::timestamptz is null or (at, kind, key) > ($2, $3, $4)
        order by at, kind, key
        limit $5
        """;

    public async ValueTask<FeedbackPage> Handle(FeedbackQuery request, CancellationToken cancellationToken)
    {
        var limit = request.Limit is null ? 100 : int.Parse(request.Limit, CultureInfo.InvariantCulture);
        var after = request.Cursor is null ? null : DecodeCursor(cursors, request.Cursor);
        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.At ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Kind ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Key ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit + 1 });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<(FeedbackItem Item, string Key)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add((new FeedbackItem(reader.GetString(1), reader.GetDateTime(0), reader.IsDBNull(3) ? null : reader.GetGuid(3),
                JsonNode.Parse(reader.GetString(4))), reader.GetString(2)));
        }
        var links = new List<FeedbackLink>();
        if (items.Count > limit)
        {
            items.RemoveAt(items.Count - 1);
            var last = items[^1];
            var cursor = cursors.Encode(string.Join('|', last.Item.At.Ticks.ToString(CultureInfo.InvariantCulture), last.Item.Kind, last.Key));
            links.Add(new FeedbackLink("next", $"/api/v1/partner/feedback?cursor={cursor}&limit={limit}"));
        }
        return new FeedbackPage([.. items.Select(i => i.Item)], links);
    }

    public static (DateTime At, string Kind, string Key)? DecodeCursor(Cursors cursors, string cursor)
    {
        var parts = cursors.Decode(cursor)?.Split('|', 3);
        return parts is { Length: 3 } && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && ticks is > 0 and < 3155378975999999999
            ? (new DateTime(ticks, DateTimeKind.Utc), parts[1], parts[2])
            : null;
    }
}
