using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Categories;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// A file imported against a definition rather than a dataset (POST /api/v1/partner/imports): a dry run stores only
/// the definition with the import and makes nothing; the real import makes the dataset (the same command and checks
/// as POST /datasets) and queues the file into it.
/// </summary>
public sealed record QueueDraftImportCommand(Guid PartnerId, CreateDatasetBody Body, bool DryRun, Upload Upload)
    : IRequest<ImportResponse>, IDatasetDefinition;

public sealed class QueueDraftImportValidator(CategoryCatalog categories) : DatasetDefinitionValidator<QueueDraftImportCommand>(categories);

public sealed class QueueDraftImportHandler(ISender sender) : IRequestHandler<QueueDraftImportCommand, ImportResponse>
{
    public async ValueTask<ImportResponse> Handle(QueueDraftImportCommand request, CancellationToken cancellationToken)
    {
        var upload = request.Upload;
        if (!request.DryRun)
        {
            var dataset = await sender.Send(new CreateDatasetCommand(request.PartnerId, request.Body), cancellationToken);
            return await sender.Send(new QueueImportCommand(request.PartnerId, dataset.Id, false, upload.Format, upload.FileName, upload.Path,
                upload.Bytes), cancellationToken);
        }
        return await sender.Send(new QueueImportCommand(request.PartnerId, null, true, upload.Format, upload.FileName, upload.Path, upload.Bytes,
            DraftDatasets.ToJson(request.Body)), cancellationToken);
    }
}

/// <summary>The dataset a draft dry run needs for its records to belong to, made inside the import's transaction.</summary>
public static class DraftDatasets
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static JsonNode ToJson(CreateDatasetBody body) => JsonSerializer.SerializeToNode(body, Json)!;

    public static async Task<DatasetInfo?> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid importId, CancellationToken ct)
    {
        Guid partnerId;
        CreateDatasetBody body;
        await using (var read = new NpgsqlCommand("select partner_id, draft::text from imports where id = $1 and draft is not null", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = importId });
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }
            partnerId = reader.GetGuid(0);
            body = JsonSerializer.Deserialize<CreateDatasetBody>(reader.GetString(1), Json)!;
        }
        var dataset = await CreateDatasetHandler.InsertAsync(connection, transaction, Guid.CreateVersion7(), partnerId, body, ct);
        return await DatasetInfo.LoadAsync(connection, transaction, dataset.Id, ct);
    }
}
