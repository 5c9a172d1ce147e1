using System.Collections.Frozen;
using System.Text.Json;
using Npgsql;

namespace Facilities.Api.Features.Categories;

/// <summary>A category and the typed attributes its facilities carry beyond the core columns.</summary>
public sealed record Category(
    string Id,
    int SortOrder,
    IReadOnlyDictionary<string, string> Labels,
    JsonElement AttributeSchema);

/// <summary>
/// The categories table, held in memory: every query validates its category parameter against it and the table
/// changes only by migration. <see cref="ReloadAsync"/> runs at start-up.
/// </summary>
public sealed class CategoryCatalog(NpgsqlDataSource dataSource)
{
    private FrozenDictionary<string, Category> _byId = FrozenDictionary<string, Category>.Empty;

    public IReadOnlyList<Category> All { get; private set; } = [];

    public bool IsKnown(string id) => _byId.ContainsKey(id);

    public Category? Find(string id) => _byId.GetValueOrDefault(id);

    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        var categories = new List<Category>();
        await using var command = dataSource.CreateCommand(
            "select id, sort_order, labels::text, attribute_schema::text from categories order by sort_order, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var labels = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(2)) ?? [];
            using var schema = JsonDocument.Parse(reader.GetString(3));
            categories.Add(new Category(reader.GetString(0), reader.GetInt32(1), labels, schema.RootElement.Clone()));
        }
        All = categories;
        _byId = categories.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
    }
}
