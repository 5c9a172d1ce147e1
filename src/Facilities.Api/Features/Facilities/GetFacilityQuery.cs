using Facilities.Api.Data;
using Facilities.Api.Web;
using FluentValidation;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Facilities;

/// <summary>
/// GET /api/v1/facilities/{id}: one facility with its sources and the provenance of each attribute. <c>at</c>, as in
/// the lists, is the instant open_now and next_change_at are evaluated at (default: now).
/// </summary>
public sealed record GetFacilityQuery(string Id, string? At = null) : IRequest<FacilityFeature>;

public sealed class GetFacilityQueryValidator : AbstractValidator<GetFacilityQuery>
{
    public GetFacilityQueryValidator()
    {
        RuleFor(x => x.At).Must(v => v is null || QueryValues.TryParseInstant(v, out _))
            .WithMessage(QueryValues.InstantMessage);
    }
}

public sealed class GetFacilityHandler(ReadSource dataSource, TimeProvider clock) : IRequestHandler<GetFacilityQuery, FacilityFeature>
{
    /// <summary>Open311's default window (RequestsQuery.DefaultDays of Features/Open311): answers to older reports are history.</summary>
    public const int ReportResponsesWindowDays = 90;

    // One round trip: the facility, the source records linked to it, and which source gave each attribute.
    // Removed facilities are still answered (with status "removed") so links to them keep working.
    private const string FacilitySql = "select " + FacilityRow.Columns + " from facilities f where f.id = $1";

    private const string SourcesSql =
        "select s.id, d.kind, d.name, d.id::text, s.external_id, d.license, d.attribution, s.observed_at " +
        "from source_records s join datasets d on d.id = s.dataset_id " +
        "where s.facility_id = $1 and s.removed_at is null order by s.id";

    private const string ProvenanceSql =
        "select attribute, source_record_id, updated_at, confidence from facility_provenance where facility_id = $1 order by attribute";

    // Photos are written by Features/Photos; a facility's answer names the approved ones, never those in review.
    private const string PhotosSql =
        "select p.id, d.width, d.height, p.attribution, p.license from photos p " +
        "join photo_files d on d.photo_id = p.id and d.rendition = 'display' " +
        "where p.facility_id = $1 and p.state = 'approved' order by p.created_at, p.id";

    // The partners' answers to the facility's reports of Open311's window (requests.json's 90 days), newest answer
    // first, written by Features/Open311: the reporter sees "fixed by <partner>" where they reported. $2 is the
    // window's start.
    private const string ResponsesSql = """
        select r.id, r.reason, a.response, a.notes, p.name, a.responded_at
        from reports r join report_responses a on a.report_id = r.id join partners p on p.id = a.partner_id
        where r.facility_id = $1 and r.created_at >= $2
        order by a.responded_at desc, r.id desc
        limit 20
        """;

    public async ValueTask<FacilityFeature> Handle(GetFacilityQuery request, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(request.Id, out var id))
        {
            throw new NotFoundException("facility", request.Id);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var sql in (string[])[FacilitySql, SourcesSql, ProvenanceSql, PhotosSql, ResponsesSql])
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            if (sql == ResponsesSql)
            {
                command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = clock.GetUtcNow().UtcDateTime.AddDays(-ReportResponsesWindowDays) });
            }
            batch.BatchCommands.Add(command);
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);

        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new NotFoundException("facility", request.Id);
        }
        var now = QueryValues.TryParseInstant(request.At, out var at) ? at : clock.GetUtcNow();
        var feature = FacilityRow.Read(reader).ToFeature(now);

        await reader.NextResultAsync(cancellationToken);
        var sources = new List<FacilitySource>();
        var sourceIndex = new Dictionary<long, int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            sourceIndex[reader.GetInt64(0)] = sources.Count;
            sources.Add(new FacilitySource(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.GetDateTime(7)));
        }

        await reader.NextResultAsync(cancellationToken);
        var provenance = new SortedDictionary<string, AttributeProvenance>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            // A value whose source record was later withdrawn has no index to point at; it is left out.
            if (!reader.IsDBNull(1) && sourceIndex.TryGetValue(reader.GetInt64(1), out var index))
            {
                provenance[reader.GetString(0)] = new AttributeProvenance(index, reader.GetDateTime(2), Math.Round(reader.GetFloat(3), 3));
            }
        }

        await reader.NextResultAsync(cancellationToken);
        var photos = new List<FacilityPhoto>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var photo = reader.GetGuid(0);
            photos.Add(new FacilityPhoto(photo, $"/api/v1/photos/{photo}/thumb", $"/api/v1/photos/{photo}/display", reader.GetInt32(1),
                reader.GetInt32(2), reader.GetString(3), reader.GetString(4)));
        }

        await reader.NextResultAsync(cancellationToken);
        var responses = new List<FacilityReportResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            responses.Add(new FacilityReportResponse(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetDateTime(5)));
        }

        return feature with
        {
            Properties = feature.Properties with { Sources = sources, Provenance = provenance, Photos = photos, ReportResponses = responses },
            Links = Directions.To(feature.Geometry.Coordinates[0], feature.Geometry.Coordinates[1], feature.Properties.Name),
        };
    }
}
