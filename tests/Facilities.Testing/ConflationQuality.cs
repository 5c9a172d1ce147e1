using System.Globalization;
using System.Text;
using Npgsql;

namespace Facilities.Testing;

/// <summary>
/// Conflation quality with known truth: a real official dataset (Australia's National Public Toilet Map) and a
/// "community" copy of it with realistic noise — every position moved 0–40 m in a random direction, 5% of the
/// accessibility values flipped, 10% of the records dropped, and 10% new facilities added 30–200 m from a random
/// official one. Each copied record should merge into its original's facility; no new one should merge.
/// Deterministic (seeded), so a run can be repeated. NPTM's reduced copy has no names, so names cannot help here:
/// the figures are for position and attributes alone.
/// </summary>
public static class ConflationQuality
{
    /// <summary>Merges against the truth. <see cref="NextDoorMerged"/>: new records (n-…) merged into an official
    /// facility; <see cref="DuplicatesLeft"/>: copies (c-…) that made a facility of their own beside their original.</summary>
    public sealed record Figures(int Copies, int New, long Merged, long Correct, long WrongMerges, long InReview, double Precision, double Recall,
        long NextDoorMerged, long DuplicatesLeft);

    /// <summary>A noisy copy and what it holds: copies of official records (c-X), new facilities next door (n-i), and
    /// rows repeated verbatim.</summary>
    public sealed record NoisyCopy(string Csv, int Copies, int NextDoor, int RepeatedRows);

    public static string NptmPath => Path.Combine(RepositoryPaths.TestData, "australia-nptm", "nptm_toilets_5col.csv");

    /// <summary>The first <paramref name="limit"/> official rows (all when null), as CSV text.</summary>
    public static string Official(int? limit) =>
        string.Join("\n", File.ReadLines(NptmPath).Take(limit is null ? int.MaxValue : limit.Value + 1)) + "\n";

    public static (string Csv, int Copies, int New) Community(string officialCsv, int seed = 42)
    {
        var random = new Random(seed);
        var lines = officialCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('\uFEFF').Split(',');
        int Col(string name) => Array.FindIndex(header, h => h.Trim() == name);
        int id = Col("FacilityID"), lat = Col("Latitude"), lon = Col("Longitude"), accessible = Col("Accessible");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        var output = new StringBuilder("FacilityID,Latitude,Longitude,Accessible\n");
        int copies = 0, added = 0;
        foreach (var row in rows)
        {
            if (random.NextDouble() < 0.10)
            {
                continue;
            }
            var (nlat, nlon) = Move(random, Parse(row[lat]), Parse(row[lon]), random.NextDouble() * 40);
            var flag = row[accessible].Trim();
            if (random.NextDouble() < 0.05)
            {
                flag = flag == "TRUE" ? "FALSE" : "TRUE";
            }
            output.Append(CultureInfo.InvariantCulture, $"c-{row[id]},{nlat:F7},{nlon:F7},{flag}\n");
            copies++;
        }
        for (var i = 0; i < rows.Count / 10; i++)
        {
            var near = rows[random.Next(rows.Count)];
            var (nlat, nlon) = Move(random, Parse(near[lat]), Parse(near[lon]), 30 + random.NextDouble() * 170);
            output.Append(CultureInfo.InvariantCulture, $"n-{i},{nlat:F7},{nlon:F7},{(random.Next(2) == 0 ? "TRUE" : "FALSE")}\n");
            added++;
        }
        return (output.ToString(), copies, added);
    }

    /// <summary>
    /// A copy as a community map holds it, for the import benchmark: positions off by a realistic GPS mix (80 % a
    /// 2-D normal error of σ 3 m — open sky, or mapped on aerial imagery; 17 % σ 8 m — streets between buildings,
    /// under trees; 3 % 20–60 m — placed at the other entrance or across the road), none beyond 60 m; 10 % of the
    /// records dropped; 5 % of the accessibility values flipped; a new facility next door, 15–40 m from an official
    /// one, for 10 % of the official records; and 2 % of the rows repeated verbatim later in the file. Seeded.
    /// </summary>
    public static NoisyCopy Realistic(string officialCsv, int seed = 17)
    {
        var random = new Random(seed);
        var lines = officialCsv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('\uFEFF').Split(',');
        int Col(string name) => Array.FindIndex(header, h => h.Trim() == name);
        int id = Col("FacilityID"), lat = Col("Latitude"), lon = Col("Longitude"), accessible = Col("Accessible");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        var output = new List<string>();
        foreach (var row in rows)
        {
            if (random.NextDouble() < 0.10)
            {
                continue;
            }
            var mix = random.NextDouble();
            var error = mix < 0.80 ? Rayleigh(random, 3) : mix < 0.97 ? Rayleigh(random, 8) : 20 + random.NextDouble() * 40;
            var (nlat, nlon) = Move(random, Parse(row[lat]), Parse(row[lon]), Math.Min(error, 60));
            var flag = row[accessible].Trim();
            if (random.NextDouble() < 0.05)
            {
                flag = flag == "TRUE" ? "FALSE" : "TRUE";
            }
            output.Add(string.Create(CultureInfo.InvariantCulture, $"c-{row[id]},{nlat:F7},{nlon:F7},{flag}"));
        }
        var copies = output.Count;
        var nextDoor = rows.Count / 10;
        for (var i = 0; i < nextDoor; i++)
        {
            var near = rows[random.Next(rows.Count)];
            var (nlat, nlon) = Move(random, Parse(near[lat]), Parse(near[lon]), 15 + random.NextDouble() * 25);
            output.Insert(random.Next(output.Count + 1),
                string.Create(CultureInfo.InvariantCulture, $"n-{i},{nlat:F7},{nlon:F7},{(random.Next(2) == 0 ? "TRUE" : "FALSE")}"));
        }
        var repeated = output.Count / 50;
        for (var i = 0; i < repeated; i++)
        {
            var at = random.Next(output.Count);
            output.Insert(at + 1 + random.Next(output.Count - at), output[at]);
        }
        return new NoisyCopy("FacilityID,Latitude,Longitude,Accessible\n" + string.Join("\n", output) + "\n", copies, nextDoor, repeated);
    }

