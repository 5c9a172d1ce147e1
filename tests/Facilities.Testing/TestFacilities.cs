using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Testing;

/// <summary>A facility row for tests, with the columns the resident filters look at.</summary>
public sealed record TestFacility(double Lon, double Lat, string Category = "toilet")
{
    public Guid Id { get; init; } = Guid.NewGuid();
    public string? Name { get; init; }
    public string Status { get; init; } = "open";
    public string Access { get; init; } = "public";
    public bool? Fee { get; init; }
    public string? OpeningHours { get; init; }
    public string? TimeZone { get; init; }
    public string Wheelchair { get; init; } = "unknown";
    public bool? ChangingTable { get; init; }
    public string[] Gender { get; init; } = [];
}

public static class TestFacilities
{
    private static readonly GeometryFactory Wgs84 = new(new PrecisionModel(), 4326);

    /// <summary>
    /// Writes facilities straight into the table with COPY (the row trigger keeps the cluster grid current):
    /// test fixtures need thousands of rows in well under a second. Features that write through the API are
    /// tested through the API.
    /// </summary>
    public static async Task InsertAsync(TestDatabase database, IEnumerable<TestFacility> facilities)
    {
        await using var dataSource = database.CreateDataSource();
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var writer = await connection.BeginBinaryImportAsync(
            "copy facilities (id, category, geom, name, status, access, fee, opening_hours, time_zone, wheelchair, changing_table, gender) " +
            "from stdin (format binary)");
        // The insert triggers maintain the cluster grid row by row, so a large layer takes long on a loaded CI machine;
        // the default 30 s command timeout would fail the whole fixture, not measure anything.
        writer.Timeout = TimeSpan.FromMinutes(10);
        foreach (var f in facilities)
        {
            await writer.StartRowAsync();
            await writer.WriteAsync(f.Id, NpgsqlDbType.Uuid);
            await writer.WriteAsync(f.Category, NpgsqlDbType.Text);
            await writer.WriteAsync(Wgs84.CreatePoint(new Coordinate(f.Lon, f.Lat)), NpgsqlDbType.Geometry);
            await WriteNullable(writer, f.Name, NpgsqlDbType.Text);
            await writer.WriteAsync(f.Status, NpgsqlDbType.Text);
            await writer.WriteAsync(f.Access, NpgsqlDbType.Text);
            await WriteNullable(writer, f.Fee, NpgsqlDbType.Boolean);
            await WriteNullable(writer, f.OpeningHours, NpgsqlDbType.Text);
            await WriteNullable(writer, f.TimeZone, NpgsqlDbType.Text);
            await writer.WriteAsync(f.Wheelchair, NpgsqlDbType.Text);
            await WriteNullable(writer, f.ChangingTable, NpgsqlDbType.Boolean);
            await writer.WriteAsync(f.Gender, NpgsqlDbType.Array | NpgsqlDbType.Text);
        }
        await writer.CompleteAsync();
    }

    private static async Task WriteNullable<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type)
    {
        if (value is null)
        {
            await writer.WriteNullAsync();
        }
        else
        {
            await writer.WriteAsync(value, type);
        }
    }
}
