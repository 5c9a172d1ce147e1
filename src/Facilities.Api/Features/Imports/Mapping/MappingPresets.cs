using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Facilities.Api.Web;

namespace Facilities.Api.Features.Imports.Mapping;

/// <summary>A ready-made mapping for a common schema: what a partner would otherwise write by hand. <see cref="Kind"/>
/// is the kind of dataset it makes unless the definition says otherwise (OpenStreetMap's tags make an osm dataset, not
/// an official one).</summary>
public sealed record MappingPreset(string Id, string Description, string Crs, string Kind, [property: JsonIgnore] JsonObject Fields)
{
    /// <summary>The preset as a mapping (v2), as a dataset made with it stores it.</summary>
    public JsonObject Mapping => new() { ["extends"] = Id, ["fields"] = Fields.DeepClone() };
}

/// <summary>
/// Mappings for the schemas partners publish most: Australia's National Public Toilet Map CSV, the UK Local
/// Government Association "Public toilets" schema (Barnet, Hillingdon...), and OpenStreetMap's amenity=toilets tags.
/// A dataset created with <c>"preset": "&lt;id&gt;"</c> starts from one of these.
/// </summary>
public static class MappingPresets
{
    private static readonly JsonObject YesNo = new() { ["yes"] = true, ["no"] = false, ["true"] = true, ["false"] = false };

    public static readonly IReadOnlyList<MappingPreset> All =
    [
        new("au_nptm", "Australia's National Public Toilet Map CSV (FacilityID, Latitude, Longitude, Accessible TRUE/FALSE; " +
                       "the full export's Name, Address1 and opening hours columns can be added).",
            "EPSG:4326", DatasetKind.Official.Name(), new JsonObject
            {
                ["id"] = "FacilityID",
                ["lat"] = "Latitude",
                ["lon"] = "Longitude",
                ["wheelchair"] = new JsonObject { ["column"] = "Accessible", ["values"] = new JsonObject { ["TRUE"] = "yes", ["FALSE"] = "no" } },
                ["access"] = new JsonObject { ["value"] = "public" },
            }),
        new("uk_lga_toilets", "UK LGA 'Public toilets' schema (GeoX/GeoY on the British National Grid; no record id, so records are " +
                              "identified by position and name).",
            "EPSG:27700", DatasetKind.Official.Name(), new JsonObject
            {
                ["x"] = "GeoX",
                ["y"] = "GeoY",
                ["name"] = "LocationText",
                ["operator"] = "ManagedBy",
                // Barnet writes "opening_hours= Tu 09:30-20:00; ...".
                ["opening_hours"] = new JsonObject { ["column"] = "OpeningHours", ["transform"] = new JsonArray("trim_prefix:opening_hours=", "hours_24_7") },
                ["changing_table"] = "BabyChange",
                ["adult_changing_table"] = "ChangingPlace",
                ["key_scheme"] = new JsonObject
                {
                    ["column"] = "RADARKeyNeeded",
                    ["values"] = new JsonObject { ["yes"] = "RADAR", ["true"] = "RADAR", ["no"] = null, ["false"] = null },
                },
                ["wheelchair"] = new JsonObject
                {
                    ["column"] = "AccessibleCategory",
                    ["values"] = new JsonObject { ["unisex"] = "yes", ["male"] = "yes", ["female"] = "yes", ["male and female"] = "yes", ["none"] = "no" },
                },
                ["gender"] = new JsonObject
                {
                    ["column"] = "Category",
                    ["values"] = new JsonObject
                    {
                        ["unisex"] = new JsonArray("unisex"), ["male"] = new JsonArray("male"), ["female"] = new JsonArray("female"),
                        ["male and female"] = new JsonArray("female", "male"), ["female and male"] = new JsonArray("female", "male"),
                    },
                },
                ["fee"] = new JsonObject { ["column"] = "ChargeAmount", ["values"] = new JsonObject { ["0"] = false, ["0.00"] = false, ["free"] = false, ["*"] = true } },
                ["access"] = new JsonObject { ["value"] = "public" },
            }),
        new("osm_toilets", "OpenStreetMap amenity=toilets tags (Overpass JSON or OSM XML; the record id is node/… or way/…).",
            "EPSG:4326", DatasetKind.Osm.Name(), new JsonObject
            {
                ["id"] = "@id",
                ["name"] = "name",
                ["operator"] = "operator",
                ["opening_hours"] = "opening_hours",
                ["fee"] = new JsonObject { ["column"] = "fee", ["values"] = YesNo.DeepClone() },
                ["charge"] = "charge",
                ["wheelchair"] = "wheelchair",
                ["changing_table"] = new JsonObject { ["column"] = "changing_table", ["values"] = YesNo.DeepClone() },
                ["access"] = new JsonObject
                {
                    ["column"] = "access",
                    ["values"] = new JsonObject
                    {
                        ["yes"] = "public", ["public"] = "public", ["customers"] = "customers", ["permissive"] = "permissive",
                        ["private"] = "private", ["no"] = "private", ["key"] = "key", ["permit"] = "key",
                    },
                },
                ["gender"] = new JsonObject { ["flags"] = new JsonObject { ["female"] = "female", ["male"] = "male", ["unisex"] = "unisex" } },
                ["key_scheme"] = new JsonObject { ["column"] = "centralkey", ["values"] = new JsonObject { ["radar"] = "RADAR", ["eurokey"] = "Eurokey", ["mlak"] = "MLAK" } },
            }),
    ];

    public static MappingPreset? Find(string? id) => All.FirstOrDefault(p => string.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase));
}
