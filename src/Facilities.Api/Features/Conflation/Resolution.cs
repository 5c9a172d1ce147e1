using System.Text.Json.Nodes;

namespace Facilities.Api.Features.Conflation;

/// <summary>Where a facility's current value of one attribute came from (its provenance row).</summary>
public sealed record AttributeSource(double Confidence, Guid? DatasetId, bool OwnedByItsDataset);

/// <summary>
/// Which of a record's values a facility takes, attribute by attribute. The rules, in order:
/// <list type="number">
/// <item>an attribute the record's dataset owns takes the owner's value, always (a community edit of it is disputed
/// through review, not silently overwritten or kept);</item>
/// <item>an attribute another dataset owns keeps that owner's value;</item>
/// <item>a value the record already gave last time is not a new observation: a reimport does not undo the community's
/// later corrections (the crowd corrects what the partner does not own, and the correction stays);</item>
/// <item>otherwise the most recent observation of the highest confidence wins: the record's value replaces the
/// current one unless that came from a more confident source.</item>
/// </list>
/// The category is fixed by matching and never changed by a record; a record that says nothing about an attribute
/// leaves it as it is.
/// </summary>
public static class Resolution
{
    public static Dictionary<string, JsonNode?> Changes(JsonObject incoming, JsonObject? previous,
        IReadOnlyDictionary<string, AttributeSource> provenance, Guid datasetId, IReadOnlyCollection<string> owned, double confidence)
    {
        var changes = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (attribute, value) in incoming)
        {
            if (attribute == "category" || value is null)
            {
                continue;
            }
            if (owned.Contains(attribute))
            {
                changes[attribute] = value.DeepClone();
                continue;
            }
            var current = provenance.GetValueOrDefault(attribute);
            if (current is { OwnedByItsDataset: true } && current.DatasetId != datasetId)
            {
                continue;
            }
            if (previous is not null && JsonNode.DeepEquals(previous[attribute], value))
            {
                continue;
            }
            if (current is not null && current.DatasetId != datasetId && current.Confidence > confidence + 1e-6)
            {
                continue;
            }
            changes[attribute] = value.DeepClone();
        }
        return changes;
    }

    /// <summary>
    /// How sure the service is that a facility exists as described, from the sources that vouch for it: each live
    /// source record counts as independent evidence (1 − Π(1 − cᵢ)), capped below certainty. Open reports would
    /// lower it; they belong to the contributions feature (see the README's seams).
    /// </summary>
    public static double CombinedConfidence(IEnumerable<double> sourceConfidences) =>
        Math.Min(0.99, 1 - sourceConfidences.Aggregate(1.0, (rest, c) => rest * (1 - Math.Clamp(c, 0, 0.99))));

    /// <summary>The confidence a record of a dataset of this kind carries.</summary>
    public static double ForKind(string kind) => kind switch
    {
        "official" => 0.9,
        "osm" => 0.7,
        _ => 0.6,
    };

    /// <summary>The same rule as <see cref="ForKind"/>, in SQL, for set-based updates.</summary>
    public const string KindConfidenceSql = "case d.kind when 'official' then 0.9 when 'osm' then 0.7 else 0.6 end";
}
