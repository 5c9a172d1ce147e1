using System.Text.Json.Nodes;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Features.Imports.Mapping;

namespace Facilities.Tests.Imports;

/// <summary>Mapping v2: what real council files need, and every bad definition named by its path.</summary>
public sealed class MappingTests
{
    private static MappedRow Map(JsonObject fields, Dictionary<string, string?> row, out RowMapper mapper)
    {
        var errors = new Dictionary<string, string>();
        fields["lon"] = "x";
        fields["lat"] = "y";
        var mapping = DatasetMapping.Parse(new JsonObject { ["fields"] = fields }, null, errors);
        Assert.Empty(errors);
        mapper = new RowMapper(mapping, CoordinateSystems.Find("EPSG:4326")!, null);
        row["x"] = "1";
        row["y"] = "2";
        return Assert.IsType<MappedRow>(mapper.Map(new SourceRecord(1, new Dictionary<string, string?>(row, StringComparer.OrdinalIgnoreCase))));
    }

    private static Dictionary<string, string> Errors(JsonObject mapping)
    {
        var errors = new Dictionary<string, string>();
        DatasetMapping.Parse(mapping, null, errors);
        return errors;
    }

    [Fact]
    public void Fallback_columns_give_the_first_non_empty_and_a_template_joins_columns_leaving_out_empty_ones()
    {
        var fields = new JsonObject
        {
            ["name"] = new JsonObject { ["columns"] = new JsonArray("Name", "Building Name") },
            ["operator"] = new JsonObject { ["template"] = "{Building Name}, {Street}" },
        };
        var full = Map(fields.DeepClone().AsObject(), new() { ["Name"] = " ", ["Building Name"] = "Holborn Library", ["Street"] = "Theobalds Road" }, out _);
        Assert.Equal("Holborn Library", (string?)full.Attributes["name"]);
        Assert.Equal("Holborn Library, Theobalds Road", (string?)full.Attributes["operator"]);
        var streetOnly = Map(fields.DeepClone().AsObject(), new() { ["Name"] = "Kiosk", ["Building Name"] = "", ["Street"] = "Parkway" }, out _);
        Assert.Equal("Kiosk", (string?)streetOnly.Attributes["name"]);
        Assert.Equal("Parkway", (string?)streetOnly.Attributes["operator"]);
    }

    [Fact]
    public void A_pattern_takes_its_group_before_the_value_map_and_value_keys_are_exact_case_insensitive_or_patterns()
    {
        var fields = new JsonObject
        {
            // Wandsworth hides access in prose: "Balham High Road<br>Disabled Access".
            ["wheelchair"] = new JsonObject
            {
                ["column"] = "description",
                ["pattern"] = "(?i)(?<access>disabled access|no disabled access)",
                ["values"] = new JsonObject { ["disabled access"] = "yes", ["/(?i)^no /"] = "no" },
            },
            ["access"] = new JsonObject { ["column"] = "kind", ["values"] = new JsonObject { ["=PUBLIC"] = "public", ["public"] = "customers", ["/^cust/"] = "customers" } },
        };
        var row = Map(fields.DeepClone().AsObject(), new() { ["description"] = "Balham High Road<br>Disabled Access", ["kind"] = "PUBLIC" }, out _);
        Assert.Equal("yes", (string?)row.Attributes["wheelchair"]);
        Assert.Equal("public", (string?)row.Attributes["access"]);
        var other = Map(fields.DeepClone().AsObject(), new() { ["description"] = "Market<br>No disabled access", ["kind"] = "Public" }, out _);
        Assert.Equal("no", (string?)other.Attributes["wheelchair"]);
        Assert.Equal("customers", (string?)other.Attributes["access"]);
        var none = Map(fields.DeepClone().AsObject(), new() { ["description"] = "Just a kiosk", ["kind"] = "customers only" }, out _);
        Assert.False(none.Attributes.ContainsKey("wheelchair"));
        Assert.Equal("customers", (string?)none.Attributes["access"]);
    }

    [Fact]
    public void Transforms_trim_a_prefix_and_read_24_hours_prose_as_24_7()
    {
        var fields = new JsonObject
        {
            ["opening_hours"] = new JsonObject { ["column"] = "OpeningHours", ["transform"] = new JsonArray("trim_prefix:opening_hours=", "hours_24_7") },
        };
        Assert.Equal("Tu 09:30-20:00", (string?)Map(fields.DeepClone().AsObject(), new() { ["OpeningHours"] = "opening_hours= Tu 09:30-20:00" }, out _).Attributes["opening_hours"]);
        Assert.Equal("24/7", (string?)Map(fields.DeepClone().AsObject(), new() { ["OpeningHours"] = "Open 24 hours" }, out _).Attributes["opening_hours"]);
        Assert.Equal("24/7", (string?)Map(fields.DeepClone().AsObject(), new() { ["OpeningHours"] = "24 hours a day, 7 days a week" }, out _).Attributes["opening_hours"]);
    }

    [Theory]
    [InlineData("<b>Kiosk</b> &amp; caf&eacute;", "Kiosk & café")]
    [InlineData("Kiosk&#0;", "Kiosk\uFFFD")]
    [InlineData("<p>&#x0;&#00;</p>", "\uFFFD\uFFFD")]
    public void Strip_html_decodes_entities_and_reads_a_numeric_nul_as_the_replacement_character(string text, string expected)
    {
        var fields = new JsonObject { ["name"] = new JsonObject { ["column"] = "n", ["transform"] = "strip_html" } };
        Assert.Equal(expected, (string?)Map(fields, new() { ["n"] = text }, out _).Attributes["name"]);
    }

