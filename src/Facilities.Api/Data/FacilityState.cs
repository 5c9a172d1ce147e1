using System.Text.Json.Nodes;

namespace Facilities.Api.Data;

/// <summary>
/// The editable state of a facility: what a new version writes. Attribute names are the public (contract) names;
/// <c>location</c> stands for the position.
/// </summary>
public sealed record FacilityState
{
    public required string Category { get; init; }
    public required double Lon { get; init; }
    public required double Lat { get; init; }
    public string? Name { get; init; }
    public string? Operator { get; init; }
    public string Status { get; init; } = "open";
    public DateTime? StatusUntil { get; init; }
    public string Access { get; init; } = "unknown";
    public bool? Fee { get; init; }
    public string? Charge { get; init; }
    public string? OpeningHours { get; init; }
    public string? TimeZone { get; init; }
    public string Wheelchair { get; init; } = "unknown";
    public bool? ChangingTable { get; init; }
    public bool? AdultChangingTable { get; init; }
    public string[] Gender { get; init; } = [];
    public string? KeyScheme { get; init; }
    public string? OfficialGrade { get; init; }
    public JsonObject Attributes { get; init; } = [];
    public double Confidence { get; init; } = 0.5;
    public DateTime? LastVerifiedAt { get; init; }

    /// <summary>
    /// Every attribute that has a value, by public name, as JSON: what a version's snapshot records and what
    /// provenance is kept for. Category-specific attributes appear under their own names.
    /// </summary>
    public SortedDictionary<string, JsonNode> KnownAttributes()
    {
        var values = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal)
        {
            ["category"] = Category,
            ["location"] = new JsonArray(Lon, Lat),
            ["status"] = Status,
            ["access"] = Access,
            ["wheelchair"] = Wheelchair,
        };
        void Add(string name, JsonNode? value)
        {
            if (value is not null)
            {
                values[name] = value;
            }
        }
        Add("name", Name);
        Add("operator", Operator);
        Add("status_until", StatusUntil);
        Add("fee", Fee);
        Add("charge", Charge);
        Add("opening_hours", OpeningHours);
        Add("changing_table", ChangingTable);
        Add("adult_changing_table", AdultChangingTable);
        if (Gender.Length > 0)
        {
            values["gender"] = new JsonArray([.. Gender.Select(g => (JsonNode)g)]);
        }
        Add("key_scheme", KeyScheme);
        Add("official_grade", OfficialGrade);
        foreach (var (name, value) in Attributes)
        {
            Add(name, value?.DeepClone());
        }
        return values;
    }
}
