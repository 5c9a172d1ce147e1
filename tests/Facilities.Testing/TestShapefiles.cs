using System.IO.Compression;
using System.Text;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Esri;

namespace Facilities.Testing;

/// <summary>A council's point layer as GIS software zips it: a folder holding the .shp, .shx, .dbf and (by default) a
/// .prj naming the British National Grid, with REF and NAME fields.</summary>
public static class TestShapefiles
{
    /// <summary>ESRI's .prj for the British National Grid, as ArcGIS writes it.</summary>
    public const string BritishNationalGrid =
        "PROJCS[\"British_National_Grid\",GEOGCS[\"GCS_OSGB_1936\",DATUM[\"D_OSGB_1936\",SPHEROID[\"Airy_1830\",6377563.396,299.3249646]]," +
        "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"False_Easting\",400000.0]," +
        "PARAMETER[\"False_Northing\",-100000.0],PARAMETER[\"Central_Meridian\",-2.0],PARAMETER[\"Scale_Factor\",0.9996012717]," +
        "PARAMETER[\"Latitude_Of_Origin\",49.0],UNIT[\"Meter\",1.0]]";

    /// <summary>ESRI's .prj for UTM zone 32N on WGS 84 (northern Italy), which the service reads by its WKT.</summary>
    public const string Utm32N =
        "PROJCS[\"WGS_1984_UTM_Zone_32N\",GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,298.257223563]]," +
        "PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Transverse_Mercator\"],PARAMETER[\"False_Easting\",500000.0]," +
        "PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",9.0],PARAMETER[\"Scale_Factor\",0.9996]," +
        "PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]";

    /// <param name="prj">The .prj's text; null: no .prj in the zip.</param>
    public static byte[] Zip(IEnumerable<(string Ref, string Name, double X, double Y)> points, string? prj = BritishNationalGrid)
    {
        var directory = Directory.CreateTempSubdirectory("shp-test");
        try
        {
            var features = points.Select(p => (IFeature)new Feature(new Point(p.X, p.Y), new AttributesTable { { "REF", p.Ref }, { "NAME", p.Name } })).ToList();
            var shp = Path.Combine(directory.FullName, "toilets.shp");
            Shapefile.WriteAllFeatures(features, shp);
            if (prj is not null)
            {
                File.WriteAllText(Path.ChangeExtension(shp, ".prj"), prj, Encoding.ASCII);
            }
            using var output = new MemoryStream();
            using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in directory.GetFiles())
                {
                    zip.CreateEntryFromFile(file.FullName, "layer/" + file.Name);
                }
            }
            return output.ToArray();
        }
        finally
        {
            directory.Delete(true);
        }
    }
}
