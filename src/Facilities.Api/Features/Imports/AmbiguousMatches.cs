using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Web;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// Resolving an ambiguous match (a review item of kind <c>ambiguous_match</c>): the moderator picks the facility the
/// partner's record describes (<paramref name="ChosenFacilityId"/>), or none ("a new facility"). The record is then
/// applied exactly as an import would have applied it with that decision — same resolution rules, same bulk writer,
/// same version and feed entries. Sent by the moderation feature's <c>POST /api/v1/reviews/{id}/resolve</c>, inside
/// its transaction. Answers the facility the record now belongs to (the chosen one, or the one created).
/// </summary>
public sealed record ResolveAmbiguousMatchCommand(Guid ReviewItemId, Guid? ChosenFacilityId, Guid? ResolvedBy) : IRequest<Guid>, IWriteCommand;

public sealed class ResolveAmbiguousMatchHandler(UnitOfWork unitOfWork) : IRequestHandler<ResolveAmbiguousMatchCommand, Guid>
{
    public async ValueTask<Guid> Handle(ResolveAmbiguousMatchCommand request, CancellationToken cancellationToken)
    {
        var (connection, transaction) = (unitOfWork.Connection, unitOfWork.Transaction);
        var (reviewItemId, chosenFacilityId, resolvedBy) = (request.ReviewItemId, request.ChosenFacilityId, request.ResolvedBy);
        Guid datasetId;
        string externalId;
        double lon, lat;
        string attributes;
        await using (var read = new NpgsqlCommand(
            "select r.dataset_id, s.external_id, ST_X(s.geom), ST_Y(s.geom), s.attributes::text, r.state = 'open', s.facility_id " +
            "from review_items r join source_records s on s.id = r.source_record_id " +
            "where r.id = $1 and r.kind = 'ambiguous_match' for update of r", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = reviewItemId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new NotFoundException("ambiguous match", reviewItemId.ToString());
            }
            if (!reader.GetBoolean(5) || !reader.IsDBNull(6))
            {
                throw new DomainException(StatusCodes.Status409Conflict, "Already resolved", "This match has already been resolved.");
            }
            (datasetId, externalId, lon, lat, attributes) = (reader.GetGuid(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetString(4));
        }
        var dataset = await DatasetInfo.LoadAsync(connection, transaction, datasetId, cancellationToken)
                      ?? throw new NotFoundException("dataset", datasetId.ToString());
        if (chosenFacilityId is { } chosen)
        {
            await using var exists = new NpgsqlCommand("select count(*) from facilities where id = $1", connection, transaction);
            exists.Parameters.Add(new NpgsqlParameter { Value = chosen });
            if ((long)(await exists.ExecuteScalarAsync(cancellationToken))! == 0)
            {
                throw new NotFoundException("facility", chosen.ToString());
            }
        }

        // One staged row and its decided plan: the same tables an import reads, so the same code writes it.
        var name = JsonNode.Parse(attributes)?["name"]?.GetValue<string>();
        await using (var drop = new NpgsqlCommand("drop table if exists import_rows, import_plan", connection, transaction))
        {
            await drop.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var stage = new NpgsqlCommand(
            "create temp table import_rows on commit drop as " +
            "select 1::bigint as row_no, $1::text as external_id, $2::float8 as lon, $3::float8 as lat, $4::text as name, $5::jsonb as attributes, " +
            "       ST_SetSRID(ST_MakePoint($2, $3), 4326) as geom", connection, transaction))
        {
            foreach (var value in (object?[])[externalId, lon, lat, name, attributes])
            {
                stage.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
            }
            stage.Parameters[3].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text;
            await stage.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var plan = new NpgsqlCommand(
            "create temp table import_plan on commit drop as " +
            "select 1::bigint as row_no, case when $1::uuid is null then 'create' else 'merge' end as outcome, $1::uuid as facility_id, " +
            "       null::jsonb as previous, null::jsonb as candidates", connection, transaction))
        {
            plan.Parameters.Add(new NpgsqlParameter { Value = (object?)chosenFacilityId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            await plan.ExecuteNonQueryAsync(cancellationToken);
        }
        var report = new ImportReport();
        var observedAt = DateTime.UtcNow;
        await ImportApplier.WritePlanAsync(connection, transaction, unitOfWork.Facilities, dataset, observedAt, $"review {reviewItemId} resolved", report, cancellationToken);

        Guid facilityId;
        await using (var resolve = new NpgsqlCommand(
            "with s as (select facility_id from source_records where dataset_id = $2 and external_id = $3) " +
            "update review_items set state = 'resolved', resolved_at = now(), resolved_by = $4, facility_id = (select facility_id from s), " +
            "       resolution = jsonb_build_object('action', $5::text, 'facility_id', (select facility_id from s)) " +
            "where id = $1 returning facility_id", connection, transaction))
        {
            resolve.Parameters.Add(new NpgsqlParameter { Value = reviewItemId });
            resolve.Parameters.Add(new NpgsqlParameter { Value = datasetId });
            resolve.Parameters.Add(new NpgsqlParameter { Value = externalId });
            resolve.Parameters.Add(new NpgsqlParameter { Value = (object?)resolvedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            resolve.Parameters.Add(new NpgsqlParameter { Value = (chosenFacilityId is null ? ImportRecordOutcome.Created : ImportRecordOutcome.Merged).Name() });
            facilityId = (Guid)(await resolve.ExecuteScalarAsync(cancellationToken))!;
        }
        // The record is a new source of the facility even where it changed no attribute (then there is no version).
        unitOfWork.Facilities.Touch(facilityId);
        return facilityId;
    }
}
