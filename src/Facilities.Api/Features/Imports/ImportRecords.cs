using System.Text;
using System.Text.Json.Nodes;
using FluentValidation;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Web;
using Mediator;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.Imports;

/// <summary>What one record of the file became: its row, the partner's id for it, the outcome, the facility it went
/// to (null when rejected, waiting in review, or created by a dry run, whose facilities do not exist), why it was
/// rejected, and the values left out with the value itself and why.</summary>
public sealed record ImportRecord(long Row, string? RecordId, string Outcome, Guid? FacilityId, string? Reason, JsonNode? Ignored);

/// <summary>What a record of an import became (wire and SQL names through <see cref="WireName"/>): a new facility,
/// merged into one, its facility updated or unchanged by this import, waiting in review, or rejected.</summary>
public enum ImportRecordOutcome
{
    Created,
    Merged,
    Updated,
    Unchanged,
    Review,
    Rejected,
}

public sealed record ImportRecordsPage(IReadOnlyList<ImportRecord> Items, long Total);

/// <summary>
/// The per-record report of an import, written in the import's transaction from what the import staged and decided
/// (<see cref="WriteAsync"/>), so it is exactly what the import did; a dry run's rows are kept across its rollback
/// (<see cref="KeepAcrossRollbackAsync"/>).
/// </summary>
public static class ImportRecords
{
    /// <summary>
    /// One statement for the accepted rows: the plan's outcome, the record's facility after the write, and a linked
    /// row is updated when its facility got this import's version (updated_at is the import's observation time).
    /// Rejected rows come from the report (mapping and duplicate rejections are not staged).
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid importId, Guid datasetId,
        DateTime observedAt, bool dryRun, ImportReport report, CancellationToken ct)
    {
        // The plan's outcome (MatchOutcome) to the record's (ImportRecordOutcome): $5 create → $6 created, $7 merge →
        // $8 merged, $9 linked → $10 updated or $11 unchanged; pending and ambiguous rows wait in $12 review.
        await using (var accepted = new NpgsqlCommand(
            "insert into import_records (import_id, row_no, external_id, outcome, facility_id, ignored) " +
            "select $1, r.row_no, r.external_id, " +
            "       case p.outcome when $5 then $6 when $7 then $8 " +
            "            when $9 then case when f.updated_at = $3 then $10 else $11 end else $12 end, " +
            "       case when $4 and p.outcome = $5 then null else s.facility_id end, r.ignored " +
            "from import_rows r join import_plan p using (row_no) " +
            "left join source_records s on s.dataset_id = $2 and s.external_id = r.external_id " +
            "left join facilities f on f.id = s.facility_id", connection, transaction))
        {
            accepted.Parameters.Add(new NpgsqlParameter { Value = importId });
            accepted.Parameters.Add(new NpgsqlParameter { Value = datasetId });
            accepted.Parameters.Add(new NpgsqlParameter { Value = observedAt });
            accepted.Parameters.Add(new NpgsqlParameter { Value = dryRun });
            foreach (var name in (string[])[MatchOutcome.Create.Name(), ImportRecordOutcome.Created.Name(), MatchOutcome.Merge.Name(),
                         ImportRecordOutcome.Merged.Name(), MatchOutcome.Linked.Name(), ImportRecordOutcome.Updated.Name(),
                         ImportRecordOutcome.Unchanged.Name(), ImportRecordOutcome.Review.Name()])
            {
                accepted.Parameters.Add(new NpgsqlParameter { Value = name, NpgsqlDbType = NpgsqlDbType.Text });
            }
            await accepted.ExecuteNonQueryAsync(ct);
        }
        if (report.Rejected.Count == 0)
        {
            return;
        }
        await using var rejected = new NpgsqlCommand(
            "insert into import_records (import_id, row_no, external_id, outcome, reason) " +
            "select $1, x.row_no, x.external_id, $5, x.reason from unnest($2, $3, $4) as x(row_no, external_id, reason) " +
            "on conflict (import_id, row_no) do update set outcome = $5, facility_id = null, reason = excluded.reason", connection, transaction);
        rejected.Parameters.Add(new NpgsqlParameter { Value = importId });
        rejected.Parameters.Add(new NpgsqlParameter { Value = report.Rejected.Select(r => r.Row).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        rejected.Parameters.Add(new NpgsqlParameter { Value = report.Rejected.Select(r => r.ExternalId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        rejected.Parameters.Add(new NpgsqlParameter { Value = report.Rejected.Select(r => ImportRunner.Printable(r.Reason)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        rejected.Parameters.Add(new NpgsqlParameter { Value = ImportRecordOutcome.Rejected.Name(), NpgsqlDbType = NpgsqlDbType.Text });
        await rejected.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// Runs <paramref name="rollback"/> and keeps the import's record rows anyway: copied out (binary COPY to a
    /// temporary file, so a million-row dry run does not sit in memory) before and back in after.
    /// </summary>
    public static async Task KeepAcrossRollbackAsync(NpgsqlConnection connection, Guid importId, string workDirectory, Func<Task> rollback,
        CancellationToken ct)
    {
        Directory.CreateDirectory(workDirectory);
        var path = Path.Combine(workDirectory, $"{importId:N}.records");
        try
        {
            await using (var file = File.Create(path))
            await using (var export = await connection.BeginRawBinaryCopyAsync(
                $"copy (select * from import_records where import_id = '{importId}') to stdout (format binary)", ct))
            {
                await export.CopyToAsync(file, ct);
            }
            await rollback();
            await using (var file = File.OpenRead(path))
            await using (var import = await connection.BeginRawBinaryCopyAsync("copy import_records from stdin (format binary)", ct))
            {
                await file.CopyToAsync(import, ct);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    public static JsonArray? IgnoredJson(IReadOnlyList<IgnoredValue> ignored) => ignored.Count == 0 ? null
        : new JsonArray([.. ignored.Select(i => (JsonNode)new JsonObject { ["attribute"] = i.Attribute, ["value"] = i.Value, ["reason"] = i.Reason })]);
}

/// <summary>One import of the partner's, by its id alone (a dry run of a draft has no dataset to find it under).</summary>
public sealed record GetPartnerImportQuery(Guid PartnerId, Guid ImportId) : IRequest<ImportResponse>;

public sealed class GetPartnerImportHandler(NpgsqlDataSource dataSource) : IRequestHandler<GetPartnerImportQuery, ImportResponse>
{
    public async ValueTask<ImportResponse> Handle(GetPartnerImportQuery request, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select " + GetImportsHandler.Columns + " from imports i where i.partner_id = $1 and i.id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = request.ImportId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? GetImportsHandler.Read(reader)
            : throw new NotFoundException("import", request.ImportId.ToString());
    }
}

/// <summary>A page of an import's records in row order, optionally of one outcome.</summary>
public sealed record GetImportRecordsQuery(Guid PartnerId, Guid ImportId, string? Outcome, int Limit, long Offset) : IRequest<ImportRecordsPage>;

public sealed class GetImportRecordsValidator : AbstractValidator<GetImportRecordsQuery>
{
    public GetImportRecordsValidator()
    {
        RuleFor(q => q.Outcome).Must(o => o is null || WireName.Parse<ImportRecordOutcome>(o) is not null)
            .WithMessage($"must be one of: {string.Join(", ", WireName.All<ImportRecordOutcome>())}").OverridePropertyName("outcome");
        RuleFor(q => q.Limit).InclusiveBetween(1, 1000).OverridePropertyName("limit");
        RuleFor(q => q.Offset).GreaterThanOrEqualTo(0).OverridePropertyName("offset");
    }
}

public sealed class GetImportRecordsHandler(NpgsqlDataSource dataSource, ISender sender) : IRequestHandler<GetImportRecordsQuery, ImportRecordsPage>
{
    public async ValueTask<ImportRecordsPage> Handle(GetImportRecordsQuery request, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select r.row_no, r.external_id, r.outcome, r.facility_id, r.reason, r.ignored::text, count(*) over () " +
            "from imports i join import_records r on r.import_id = i.id " +
            "where i.partner_id = $1 and i.id = $2 and ($3::text is null or r.outcome = $3) order by r.row_no limit $4 offset $5");
        command.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = request.ImportId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = request.Outcome });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Limit });
        command.Parameters.Add(new NpgsqlParameter { Value = request.Offset });
        var items = new List<ImportRecord>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                items.Add(Read(reader));
                total = reader.GetInt64(6);
            }
        }
        if (items.Count == 0)
        {
            // An empty page of an import that exists, or a 404 for one that is not the partner's.
            await sender.Send(new GetPartnerImportQuery(request.PartnerId, request.ImportId), cancellationToken);
        }
        return new ImportRecordsPage(items, total);
    }

    internal static ImportRecord Read(NpgsqlDataReader reader) => new(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : JsonNode.Parse(reader.GetString(5)));

    /// <summary>Every record as CSV, streamed: row, record_id, outcome, facility_id, reason, ignored (each left-out
    /// value as <c>attribute='value' (why)</c>, separated by "; ").</summary>
    public static async Task WriteCsvAsync(NpgsqlDataSource dataSource, Guid partnerId, Guid importId, Stream body, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select r.row_no, r.external_id, r.outcome, r.facility_id, r.reason, r.ignored::text " +
            "from imports i join import_records r on r.import_id = i.id where i.partner_id = $1 and i.id = $2 order by r.row_no");
        command.Parameters.Add(new NpgsqlParameter { Value = partnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = importId });
        await using var writer = new StreamWriter(body, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        await writer.WriteAsync("row,record_id,outcome,facility_id,reason,ignored\r\n");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var record = Read(reader);
            var ignored = record.Ignored is JsonArray list
                ? string.Join("; ", list.Select(i => $"{(string?)i!["attribute"]}='{(string?)i["value"]}' ({(string?)i["reason"]})"))
                : "";
            await writer.WriteAsync(string.Join(',', record.Row.ToString(System.Globalization.CultureInfo.InvariantCulture), Csv(record.RecordId),
                record.Outcome, record.FacilityId?.ToString() ?? "", Csv(record.Reason), Csv(ignored)) + "\r\n");
        }
    }

    /// <summary>A CSV field, quoted when it holds a separator, quote or line break; a leading = + - @ is prefixed with
    /// an apostrophe so a spreadsheet does not run a partner's text as a formula.</summary>
    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }
        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
