using System.Text.Json.Nodes;
using Facilities.Api.Web;
using Mediator;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// An import as the partner polls it. <see cref="Attempts"/> counts its starts and <see cref="Interruptions"/> lists
/// each earlier start that did not finish (started_at, noticed_at, reason): it was run again from the start, and
/// <see cref="StartedAt"/> is the last start.
/// </summary>
public sealed record ImportResponse(Guid Id, Guid? DatasetId, string State, bool DryRun, string Format, string? FileName, long FileBytes,
    DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt, string? Error, JsonNode? Report, int Attempts, JsonNode? Interruptions);

/// <summary>Where an import stands (wire and SQL names through <see cref="WireName"/>): queued until a runner claims
/// it, running (again after an interruption), then succeeded or failed.</summary>
public enum ImportState
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>An uploaded file, received on this replica's disk, to be imported into one of the partner's datasets.</summary>
/// <summary><see cref="Draft"/>: a dry run of a definition no dataset has yet (then <see cref="DatasetId"/> is null).</summary>
public sealed record QueueImportCommand(Guid PartnerId, Guid? DatasetId, bool DryRun, string Format, string? FileName, string Path, long Bytes,
    JsonNode? Draft = null) : IRequest<ImportResponse>;

/// <summary>
/// Records the import and stores its upload where every replica reads it (<see cref="UploadStorage"/>), in one
/// transaction; the runner of this replica is woken, and any replica's may claim it.
/// </summary>
public sealed class QueueImportHandler(NpgsqlDataSource dataSource, ImportRunner runner, IOptions<ImportOptions> options)
    : IRequestHandler<QueueImportCommand, ImportResponse>
{
    public async ValueTask<ImportResponse> Handle(QueueImportCommand request, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var inDirectory = options.Value.Storage == ImportOptions.DirectoryStorage;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(request.DatasetId is null
            ? "insert into imports (id, draft, partner_id, dry_run, format, file_name, file_path, file_bytes) " +
              "values ($1, $2::jsonb, $3, $4, $5, $6, $7, $8) returning created_at"
            : "insert into imports (id, dataset_id, partner_id, dry_run, format, file_name, file_path, file_bytes) " +
              "select $1, d.id, d.partner_id, $4, $5, $6, $7, $8 from datasets d where d.id = $2 and d.partner_id = $3 returning created_at",
            connection, transaction);
        foreach (var value in (object?[])[id, request.DatasetId is { } datasetId ? datasetId : request.Draft!.ToJsonString(), request.PartnerId,
                     request.DryRun, request.Format, request.FileName, inDirectory ? request.Path : null, request.Bytes])
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }
        if (await command.ExecuteScalarAsync(cancellationToken) is not DateTime createdAt)
        {
            throw new NotFoundException("dataset", request.DatasetId?.ToString() ?? "");
        }
        if (!inDirectory)
        {
            await UploadStorage.StoreAsync(connection, transaction, id, request.Path, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        if (!inDirectory)
        {
            File.Delete(request.Path);
        }
        runner.Wake();
        return new ImportResponse(id, request.DatasetId, ImportState.Queued.Name(), request.DryRun, request.Format, request.FileName, request.Bytes, createdAt,
            null, null, null, null, 0, new JsonArray());
    }
}

public sealed record GetImportsQuery(Guid PartnerId, Guid DatasetId, Guid? ImportId) : IRequest<IReadOnlyList<ImportResponse>>;

public sealed class GetImportsHandler(NpgsqlDataSource dataSource) : IRequestHandler<GetImportsQuery, IReadOnlyList<ImportResponse>>
{
    /// <summary>An import's columns as <see cref="Read"/> reads them, from the alias <c>i</c>.</summary>
    public const string Columns = "i.id, i.dataset_id, i.state, i.dry_run, i.format, i.file_name, i.file_bytes, i.created_at, i.started_at, " +
                                  "i.finished_at, i.error, i.report::text, i.attempts, i.interruptions::text";

    public static ImportResponse Read(NpgsqlDataReader reader) => new(reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1),
        reader.GetString(2), reader.GetBoolean(3), reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt64(6), reader.GetDateTime(7),
        reader.IsDBNull(8) ? null : reader.GetDateTime(8), reader.IsDBNull(9) ? null : reader.GetDateTime(9),
        reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : JsonNode.Parse(reader.GetString(11)),
        reader.GetInt32(12), JsonNode.Parse(reader.GetString(13)));

    public async ValueTask<IReadOnlyList<ImportResponse>> Handle(GetImportsQuery request, CancellationToken cancellationToken)
    {
        // From the dataset, so that another partner's dataset (no row at all) answers 404 like every other cross-partner
        // request, while a dataset of the caller's without imports is one row of nulls: an empty list.
        await using var command = dataSource.CreateCommand(
            "select " + Columns + " " +
            "from datasets d left join imports i on i.dataset_id = d.id and ($3::uuid is null or i.id = $3) " +
            "where d.partner_id = $1 and d.id = $2 order by i.created_at desc limit 100");
        command.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = request.DatasetId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.ImportId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<ImportResponse>();
        var datasetFound = false;
        while (await reader.ReadAsync(cancellationToken))
        {
            datasetFound = true;
            if (reader.IsDBNull(0))
            {
                continue;
            }
            list.Add(Read(reader));
        }
        if (!datasetFound)
        {
            throw new NotFoundException("dataset", request.DatasetId.ToString());
        }
        if (request.ImportId is { } importId && list.Count == 0)
        {
            throw new NotFoundException("import", importId.ToString());
        }
        return list;
    }
}