    [Fact]
    public void A_list_attribute_is_built_from_flag_columns_and_a_constant_fills_what_the_row_leaves_empty()
    {
        var fields = new JsonObject
        {
            ["gender"] = new JsonObject { ["flags"] = new JsonObject { ["male"] = "Male", ["female"] = "Female", ["unisex"] = "Unisex" } },
            ["access"] = new JsonObject { ["column"] = "Access", ["value"] = "public" },
        };
        // Seoul counts fixtures per sex: a count above 0 says yes.
        var row = Map(fields.DeepClone().AsObject(), new() { ["Male"] = "2", ["Female"] = "Yes", ["Unisex"] = "0", ["Access"] = "" }, out _);
        Assert.Equal(["female", "male"], row.Attributes["gender"]!.AsArray().Select(g => (string?)g));
        Assert.Equal("public", (string?)row.Attributes["access"]);
    }

    [Fact]
    public void An_ignored_value_is_listed_with_the_row_with_the_value_itself_and_why()
    {
        var row = Map(new JsonObject { ["wheelchair"] = "w", ["opening_hours"] = "h" },
            new() { ["w"] = "sometimes", ["h"] = "Summer (April - September) 7:30am - 8pm" }, out var mapper);
        Assert.Equal(["opening_hours", "wheelchair"], row.Ignored.Select(i => i.Attribute).Order());
        var wheelchair = row.Ignored.Single(i => i.Attribute == "wheelchair");
        Assert.Equal("sometimes", wheelchair.Value);
        Assert.Contains("yes, limited, no, unknown", wheelchair.Reason, StringComparison.Ordinal);
        Assert.Equal(1, mapper.IgnoredValues["opening_hours"]);
    }

    [Fact]
    public void Every_bad_part_of_a_definition_is_named_by_its_path()
    {
        var errors = Errors(new JsonObject
        {
            ["fields"] = new JsonObject
            {
                ["wheelchair"] = new JsonObject { ["column"] = "w", ["values"] = new JsonObject { ["accessible"] = "accessible", ["/(/"] = "yes" }, ["colour"] = "red" },
                ["name"] = new JsonObject { ["column"] = "n", ["pattern"] = "(unclosed" },
                ["operator"] = new JsonObject { ["template"] = "{Building Name, Street" },
                ["opening_hours"] = new JsonObject { ["column"] = "h", ["transform"] = new JsonArray("hours_24_7", "shout") },
                ["access"] = new JsonObject { ["value"] = "everyone" },
                ["fee"] = new JsonObject { ["flags"] = new JsonObject { ["yes"] = "f" } },
            },
            ["version"] = 2,
        });
        Assert.Contains("mapping.fields.wheelchair.values.accessible", errors.Keys);
        Assert.Contains("mapping.fields.wheelchair.values./(/", errors.Keys);
        Assert.Contains("mapping.fields.wheelchair.colour", errors.Keys);
        Assert.Contains("mapping.fields.name.pattern", errors.Keys);
        Assert.Contains("mapping.fields.operator.template", errors.Keys);
        Assert.Contains("mapping.fields.opening_hours.transform[1]", errors.Keys);
        Assert.Contains("mapping.fields.access.value", errors.Keys);
        Assert.Contains("mapping.fields.fee.flags", errors.Keys);
        Assert.Contains("mapping.version", errors.Keys);
        Assert.DoesNotContain("mapping.fields.opening_hours.transform[0]", errors.Keys);
    }

    [Fact]
    public void A_preset_and_a_mapping_need_extends_and_extending_keeps_the_presets_id_column()
    {
        var errors = new Dictionary<string, string>();
        DatasetMapping.Resolve(new JsonObject { ["fields"] = new JsonObject { ["name"] = "Title" } }, "osm_toilets", errors);
        Assert.Contains("mapping.extends", errors.Keys);

        errors.Clear();
        var resolved = DatasetMapping.Resolve(new JsonObject
        {
            ["extends"] = "osm_toilets",
            ["fields"] = new JsonObject { ["name"] = "name:en", ["gender"] = null },
        }, "osm_toilets", errors);
        Assert.Empty(errors);
        Assert.Equal("@id", (string?)resolved["fields"]!["id"]);
        Assert.Equal("name:en", (string?)resolved["fields"]!["name"]);
        Assert.False(resolved["fields"]!.AsObject().ContainsKey("gender"));
        Assert.Empty(Errors(resolved));
    }

    [Fact]
    public void Every_preset_passes_the_strict_checks_and_a_flat_stored_mapping_still_reads()
    {
        Assert.All(MappingPresets.All, p => Assert.Empty(Errors(p.Mapping)));
        var errors = new Dictionary<string, string>();
        var flat = DatasetMapping.Parse(new JsonObject { ["id"] = "ref", ["lon"] = "x", ["lat"] = "y", ["fee"] = new JsonObject { ["column"] = "f", ["note"] = "kept from v1" } },
            null, errors, strict: false);
        Assert.Empty(errors);
        Assert.Equal(["f"], flat.Attributes["fee"].Columns);
    }
}