    /// <summary>Counts merges against the truth: community record c-X belongs with official record X.</summary>
    public static async Task<Figures> MeasureAsync(NpgsqlDataSource dataSource, Guid officialDataset, Guid communityDataset, int copies, int added)
    {
        await using var command = dataSource.CreateCommand(
            "select count(*) filter (where o.external_id is not null), " +
            "       count(*) filter (where o.external_id is not null and c.external_id = 'c-' || o.external_id), " +
            "       count(*) filter (where c.facility_id is null), " +
            "       count(*) filter (where o.external_id is not null and c.external_id like 'n-%'), " +
            "       count(*) filter (where o.external_id is null and c.facility_id is not null and c.external_id like 'c-%') " +
            "from source_records c left join source_records o on o.facility_id = c.facility_id and o.dataset_id = $1 " +
            "where c.dataset_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = officialDataset });
        command.Parameters.Add(new NpgsqlParameter { Value = communityDataset });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var merged = reader.GetInt64(0);
        var correct = reader.GetInt64(1);
        var review = reader.GetInt64(2);
        return new Figures(copies, added, merged, correct, merged - correct, review,
            merged == 0 ? 0 : (double)correct / merged, copies == 0 ? 0 : (double)correct / copies, reader.GetInt64(3), reader.GetInt64(4));
    }

    /// <summary>One band of the distance between a merged community record and the facility it merged into.</summary>
    public sealed record MergeBand(int FromM, long Correct, long WrongCopy, long NextDoor);

    /// <summary>The merges by 10 m band of the distance to the facility merged into: correct, a copy merged into
    /// another official facility, a next-door facility merged into an official one. Where the wrong merges stand beside
    /// the right ones says what position can still tell apart.</summary>
    public static async Task<List<MergeBand>> MergeBandsAsync(NpgsqlDataSource dataSource, Guid officialDataset, Guid communityDataset)
    {
        await using var command = dataSource.CreateCommand(
            "select least(floor(ST_Distance(c.geom::geography, f.geom::geography) / 10), 7)::int * 10, " +
            "       count(*) filter (where c.external_id = 'c-' || o.external_id), " +
            "       count(*) filter (where c.external_id like 'c-%' and c.external_id <> 'c-' || o.external_id), " +
            "       count(*) filter (where c.external_id like 'n-%') " +
            "from source_records c join source_records o on o.facility_id = c.facility_id and o.dataset_id = $1 " +
            "join facilities f on f.id = c.facility_id where c.dataset_id = $2 group by 1 order by 1");
        command.Parameters.Add(new NpgsqlParameter { Value = officialDataset });
        command.Parameters.Add(new NpgsqlParameter { Value = communityDataset });
        await using var reader = await command.ExecuteReaderAsync();
        var bands = new List<MergeBand>();
        while (await reader.ReadAsync())
        {
            bands.Add(new MergeBand(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        }
        return bands;
    }

    /// <summary>The distance of a 2-D normal error of standard deviation <paramref name="sigma"/> per axis.</summary>
    private static double Rayleigh(Random random, double sigma) => sigma * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));

    private static double Parse(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    private static (double Lat, double Lon) Move(Random random, double lat, double lon, double metres)
    {
        var bearing = random.NextDouble() * 2 * Math.PI;
        var dLat = metres * Math.Cos(bearing) / 111_320;
        var dLon = metres * Math.Sin(bearing) / (111_320 * Math.Cos(lat * Math.PI / 180));
        return (lat + dLat, lon + dLon);
    }
}
