using System.Text.Json.Nodes;

namespace Facilities.Api.Data;

/// <summary>
/// One new version of one facility: the state after, the diff, the snapshot, which attributes now come from the
/// record <see cref="ExternalId"/> (<see cref="SetAttributes"/>: their provenance names it) and which lost their value
/// and their provenance (<see cref="ClearedAttributes"/>). <see cref="FacilityWriter"/> and
/// <see cref="FacilityBulkWriter"/> both compute versions here, so a version reads the same whichever wrote it.
/// </summary>
public sealed record FacilityVersionChange(Guid FacilityId, bool Created, int Version, FacilityState After, JsonObject Changes,
    JsonObject Snapshot, string[] SetAttributes, string[] ClearedAttributes, FacilityChangeKind Kind, string ExternalId)
{
    // As the writers store them, serialised where the version is computed: an import computes the next chunk's
    // versions on a thread of its own while the current chunk is written, so its COPY only copies these strings.
    public string ChangesJson { get; } = Changes.ToJsonString();
    public string SnapshotJson { get; } = Snapshot.ToJsonString();
    public string AttributesJson { get; } = After.Attributes.ToJsonString();

    /// <summary>Version 1 of a new facility: every value it has is a change from nothing.</summary>
    public static FacilityVersionChange First(Guid id, FacilityState state, string externalId)
    {
        var known = state.KnownAttributes();
        var snapshot = new JsonObject(known.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value.DeepClone())));
        var changes = new JsonObject(known.Select(k =>
            KeyValuePair.Create(k.Key, (JsonNode?)new JsonObject { ["from"] = null, ["to"] = k.Value.DeepClone() })));
        return new FacilityVersionChange(id, true, 1, state, changes, snapshot, [.. known.Keys], [], FacilityChangeKind.Created, externalId);
    }

    /// <summary>The next version of an existing facility with <paramref name="changes"/> applied (public attribute
    /// names, null clearing a value), or null when they leave every value as it was (no version is written).
    /// <paramref name="clearedBySource"/>: attributes the record itself says have no value, as their owner: their
    /// provenance names the record (the owner's value is "none") instead of being dropped.</summary>
    public static FacilityVersionChange? Next(Guid id, int currentVersion, FacilityState before,
        IReadOnlyDictionary<string, JsonNode?> changes, string externalId, IReadOnlyCollection<string>? clearedBySource = null)
    {
        clearedBySource ??= [];
        var after = changes.Aggregate(before, (state, change) => state.With(change.Key, change.Value));
        var oldValues = before.KnownAttributes();
        var newValues = after.KnownAttributes();
        var changed = oldValues.Keys.Union(newValues.Keys)
            .Where(name => !JsonNode.DeepEquals(oldValues.GetValueOrDefault(name), newValues.GetValueOrDefault(name)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (changed.Length == 0)
        {
            return null;
        }
        var diff = new JsonObject(changed.Select(name => KeyValuePair.Create(name, (JsonNode?)new JsonObject
        {
            ["from"] = oldValues.GetValueOrDefault(name)?.DeepClone(),
            ["to"] = newValues.GetValueOrDefault(name)?.DeepClone(),
        })));
        var snapshot = new JsonObject(newValues.Select(k => KeyValuePair.Create(k.Key, (JsonNode?)k.Value.DeepClone())));
        var kind = after.Status == FacilityStatus.Removed && before.Status != FacilityStatus.Removed ? FacilityChangeKind.Removed : FacilityChangeKind.Updated;
        return new FacilityVersionChange(id, false, currentVersion + 1, after, diff, snapshot,
            [.. changed.Where(name => newValues.ContainsKey(name) || clearedBySource.Contains(name))],
            [.. changed.Where(name => !newValues.ContainsKey(name) && !clearedBySource.Contains(name))], kind, externalId);
    }
}

