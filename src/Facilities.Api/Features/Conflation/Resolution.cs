using System.Text.Json.Nodes;
using Facilities.Api.Data;
using Facilities.Api.Web;

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
/// The category is fixed by matching and never changed by a record. A record that says nothing about an attribute
/// (the file's field is empty, or not mapped) leaves it as it is — no observation — with one exception: an attribute
/// the record's dataset owns and that the record gave a value for last time. The owner emptied it, and the owner's
/// value for an owned attribute is what it says, here none: the value is cleared (a null change; its provenance
/// names the record, see <see cref="Data.FacilityVersionChange.Next"/>). A record that comes back after it was removed at
/// source (<c>returnsAfterRemoval</c>: its removal marked the facility removed) reopens it, unless the
/// record itself gives a status.
/// </summary>
public static class Resolution
{
    public static Dictionary<string, JsonNode?> Changes(JsonObject incoming, JsonObject? previous,
        IReadOnlyDictionary<string, AttributeSource> provenance, Guid datasetId, IReadOnlyCollection<string> owned, double confidence,
        bool returnsAfterRemoval = false)
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
        if (previous is not null)
        {
            foreach (var attribute in owned)
            {
                if (attribute is not ("category" or "location") && previous[attribute] is not null && incoming[attribute] is null)
                {
                    changes[attribute] = null;
                }
            }
        }
        if (returnsAfterRemoval && incoming["status"] is null)
        {
            changes["status"] = FacilityStatus.Open.Name();
        }
        return changes;
    }
}
