using Facilities.Api.Web;
using Npgsql;

namespace Facilities.Api.Features.Proposals;

/// <summary>
/// Facilities of the same category within the duplicate radius of a new facility's place: what the author of a create
/// is warned about, and what reviewers see again at review time (recomputed, so a facility added meanwhile shows).
/// One query for one place or a queue page of them.
/// </summary>
public static class PossibleDuplicates
{
    /// <summary>For each place (by index: category, position, and the facility to leave out, the create's own once
    /// accepted or <see cref="Guid.Empty"/>), the nearest ten within the radius, nearest first.</summary>
    public static async Task<List<PossibleDuplicate>[]> FindAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyList<(string Category, double Lon, double Lat, Guid Except)> places, double radiusMetres, CancellationToken ct)
    {
        var found = places.Select(_ => new List<PossibleDuplicate>()).ToArray();
        if (places.Count == 0)
        {
            return found;
        }
        // Per place, the planar && prefilter uses the GiST index with a box surely larger than the radius (a degree of
        // longitude shrinks with cos(lat)); ST_DWithin on geography then keeps what is within the radius in geodesic metres.
        await using var command = new NpgsqlCommand(
            "with p as (select (t.i - 1)::int i, t.c, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326) g, t.e " +
            "           from unnest($1::text[], $2::float8[], $3::float8[], $4::uuid[]) with ordinality as t(c, x, y, e, i)) " +
            "select p.i, d.id, d.name, d.distance from p cross join lateral ( " +
            "  select f.id, f.name, ST_Distance(f.geom::geography, p.g::geography) distance from facilities f " +
            "  where f.category = p.c and f.status <> 'removed' and f.id <> p.e " +
            "    and f.geom && ST_Expand(p.g, $5 / (111000.0 * greatest(cos(radians(ST_Y(p.g))), 0.01))) " +
            "    and ST_DWithin(f.geom::geography, p.g::geography, $5) order by distance limit 10) d " +
            "order by p.i, d.distance", connection, transaction);
        command.Parameters.AddWithValue(places.Select(p => p.Category).ToArray());
        command.Parameters.AddWithValue(places.Select(p => p.Lon).ToArray());
        command.Parameters.AddWithValue(places.Select(p => p.Lat).ToArray());
        command.Parameters.AddWithValue(places.Select(p => p.Except).ToArray());
        command.Parameters.AddWithValue(radiusMetres);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            found[reader.GetInt32(0)].Add(new PossibleDuplicate(reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                Math.Round(reader.GetDouble(3), 1)));
        }
        return found;
    }

    /// <summary>The views with <see cref="ProposalView.PossibleDuplicates"/> recomputed for every create (null for other kinds).</summary>
    public static async Task<IReadOnlyList<ProposalView>> AddToAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction,
        IReadOnlyList<ProposalView> views, double radiusMetres, CancellationToken ct)
    {
        var creates = views.Where(v => v.Kind == ProposalKind.Create.Name() && v.Category is not null).ToList();
        var found = await FindAsync(connection, transaction,
            [.. creates.Select(v => (v.Category!, v.Location.Lon, v.Location.Lat, v.FacilityId ?? Guid.Empty))], radiusMetres, ct);
        var byId = creates.Select((v, i) => (v.Id, found[i])).ToDictionary(x => x.Id, x => x.Item2);
        return [.. views.Select(v => byId.TryGetValue(v.Id, out var duplicates) ? v with { PossibleDuplicates = duplicates } : v)];
    }
}
