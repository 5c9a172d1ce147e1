using System.Buffers.Binary;
using System.Globalization;
using Facilities.Api.Data;
using Microsoft.Data.Sqlite;

namespace Facilities.Api.Features.OpenData;

/// <summary>
/// The GeoPackage export (OGC 12-128r18, GeoPackage 1.3): an SQLite file with one point layer named after the
/// collection and a <c>source_datasets</c> attributes table naming each dataset with its license. SQLite must be able to seek
/// in the file it writes, so the file is built on disk first, row by row from the database reader inside one
/// transaction, and then sent (and kept as the dump, <see cref="ExportResponses"/>): memory stays SQLite's page cache
/// and one row, however large the layer; the disk holds the file (about the size of the CSV export).
/// </summary>
public static class GeoPackageFormat
{
    public const string ContentType = "application/geopackage+sqlite3";

    /// <summary>
    /// Where a GeoPackage is built when it will not become the dump (another download is building that one): a folder
    /// with room for the largest export; the system's temporary folder by default.
    /// </summary>
    public const string FolderSetting = "Exports:TemporaryFolder";

    /// <summary>WGS 84 in GeoPackage's own table. GeoPackage points are always x = longitude, y = latitude.</summary>
    private const int Wgs84 = 4326;

    private const string Wgs84Definition =
        "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]]," +
        "AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433," +
        "AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]";

    /// <summary>The attributes table of the datasets that a feature's <c>sources</c> name by id.</summary>
    public const string DatasetsTable = "source_datasets";

    /// <summary>
    /// A layer column: its name, its GeoPackage type (BOOLEAN is stored as an INTEGER 0 or 1 and read by GDAL as
    /// Integer(Boolean); DATETIME as ISO 8601 text in UTC) and its value in a row (null for NULL).
    /// </summary>
    private sealed record Column(string Name, string Type, Func<FacilityRow, object?> Value);

    /// <summary>The layer's columns after fid and geom: the GeoJSON export's properties, typed, then the sources.</summary>
    private static readonly Column[] Columns =
    [
        new("id", "TEXT NOT NULL", r => r.Id.ToString()),
        .. CoreColumns.Published.Select(c => new Column(c.Name, c.Type switch
        {
            CoreColumnType.Boolean => "BOOLEAN",
            CoreColumnType.Timestamp => "DATETIME",
            _ => "TEXT",
        }, r => Cell(c.OfRow(r)))),
        // The category attributes as the JSON object the GeoJSON export has, in one text column, as in the CSV.
        new("attributes", "TEXT", r => r.AttributesJson),
        new("confidence", "REAL", r => Math.Round(r.Confidence, 3)),
        new("last_verified_at", "DATETIME", r => Cell(r.LastVerifiedAt)),
        new("version", "MEDIUMINT", r => (long)r.Version),
        new("updated_at", "DATETIME", r => Cell(r.UpdatedAt)),
        // [{dataset_id, record_id, license}], as in the GeoJSON export; source_datasets names each dataset.
        new("sources", "TEXT", r => r.SourcesJson ?? "[]"),
    ];

