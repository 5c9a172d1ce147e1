using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Facilities.Api.Features.Categories;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Mapping;
using Facilities.Api.Web;
using FluentValidation;
using FluentValidation.Results;
using Mediator;
using Npgsql;

namespace Facilities.Api.Features.Imports;

/// <summary>A partner's dataset as the API shows it.</summary>
public sealed record DatasetResponse(Guid Id, string Name, string Kind, string License, string Attribution, string? Category, string Crs,
    JsonObject Mapping, string[] OwnedAttributes, double MatchDistanceM, DateTime CreatedAt);

/// <summary>The body of POST /api/v1/partner/datasets. <c>preset</c> starts the mapping (and CRS) from a ready-made one.</summary>
public sealed record CreateDatasetBody(string? Name, string? License, string? Attribution, string? Category, string? Crs,
    JsonObject? Mapping, string[]? OwnedAttributes, double? MatchDistanceM, string? Kind, string? Preset)
{
    public static readonly string[] Keys = ["name", "license", "attribution", "category", "crs", "mapping", "owned_attributes", "match_distance_m", "kind", "preset"];

    /// <summary>Keys the definition has that no member reads: kept so that the validator names each one (a misspelt
    /// <c>owned_attribute</c> would otherwise make a dataset that owns nothing, with a 201).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? UnknownKeys { get; init; }
}

/// <summary>A request that carries a whole dataset definition, checked by <see cref="DatasetDefinitionValidator{T}"/>.</summary>
public interface IDatasetDefinition
{
    CreateDatasetBody Body { get; }
}

public sealed record CreateDatasetCommand(Guid PartnerId, CreateDatasetBody Body) : IRequest<DatasetResponse>, IDatasetDefinition;

public sealed class CreateDatasetValidator(CategoryCatalog categories) : DatasetDefinitionValidator<CreateDatasetCommand>(categories)
{
    public static readonly string[] OwnableExtra = ["location", "status"];

    /// <summary>What a partner may own: an attribute of the category (not the category itself), its location or status.</summary>
    public static bool IsOwnable(string attribute, Category? category) =>
        OwnableExtra.Contains(attribute) || (attribute != "category" && DatasetMapping.AttributeType(attribute, category) is not null);

    /// <summary>
    /// The faults of an owned_attributes list. The JSON binder lets a null item into the string array
    /// (<c>[null]</c>), which is named by its path.
    /// </summary>
    public static IEnumerable<ValidationFailure> OwnedAttributeFaults(string[]? owned, Category? category, string categoryName)
    {
        var items = owned ?? [];
        for (var i = 0; i < items.Length; i++)
        {
            if (items[i] is null)
            {
                yield return new ValidationFailure($"owned_attributes[{i}]", "must be the name of an attribute, not null");
            }
            else if (!IsOwnable(items[i], category))
            {
                yield return new ValidationFailure("owned_attributes", $"'{items[i]}' is not an attribute of {categoryName}");
            }
        }
    }
}

/// <summary>The checks of a dataset definition, the same for a dataset made now and for a draft dry-run.</summary>
public abstract class DatasetDefinitionValidator<T> : AbstractValidator<T> where T : IDatasetDefinition
{
    protected DatasetDefinitionValidator(CategoryCatalog categories)
    {
        RuleFor(c => c.Body.Name).DatasetName().OverridePropertyName("name");
        RuleFor(c => c.Body.License).DatasetLicense().OverridePropertyName("license");
        RuleFor(c => c.Body.Attribution).DatasetAttribution().OverridePropertyName("attribution");
        RuleFor(c => c.Body.Category).Must(c => c is null || categories.IsKnown(c))
            .WithMessage(c => $"must be one of: {string.Join(", ", categories.All.Select(x => x.Id))}").OverridePropertyName("category");
        RuleFor(c => c.Body.Crs).DatasetCrs().OverridePropertyName("crs");
        RuleFor(c => c.Body.MatchDistanceM).DatasetMatchDistance().OverridePropertyName("match_distance_m");
        RuleFor(c => c.Body.Kind).Must(k => k is null || WireName.Parse<DatasetKind>(k) is DatasetKind.Official or DatasetKind.Osm).WithMessage("must be official or osm").OverridePropertyName("kind");
        RuleFor(c => c.Body.Preset).Must(p => p is null || MappingPresets.Find(p) is not null)
            .WithMessage($"must be one of: {string.Join(", ", MappingPresets.All.Select(p => p.Id))}").OverridePropertyName("preset");
        RuleFor(c => c).Custom((command, context) =>
        {
            foreach (var unknown in command.Body.UnknownKeys?.Keys ?? Enumerable.Empty<string>())
            {
                context.AddFailure(new ValidationFailure(unknown, $"unknown key: a dataset definition takes {string.Join(", ", CreateDatasetBody.Keys)}"));
            }
            var category = categories.Find(command.Body.Category ?? "toilet");
            var errors = new Dictionary<string, string>();
            var mapping = CreateDatasetHandler.MappingOf(command.Body, errors);
            if (errors.Count == 0)
            {
                DatasetMapping.Parse(mapping, category, errors);
            }
            foreach (var (field, message) in errors)
            {
                context.AddFailure(new ValidationFailure(field, message));
            }
            foreach (var fault in CreateDatasetValidator.OwnedAttributeFaults(command.Body.OwnedAttributes, category, category?.Id ?? "the category"))
            {
                context.AddFailure(fault);
            }
        });
    }
}

