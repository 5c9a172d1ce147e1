using System.Text;
using System.Text.Json.Nodes;
using Facilities.Api.Features.Conflation;
using Facilities.Api.Features.Imports.Crs;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Api.Features.Imports.Mapping;

namespace Facilities.Tests.Imports;

public sealed class CsvAndMappingTests
{
    private static List<SourceRecord> Read(string text, out CsvRecords csv)
    {
        csv = new CsvRecords(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        return [.. csv.Read(default)];
    }

    [Fact]
    public void Tabs_quoted_line_breaks_and_header_spaces_are_read_as_written()
    {
        var records = Read("id\tName \t lat\n1\t\"Two\nlines\"\t51.5\n\n2\t\"say \"\"hi\"\"\"\t52\n", out var csv);
        Assert.Equal('\t', csv.Separator);
        Assert.Equal(2, records.Count);
        Assert.Equal("Two\nlines", records[0].Get("name"));
        Assert.Equal("51.5", records[0].Get("LAT"));
        Assert.Equal("say \"hi\"", records[1].Get("Name"));
        Assert.Equal(2, records[1].Row);
    }

    [Fact]
    public void A_row_with_more_fields_than_the_header_is_an_error_for_that_row_only()
    {
        var records = Read("a,b\n1,2\n1,2,3\n", out _);
        Assert.Null(records[0].Error);
        Assert.Contains("3 fields", records[1].Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bom_semicolons_crlf_quoted_headers_and_short_rows_read_as_written()
    {
        var records = Read("\uFEFF\"Name ; x\";Lat ;Lon\r\n  \"Caf\u00e9; upstairs\" ;51,5;-0,1\r\nShort\r\n", out var csv);
        Assert.Equal(';', csv.Separator);
        Assert.Equal(["Name ; x", "Lat", "Lon"], csv.DeclaredFields);
        Assert.Equal("Caf\u00e9; upstairs", records[0].Get("name ; x"));
        Assert.Equal("51,5", records[0].Get("lat"));
        Assert.Equal("Short", records[1].Get("Name ; x"));
        Assert.Null(records[1].Get("Lon"));
        Assert.Null(records[1].Error);
    }

    [Fact]
    public void An_empty_file_or_a_binary_header_cannot_be_read()
    {
        Assert.Throws<ImportFileException>(() => Read("", out _));
        Assert.Throws<ImportFileException>(() => Read("\n\n", out _));
        Assert.Contains("NUL", Assert.Throws<ImportFileException>(() => Read("a\0b,c\n1,2\n", out _)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("london-toilets/camden_public_toilets.csv", 47, "Socrata ID")]
    [InlineData("london-toilets/barnet_lga_schema.csv", 26, "GeoX")]
    [InlineData("london-toilets/hillingdon_lga_schema.csv", 48, "GEOX")]
    [InlineData("london-toilets/southwark_toilets.csv", 41, "Easting")]
    [InlineData("london-toilets/barking_toilets.csv", 10, "Grid Ref Y")]
    [InlineData("seoul-toilets/seoul_public_toilets.csv", 5226, "\ud654\uc7a5\uc2e4\uba85")]
    [InlineData("australia-nptm/nptm_toilets_5col.csv", 22513, "FacilityID")]
    public void The_real_partner_files_read_every_row(string file, int rows, string column)
    {
        using var stream = File.OpenRead(Path.Combine(Facilities.Testing.RepositoryPaths.TestData, file));
        using var csv = new CsvRecords(stream);
        var records = csv.Read(default).ToList();
        Assert.Equal(rows, records.Count);
        Assert.All(records, r => Assert.Null(r.Error));
        Assert.Contains(column, csv.DeclaredFields!);
        Assert.All(records, r => Assert.True(r.Fields.ContainsKey(column)));
    }

    [Theory]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("Yes", true)]
    [InlineData("no", false)]
    [InlineData("1", true)]
    [InlineData("0", false)]
    [InlineData("是", true)]
    [InlineData("否", false)]
    public void Booleans_read_in_the_spellings_partners_use(string text, bool expected)
    {
        var mapper = new RowMapper(DatasetMapping.Parse(new JsonObject { ["lon"] = "x", ["lat"] = "y", ["fee"] = "f" }, null, new Dictionary<string, string>()),
            CoordinateSystems.Find("EPSG:4326")!, null);
        var row = (MappedRow)mapper.Map(new SourceRecord(1, new Dictionary<string, string?> { ["x"] = "1", ["y"] = "2", ["f"] = text }));
        Assert.Equal(expected, (bool)row.Attributes["fee"]!);
    }

    [Fact]
    public void A_value_that_fits_no_type_is_left_out_and_counted_while_the_row_goes_in()
    {
        var mapper = new RowMapper(DatasetMapping.Parse(new JsonObject { ["lon"] = "x", ["lat"] = "y", ["wheelchair"] = "w", ["opening_hours"] = "h" },
            null, new Dictionary<string, string>()), CoordinateSystems.Find("EPSG:4326")!, null);
        var row = (MappedRow)mapper.Map(new SourceRecord(1, new Dictionary<string, string?>
        {
            ["x"] = "1",
            ["y"] = "2",
            ["w"] = "sometimes",
            ["h"] = "Summer (April - September) 7:30am - 8pm",
        }));
        Assert.False(row.Attributes.ContainsKey("wheelchair"));
        Assert.False(row.Attributes.ContainsKey("opening_hours"));
        Assert.Equal(1, mapper.IgnoredValues["wheelchair"]);
    }

    [Fact]
    public void Opening_hours_the_evaluator_cannot_read_are_ignored_with_the_parsers_reason()
    {
        var mapper = new RowMapper(DatasetMapping.Parse(new JsonObject { ["lon"] = "x", ["lat"] = "y", ["opening_hours"] = "h" },
            null, new Dictionary<string, string>()), CoordinateSystems.Find("EPSG:4326")!, null);
        var good = (MappedRow)mapper.Map(new SourceRecord(1, new Dictionary<string, string?> { ["x"] = "1", ["y"] = "2", ["h"] = "Mo-Fr 08:00-18:00" }));
        var bad = (MappedRow)mapper.Map(new SourceRecord(2, new Dictionary<string, string?> { ["x"] = "1", ["y"] = "2", ["h"] = "Mo-Fr 25:00-99:00" }));
        Assert.Equal("Mo-Fr 08:00-18:00", (string)good.Attributes["opening_hours"]!);
        Assert.False(bad.Attributes.ContainsKey("opening_hours"));
        Assert.Equal(1, mapper.IgnoredValues["opening_hours"]);
        Assert.Contains("expected a time at 'Mo-Fr 25:00'", mapper.IgnoredReasons["opening_hours"], StringComparison.Ordinal);
    }

    [Fact]
    public void A_mapping_to_an_unknown_attribute_or_with_one_coordinate_column_is_refused()
    {
        var errors = new Dictionary<string, string>();
        DatasetMapping.Parse(new JsonObject { ["lon"] = "x", ["colour"] = "c" }, null, errors);
        Assert.Contains("mapping", errors.Keys);
        Assert.Contains("mapping.colour", errors.Keys);
    }

    private static readonly Guid Partner = Guid.NewGuid();
    private static readonly Guid Other = Guid.NewGuid();

    [Fact]
    public void Owned_attributes_take_the_owners_value_and_others_keep_a_more_confident_or_owned_value()
    {
        var incoming = new JsonObject { ["name"] = "Official name", ["wheelchair"] = "yes", ["fee"] = false, ["opening_hours"] = "24/7" };
        var provenance = new Dictionary<string, AttributeSource>
        {
            ["name"] = new(0.95, Other, false),         // more confident than the partner: kept
            ["wheelchair"] = new(0.99, Other, false),   // the partner owns wheelchair: replaced anyway
            ["fee"] = new(0.5, Other, true),            // another dataset owns fee: kept
            ["opening_hours"] = new(0.6, Other, false), // less confident: replaced
        };
        var changes = Resolution.Changes(incoming, null, provenance, Partner, ["wheelchair"], 0.9);
        Assert.Equal(["opening_hours", "wheelchair"], changes.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_value_the_record_already_gave_does_not_undo_a_later_community_correction()
    {
        var incoming = new JsonObject { ["name"] = "Old name" };
        var previous = new JsonObject { ["name"] = "Old name" };
        var provenance = new Dictionary<string, AttributeSource> { ["name"] = new(0.6, Other, false) };
        Assert.Empty(Resolution.Changes(incoming, previous, provenance, Partner, [], 0.9));
        Assert.Single(Resolution.Changes(new JsonObject { ["name"] = "New name" }, previous, provenance, Partner, [], 0.9));
    }

    [Fact]
    public void An_owner_emptying_an_owned_attribute_clears_it_and_an_empty_attribute_it_does_not_own_changes_nothing()
    {
        var previous = new JsonObject { ["name"] = "Lodge", ["opening_hours"] = "24/7", ["fee"] = true, ["wheelchair"] = "yes" };
        var incoming = new JsonObject { ["name"] = "Lodge" };
        var provenance = new Dictionary<string, AttributeSource>
        {
            ["opening_hours"] = new(0.9, Partner, true),
            ["fee"] = new(0.9, Partner, false),
            ["wheelchair"] = new(0.9, Partner, false),
        };

        var changes = Resolution.Changes(incoming, previous, provenance, Partner, ["opening_hours"], 0.9);

        Assert.Equal(["opening_hours"], changes.Keys);
        Assert.Null(changes["opening_hours"]);
        // Never said before (a first merge): no observation, even of an owned attribute.
        Assert.DoesNotContain("opening_hours", Resolution.Changes(incoming, null, provenance, Partner, ["opening_hours"], 0.9).Keys);
    }

    [Fact]
    public void A_record_back_after_its_removal_reopens_its_facility_unless_it_gives_a_status()
    {
        var row = new JsonObject { ["name"] = "Lodge" };
        Assert.Equal("open", (string?)Resolution.Changes(row, row, new Dictionary<string, AttributeSource>(), Partner, ["status"], 0.9,
            returnsAfterRemoval: true)["status"]);
        var closed = new JsonObject { ["name"] = "Lodge", ["status"] = "temporarily_closed" };
        Assert.Equal("temporarily_closed", (string?)Resolution.Changes(closed, row, new Dictionary<string, AttributeSource>(), Partner, ["status"],
            0.9, returnsAfterRemoval: true)["status"]);
    }
}