    /// <summary>
    /// Writes <paramref name="rows"/> into a new GeoPackage at <paramref name="path"/> (an empty or absent file), and
    /// deletes it if writing fails.
    /// </summary>
    public static async Task WriteFileAsync(
        string path, string layer, ExportSources sources, DateTimeOffset now, IAsyncEnumerable<FacilityRow> rows, CancellationToken cancellationToken)
    {
        try
        {
            // No pooling: the connection and its file handle close with the using, before the file is read back.
            await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            await connection.OpenAsync(cancellationToken);
            await WriteAsync(connection, layer, sources, now, rows, cancellationToken);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    private static async Task WriteAsync(
        SqliteConnection connection, string layer, ExportSources sources, DateTimeOffset now, IAsyncEnumerable<FacilityRow> rows,
        CancellationToken cancellationToken)
    {
        // application_id 'GPKG' and user_version 10300 say GeoPackage 1.3. The file is a fresh temporary one: without
        // a journal or fsync a crash loses only the file, which the client would not receive anyway.
        Execute(connection, "pragma application_id = 1196444487; pragma user_version = 10300; pragma journal_mode = off; pragma synchronous = off");
        using var transaction = connection.BeginTransaction();
        var table = Quote(layer);
        // The three tables as the standard writes them (Annex C, type names in its case: GDAL's validator compares them).
        Execute(connection,
            "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL, " +
            "organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);" +
            "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE, " +
            "description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), " +
            "min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER, " +
            "CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));" +
            "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, " +
            "srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name), " +
            "CONSTRAINT uk_gc_table_name UNIQUE (table_name), " +
            "CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name), " +
            "CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));" +
            // The three systems every GeoPackage has (requirement 11): WGS 84 and the undefined Cartesian and geographic ones.
            "INSERT INTO gpkg_spatial_ref_sys VALUES " +
            $"('WGS 84 geodetic', {Wgs84}, 'EPSG', {Wgs84}, '{Wgs84Definition}', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')," +
            "('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system')," +
            "('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');" +
            $"CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, " +
            string.Join(", ", Columns.Select(c => $"{Quote(c.Name)} {c.Type}")) + ");" +
            $"CREATE TABLE {Quote(DatasetsTable)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, id TEXT NOT NULL UNIQUE, " +
            "name TEXT, kind TEXT, license TEXT, attribution TEXT);");

        using var insert = connection.CreateCommand();
        insert.CommandText = $"insert into {table} (geom, {string.Join(", ", Columns.Select(c => Quote(c.Name)))}) values " +
                             $"($g, {string.Join(", ", Columns.Select((_, i) => $"$p{i}"))})";
        var geometry = insert.Parameters.Add("$g", SqliteType.Blob);
        var values = Columns.Select((_, i) => insert.Parameters.Add($"$p{i}", SqliteType.Text)).ToArray();
        foreach (var (parameter, i) in values.Select((p, i) => (p, i)))
        {
            parameter.SqliteType = Columns[i].Type switch
            {
                "BOOLEAN" or "MEDIUMINT" => SqliteType.Integer,
                "REAL" => SqliteType.Real,
                _ => SqliteType.Text,
            };
        }
        insert.Prepare();

        // SQLite copies a bound blob, so one buffer serves every row.
        var point = new byte[PointBlobLength];
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            WritePoint(point, row.Lon, row.Lat);
            geometry.Value = point;
            for (var i = 0; i < Columns.Length; i++)
            {
                values[i].Value = Columns[i].Value(row) ?? DBNull.Value;
            }
            insert.ExecuteNonQuery();
            minX = Math.Min(minX, row.Lon);
            minY = Math.Min(minY, row.Lat);
            maxX = Math.Max(maxX, row.Lon);
            maxY = Math.Max(maxY, row.Lat);
        }

        using (var dataset = connection.CreateCommand())
        {
            dataset.CommandText = $"insert into {Quote(DatasetsTable)} (id, name, kind, license, attribution) values ($id, $name, $kind, $license, $attribution)";
            foreach (var source in sources.Sources)
            {
                dataset.Parameters.Clear();
                dataset.Parameters.AddWithValue("$id", source.Id);
                dataset.Parameters.AddWithValue("$name", source.Name);
                dataset.Parameters.AddWithValue("$kind", source.Kind);
                dataset.Parameters.AddWithValue("$license", source.License);
                dataset.Parameters.AddWithValue("$attribution", source.Attribution);
                dataset.ExecuteNonQuery();
            }
        }

        using (var contents = connection.CreateCommand())
        {
            // An empty layer has no extent: NULL bounds, as the table allows.
            var empty = double.IsInfinity(minX);
            contents.CommandText =
                "insert into gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id) values " +
                "($layer, 'features', $layer, $description, $now, $minx, $miny, $maxx, $maxy, $srs), " +
                "($datasets, 'attributes', $datasets, 'The datasets that features'' sources name, with their licenses and attributions.', $now, null, null, null, null, null);" +
                "insert into gpkg_geometry_columns values ($layer, 'geom', 'POINT', $srs, 0, 0)";
            contents.Parameters.AddWithValue("$layer", layer);
            contents.Parameters.AddWithValue("$datasets", DatasetsTable);
            contents.Parameters.AddWithValue("$description",
                $"{sources.Title}. License: {sources.License}. Attribution: {sources.Attribution}.");
            contents.Parameters.AddWithValue("$now", Time(now.UtcDateTime));
            contents.Parameters.AddWithValue("$minx", empty ? DBNull.Value : minX);
            contents.Parameters.AddWithValue("$miny", empty ? DBNull.Value : minY);
            contents.Parameters.AddWithValue("$maxx", empty ? DBNull.Value : maxX);
            contents.Parameters.AddWithValue("$maxy", empty ? DBNull.Value : maxY);
            contents.Parameters.AddWithValue("$srs", Wgs84);
            contents.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>The GeoPackage header (8 bytes, no envelope) and a little-endian WKB point (21 bytes).</summary>
    internal const int PointBlobLength = 8 + 21;

    /// <summary>
    /// A point as GeoPackage stores geometries (spec §2.1.3): magic "GP", version 0, flags 0b0000_0001 (little-endian,
    /// no envelope: a point is its own envelope, not empty, standard WKB), the srs_id, then ISO WKB.
    /// </summary>
    internal static void WritePoint(Span<byte> blob, double lon, double lat)
    {
        blob[0] = (byte)'G';
        blob[1] = (byte)'P';
        blob[2] = 0;
        blob[3] = 0b0000_0001;
        BinaryPrimitives.WriteInt32LittleEndian(blob[4..], Wgs84);
        blob[8] = 1; // WKB little-endian
        BinaryPrimitives.WriteUInt32LittleEndian(blob[9..], 1); // wkbPoint
        BinaryPrimitives.WriteDoubleLittleEndian(blob[13..], lon);
        BinaryPrimitives.WriteDoubleLittleEndian(blob[21..], lat);
    }

    private static object? Cell(object? value) => value switch
    {
        null => null,
        bool flag => flag ? 1L : 0L,
        DateTime time => Time(time),
        string[] { Length: 0 } => null,
        string[] texts => string.Join(';', texts),
        _ => value,
    };

    /// <summary>GeoPackage's DATETIME: ISO 8601 in UTC with milliseconds (spec §1.1.1.1.1).</summary>
    private static string Time(DateTime time) =>
        time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