/// <summary>The bounds of a dataset's own fields, one definition for making a dataset and for editing one.</summary>
public static partial class DatasetFieldRules
{
    public static IRuleBuilderOptions<T, string?> DatasetName<T>(this IRuleBuilder<T, string?> rule) => rule.NotEmpty().MaximumLength(200);

    public static IRuleBuilderOptions<T, string?> DatasetLicense<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(100).Must(l => l is null || SpdxExpression().IsMatch(l))
            .WithMessage("must be an SPDX license identifier or expression, e.g. OGL-UK-3.0, CC-BY-4.0, ODbL-1.0, or LicenseRef-<name> for a licence not on the SPDX list (LicenseRef-KOGL-Type1)");

    public static IRuleBuilderOptions<T, string?> DatasetAttribution<T>(this IRuleBuilder<T, string?> rule) => rule.NotEmpty().MaximumLength(500);

    public static IRuleBuilderOptions<T, string?> DatasetCrs<T>(this IRuleBuilder<T, string?> rule) =>
        rule.Must(c => c is null || CoordinateSystems.Find(c) is not null)
            .WithMessage($"unknown coordinate system; known: {string.Join(", ", CoordinateSystems.Documented)}");

    public static IRuleBuilderOptions<T, double?> DatasetMatchDistance<T>(this IRuleBuilder<T, double?> rule) => rule.InclusiveBetween(1, 1000);

    [GeneratedRegex(@"^[A-Za-z0-9.\-+]+( (AND|OR|WITH) [A-Za-z0-9.\-+]+)*$")]
    private static partial Regex SpdxExpression();
}

public sealed class CreateDatasetHandler(NpgsqlDataSource dataSource) : IRequestHandler<CreateDatasetCommand, DatasetResponse>
{
    /// <summary>The mapping the dataset stores: the partner's, a preset's, or a preset's extended (see <see cref="DatasetMapping.Resolve"/>).</summary>
    public static JsonObject MappingOf(CreateDatasetBody body, IDictionary<string, string> errors) =>
        DatasetMapping.Resolve(body.Mapping, MappingPresets.Find(body.Preset)?.Id, errors);

    /// <summary>Official unless the definition or its preset says otherwise (the OpenStreetMap preset makes an osm dataset).</summary>
    public static string KindOf(CreateDatasetBody body) => body.Kind ?? MappingPresets.Find(body.Preset)?.Kind ?? DatasetKind.Official.Name();

    public async ValueTask<DatasetResponse> Handle(CreateDatasetCommand request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await InsertAsync(connection, null, Guid.CreateVersion7(), request.PartnerId, request.Body, cancellationToken);
    }

    /// <summary>Writes a validated definition as a dataset: here, and for a draft's dry run inside its import's
    /// transaction (rolled back with it).</summary>
    public static async Task<DatasetResponse> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid id, Guid partnerId,
        CreateDatasetBody body, CancellationToken cancellationToken)
    {
        var preset = MappingPresets.Find(body.Preset);
        var crs = CoordinateSystems.Find(body.Crs ?? preset?.Crs ?? "EPSG:4326")!.Code;
        await using var command = new NpgsqlCommand(
            "insert into datasets (id, partner_id, kind, name, license, attribution, category, crs, mapping, owned_attributes, match_distance_m) " +
            "values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) returning created_at", connection, transaction);
        var mapping = MappingOf(body, new Dictionary<string, string>());
        var kind = KindOf(body);
        var owned = (body.OwnedAttributes ?? []).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var value in (object[])[id, partnerId, kind, body.Name!.Trim(), body.License!, body.Attribution!.Trim(),
                     body.Category ?? "toilet", crs, mapping.ToJsonString(), owned, body.MatchDistanceM ?? 50.0])
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        var createdAt = (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
        return new DatasetResponse(id, body.Name.Trim(), kind, body.License!, body.Attribution.Trim(), body.Category ?? "toilet",
            crs, mapping, owned, body.MatchDistanceM ?? 50.0, createdAt);
    }
}

public sealed record ListDatasetsQuery(Guid PartnerId, Guid? Id = null) : IRequest<IReadOnlyList<DatasetResponse>>;

public sealed class ListDatasetsHandler(NpgsqlDataSource dataSource) : IRequestHandler<ListDatasetsQuery, IReadOnlyList<DatasetResponse>>
{
    public async ValueTask<IReadOnlyList<DatasetResponse>> Handle(ListDatasetsQuery request, CancellationToken cancellationToken)
    {
        // Always filtered by the caller's partner: another partner's dataset is simply not there (404, not 403).
        await using var command = dataSource.CreateCommand(
            "select id, name, kind, license, attribution, category, crs, mapping::text, owned_attributes, match_distance_m, created_at " +
            "from datasets where partner_id = $1 and ($2::uuid is null or id = $2) order by created_at, id");
        command.Parameters.Add(new NpgsqlParameter { Value = request.PartnerId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)request.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<DatasetResponse>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new DatasetResponse(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), JsonNode.Parse(reader.GetString(7))!.AsObject(),
                reader.GetFieldValue<string[]>(8), reader.GetDouble(9), reader.GetDateTime(10)));
        }
        if (request.Id is { } id && list.Count == 0)
        {
            throw new NotFoundException("dataset", id.ToString());
        }
        return list;
    }
}
