using System.Text;
using Facilities.Api.Features.Imports.Formats;
using Facilities.Testing;

namespace Facilities.Tests.Imports;

/// <summary>The placemark shapes GDAL, Google Earth and Google My Maps write, compact and indented.</summary>
public sealed class KmlRecordsTests
{
    private static List<SourceRecord> Read(string kml) =>
        [.. new KmlRecords(new MemoryStream(Encoding.UTF8.GetBytes(kml))).Read(default)];

    [Fact]
    public void Compact_placemarks_keep_their_name_description_and_point()
    {
        var records = Read("""<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>A</name><description>Open 24 hours</description><Point><coordinates>-0.1,51.5,0</coordinates></Point></Placemark><Placemark id="p2"><name>B</name><Point><coordinates>-0.2,51.6</coordinates></Point></Placemark></Document></kml>""");

        Assert.Equal(2, records.Count);
        Assert.Null(records[0].Error);
        Assert.Equal("A", records[0].Get("name"));
        Assert.Equal("Open 24 hours", records[0].Get("description"));
        Assert.Equal((-0.1, 51.5), records[0].Position);
        Assert.Equal("B", records[1].Get("name"));
        Assert.Equal("p2", records[1].NativeId);
        Assert.Equal((-0.2, 51.6), records[1].Position);
    }

    [Fact]
    public void Indented_placemarks_in_folders_read_the_same_as_compact_ones()
    {
        var records = Read("""
            <?xml version="1.0" encoding="UTF-8"?>
            <kml xmlns="http://www.opengis.net/kml/2.2">
              <Document>
                <Folder>
                  <name>Toilets</name>
                  <Placemark>
                    <name>A</name>
                    <description><![CDATA[Open 24 hours<br>Disabled access]]></description>
                    <Point>
                      <coordinates>
                        -0.1,51.5,0
                      </coordinates>
                    </Point>
                  </Placemark>
                </Folder>
                <Placemark>
                  <name>B</name>
                  <Point><coordinates>-0.2,51.6</coordinates></Point>
                </Placemark>
              </Document>
            </kml>
            """);

        Assert.Equal(["A", "B"], records.Select(r => r.Get("name")));
        Assert.Equal("Open 24 hours<br>Disabled access", records[0].Get("description"));
        Assert.Equal((-0.1, 51.5), records[0].Position);
    }

    [Fact]
    public void Gdal_schema_data_and_google_data_values_are_columns_and_a_multigeometry_gives_its_point()
    {
        // As ogr2ogr -f KML writes a layer (no namespace prefix on the SchemaData), then Google Earth's Data/value.
        var records = Read("""
            <?xml version="1.0" encoding="utf-8" ?>
            <kml xmlns="http://www.opengis.net/kml/2.2">
            <Document id="root_doc">
            <Schema name="toilets" id="toilets"><SimpleField name="ref" type="string"></SimpleField></Schema>
            <Folder><name>toilets</name>
              <Placemark>
            	<ExtendedData><SchemaData schemaUrl="#toilets">
            		<SimpleData name="ref">T1</SimpleData>
            		<SimpleData name="Opening Hours">24 hours</SimpleData>
            	</SchemaData></ExtendedData>
                  <MultiGeometry><LineString><coordinates>0,0 1,1</coordinates></LineString><Point><coordinates>-0.3,51.4</coordinates></Point></MultiGeometry>
              </Placemark>
              <Placemark><name>Kiosk</name><ExtendedData><Data name="ref"><displayName>Reference</displayName><value>T2</value></Data><Data name="name"><value>inner</value></Data></ExtendedData><MultiGeometry><Polygon><outerBoundaryIs><LinearRing><coordinates>0,0 0.001,0 0.001,0.001 0,0.001 0,0</coordinates></LinearRing></outerBoundaryIs></Polygon><Polygon><outerBoundaryIs><LinearRing><coordinates>1,1 1.01,1 1.01,1.01 1,1.01 1,1</coordinates></LinearRing></outerBoundaryIs></Polygon></MultiGeometry></Placemark>
            </Folder></Document></kml>
            """);

        Assert.Equal(2, records.Count);
        Assert.Equal("T1", records[0].Get("ref"));
        Assert.Equal("24 hours", records[0].Get("opening hours"));
        Assert.Equal((-0.3, 51.4), records[0].Position);
        Assert.Equal("T2", records[1].Get("ref"));
        // The larger polygon's interior point.
        Assert.InRange(records[1].Position!.Value.X, 1, 1.01);
        Assert.InRange(records[1].Position!.Value.Y, 1, 1.01);
        Assert.Null(records[1].Error);
    }

    [Fact]
    public void A_line_only_placemark_and_one_without_geometry_are_rejected_with_the_reason()
    {
        var records = Read("""<kml><Placemark><name>Path</name><LineString><coordinates>0,0 1,1</coordinates></LineString></Placemark><Placemark><name>Nowhere</name></Placemark><Placemark><name>C</name><Point><coordinates>1,2</coordinates></Point></Placemark></kml>""");

        Assert.Equal("a LineString cannot be a facility", records[0].Error);
        Assert.Equal("the placemark has no geometry", records[1].Error);
        Assert.Null(records[2].Error);
        Assert.Equal((1.0, 2.0), records[2].Position);
    }

    [Theory]
    [InlineData("wandsworth_toilets.kml", 94, 94, "Balham High Road o/s Balham station<br>Disabled Access")]
    [InlineData("merton_community_toilets.kml", 7, 5, "Monday to Saturday: 7.00am – 4.30pm")]
    public void The_real_council_files_keep_every_placemark_and_description(string file, int placemarks, int described, string firstDescription)
    {
        using var stream = File.OpenRead(Path.Combine(RepositoryPaths.TestData, "london-toilets", file));
        var records = new KmlRecords(stream).Read(default).ToList();

        Assert.Equal(placemarks, records.Count);
        Assert.All(records, r => Assert.Null(r.Error));
        Assert.All(records, r => Assert.False(string.IsNullOrWhiteSpace(r.Get("name"))));
        Assert.Equal(described, records.Count(r => !string.IsNullOrWhiteSpace(r.Get("description"))));
        Assert.Equal(firstDescription, records.First(r => r.Get("description") is not null).Get("description"));
    }
}
