using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Facilities.Api.Web;

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
    public FacilityStatus Status { get; init; } = FacilityStatus.Open;
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
            ["status"] = Status.Name(),
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

    /// <summary>The state as the facilities table holds it now.</summary>
    public static FacilityState FromRow(FacilityRow row) => new()
    {
        Category = row.Category,
        Lon = row.Lon,
        Lat = row.Lat,
        Name = row.Name,
        Operator = row.Operator,
        Status = row.Status,
        StatusUntil = row.StatusUntil,
        Access = row.Access,
        Fee = row.Fee,
        Charge = row.Charge,
        OpeningHours = row.OpeningHours,
        TimeZone = row.TimeZone,
        Wheelchair = row.Wheelchair,
        ChangingTable = row.ChangingTable,
        AdultChangingTable = row.AdultChangingTable,
        Gender = row.Gender,
        KeyScheme = row.KeyScheme,
        OfficialGrade = row.OfficialGrade,
        Attributes = JsonNode.Parse(row.AttributesJson)?.AsObject() ?? [],
        Confidence = row.Confidence,
        LastVerifiedAt = row.LastVerifiedAt,
    };

    /// <summary>
    /// This state with one attribute set, by its public name as <see cref="KnownAttributes"/> names it (null clears
    /// it; <c>location</c> is <c>[lon, lat]</c>). A name that is not a core attribute is a category attribute. The
    /// value must already be valid for the attribute (the callers validate against the category's schema): a value
    /// of the wrong JSON type throws.
    /// </summary>
    public FacilityState With(string attribute, JsonNode? value)
    {
        string? Text() => value?.GetValue<string>();
        bool? Flag() => value?.GetValue<bool>();
        return attribute switch
        {
            "category" => this with { Category = Text() ?? throw new ArgumentException("category cannot be cleared") },
            "location" => value is JsonArray { Count: 2 } position
                ? this with { Lon = position[0]!.GetValue<double>(), Lat = position[1]!.GetValue<double>() }
                : throw new ArgumentException("location is [lon, lat]"),
            "name" => this with { Name = Text() },
            "operator" => this with { Operator = Text() },
            "status" => this with { Status = Text() is { } status ? WireName.Parse<FacilityStatus>(status) ?? throw new ArgumentException($"no status {status}") : FacilityStatus.Open },
            "status_until" => this with
            {
                StatusUntil = value is null ? null
                    : DateTime.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
            },
            "access" => this with { Access = Text() ?? "unknown" },
            "fee" => this with { Fee = Flag() },
            "charge" => this with { Charge = Text() },
            "opening_hours" => this with { OpeningHours = Text() },
            "wheelchair" => this with { Wheelchair = Text() ?? "unknown" },
            "changing_table" => this with { ChangingTable = Flag() },
            "adult_changing_table" => this with { AdultChangingTable = Flag() },
            "gender" => this with { Gender = value is null ? [] : [.. value.AsArray().Select(g => g!.GetValue<string>())] },
            "key_scheme" => this with { KeyScheme = Text() },
            "official_grade" => this with { OfficialGrade = Text() },
            _ => this with { Attributes = WithCategoryAttribute(attribute, value) },
        };
    }

    private JsonObject WithCategoryAttribute(string attribute, JsonNode? value)
    {
        var attributes = Attributes.DeepClone().AsObject();
        if (value is null || value.GetValueKind() == JsonValueKind.Null)
        {
            attributes.Remove(attribute);
        }
        else
        {
            attributes[attribute] = value.DeepClone();
        }
        return attributes;
    }
}
