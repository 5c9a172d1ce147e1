using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Web;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>
/// The body of PATCH /api/v1/partner/datasets/{id}: the fields to change, the others left out. The category and the
/// kind stay (the dataset's records were matched as that category and source kind); a changed mapping, CRS, owned
/// attributes or match distance applies from the next import.
/// </summary>
public sealed record UpdateDatasetBody(string? Name, string? License, string? Attribution, string? Crs,
    JsonObject? Mapping, string[]? OwnedAttributes, double? MatchDistanceM)
{
    public static readonly string[] Keys = ["name", "license", "attribution", "crs", "mapping", "owned_attributes", "match_distance_m"];

    /// <summary>Keys no member reads, for the validator to name: a misspelt key would otherwise change nothing with a 200.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownKeys { get; init; }
}

public sealed record UpdateDatasetCommand(Guid PartnerId, Guid DatasetId, UpdateDatasetBody Body) : IRequest<DatasetResponse>;

public sealed class UpdateDatasetValidator : AbstractValidator<UpdateDatasetCommand>
{
    public UpdateDatasetValidator()
    {
        RuleFor(c => c.Body).Custom((body, context) =>
        {
            foreach (var unknown in body.UnknownKeys?.Keys ?? Enumerable.Empty<string>())
            {
                context.AddFailure(new ValidationFailure(unknown, unknown is "category" or "kind"
                    ? "cannot change: the dataset's records were matched as its category and kind; make a new dataset instead"
                    : $"unknown key: a change takes {string.Join(", ", UpdateDatasetBody.Keys)}"));
            }
        });
        RuleFor(c => c.Body).Must(b => b.Name is not null || b.License is not null || b.Attribution is not null || b.Crs is not null
                                       || b.Mapping is not null || b.OwnedAttributes is not null || b.MatchDistanceM is not null)
            .When(b => b.Body.UnknownKeys is not { Count: > 0 })
            .WithMessage($"names nothing to change: give one or more of {string.Join(", ", UpdateDatasetBody.Keys)}")
            .OverridePropertyName("body");
        // The same rules as a new dataset's, for the fields given.
        RuleFor(c => c.Body.Name).DatasetName().When(c => c.Body.Name is not null).OverridePropertyName("name");
        RuleFor(c => c.Body.License).DatasetLicense().When(c => c.Body.License is not null).OverridePropertyName("license");
        RuleFor(c => c.Body.Attribution).DatasetAttribution().When(c => c.Body.Attribution is not null).OverridePropertyName("attribution");
        RuleFor(c => c.Body.Crs).DatasetCrs().OverridePropertyName("crs");
        RuleFor(c => c.Body.MatchDistanceM).DatasetMatchDistance().OverridePropertyName("match_distance_m");
    }
}

public sealed class UpdateDatasetHandler(NpgsqlDataSource dataSource, CategoryCatalog categories, ISender sender)
    : IRequestHandler<UpdateDatasetCommand, DatasetResponse>
{
    public async ValueTask<DatasetResponse> Handle(UpdateDatasetCommand request, CancellationToken cancellationToken)
    {
        var body = request.Body;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Locked: an import starting now reads the dataset either before or after the whole change.
        JsonObject mapping;
        string category;
        bool hasRecords;
        await using (var read = new NpgsqlCommand(
            "select d.category, d.mapping::text, exists (select 1 from source_records r where r.dataset_id = d.id) " +
            "from datasets d where d.id = $1 and d.partner_id = $2 for update", connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter { Value = request.DatasetId });
            read.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new NotFoundException("dataset", request.DatasetId.ToString());
            }
            category = reader.IsDBNull(0) ? "toilet" : reader.GetString(0);
            mapping = JsonNode.Parse(reader.GetString(1))!.AsObject();
            hasRecords = reader.GetBoolean(2);
        }

        // Checked against the stored category, which only the database knows: the same 400 as the validator's.
        var categoryDefinition = categories.Find(category);
        var failures = new List<ValidationFailure>();
        JsonObject? resolved = null;
        if (body.Mapping is not null)
        {
            var errors = new Dictionary<string, string>();
            resolved = DatasetMapping.Resolve(body.Mapping, null, errors);
            if (errors.Count == 0)
            {
                DatasetMapping.Parse(resolved, categoryDefinition, errors);
            }
            failures.AddRange(errors.Select(e => new ValidationFailure(e.Key, e.Value)));
        }
        failures.AddRange(CreateDatasetValidator.OwnedAttributeFaults(body.OwnedAttributes, categoryDefinition, category));
        if (failures.Count > 0)
        {
            throw new ValidationException(failures);
        }

        // The record id is how the next file's rows find last time's: a different id column would make every record
        // look removed and come back as new facilities, so it is fixed once records exist.
        if (body.Mapping is not null && hasRecords && !JsonNode.DeepEquals(DatasetMapping.IdDefinition(resolved), DatasetMapping.IdDefinition(mapping)))
        {
            throw new DomainException(StatusCodes.Status409Conflict, "The record id cannot change",
                "This dataset already has records keyed by its id column; a different id would remove them all at source. " +
                "Make a new dataset for the new ids.");
        }

        await using var update = new NpgsqlCommand(
            "update datasets set name = coalesce($3, name), license = coalesce($4, license), attribution = coalesce($5, attribution), " +
            "crs = coalesce($6, crs), mapping = coalesce($7::jsonb, mapping), owned_attributes = coalesce($8, owned_attributes), " +
            "match_distance_m = coalesce($9, match_distance_m) where id = $1 and partner_id = $2", connection, transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = request.DatasetId });
        update.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
        update.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = body.Name?.Trim() });
        update.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = body.License });
        update.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = body.Attribution?.Trim() });
        update.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = body.Crs is null ? null : CoordinateSystems.Find(body.Crs)!.Code });
        update.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = resolved?.ToJsonString() });
        update.Parameters.Add(new NpgsqlParameter<string[]?> { TypedValue = body.OwnedAttributes?.Distinct(StringComparer.Ordinal).ToArray() });
        update.Parameters.Add(new NpgsqlParameter<double?> { TypedValue = body.MatchDistanceM });
        await update.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // Read after the commit, as any client would read it.
        return (await sender.Send(new ListDatasetsQuery(request.PartnerId, request.DatasetId), cancellationToken))[0];
    }
}
