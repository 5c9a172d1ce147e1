using Facilities.Api.Web;
using Npgsql;
using NpgsqlTypes;

namespace Facilities.Api.Features.Conflation;

/// <summary>What the matching decided for a staged row (its SQL name through <see cref="Web.WireName"/>): a new
/// facility, a merge into the one it matched, a record already linked (or still waiting: pending), or ambiguous.</summary>
public enum MatchOutcome
{
    Create,
    Merge,
    Linked,
    Pending,
    Ambiguous,
}

/// <summary>
/// Decides, for every staged row of an import at once, what it is: the record the row's id already names
/// (<c>linked</c>, or <c>pending</c> while an earlier ambiguous match awaits review), the one facility it clearly
/// describes (<c>merge</c>), a choice between close candidates a person must make (<c>ambiguous</c>), or a new
/// facility (<c>create</c>). PostGIS finds and measures every row's candidates in one statement; the rows are then
/// assigned to facilities as a whole (<see cref="MatchAssignment"/>), and the plan goes back by COPY into
/// <c>import_plan</c>, which the writer reads.
/// </summary>
public static class Matching
{
    // Candidates: same category, not removed, within the dataset's match distance (a degree box on the GiST index,
    // then the exact geodesic distance), and not already holding a record of this dataset — two records of one
    // dataset are two facilities by the partner's own account. The name similarity is pg_trgm's on lower-case
    // names (null when either has none); agreement is the share of comparable attributes that agree (null when
    // none compare). Scoring and the assignment are MatchAssignment's: an iterative choice over every row at once,
    // which one statement cannot express without a recursive walk per neighbourhood.
    private const string CandidatesSql = """
        select r.row_no, f.id, ST_Distance(f.geom::geography, r.geom::geography) as distance_m,
               case when f.name is not null and r.name is not null then similarity(lower(f.name), lower(r.name)) end,
               (select avg(case when a.x = a.y then 1.0 else 0.0 end)
                  from (values (r.attributes->>'wheelchair', nullif(f.wheelchair, 'unknown')),
                               (r.attributes->>'fee', f.fee::text),
                               (r.attributes->>'changing_table', f.changing_table::text),
                               (r.attributes->>'access', nullif(f.access, 'unknown'))) a(x, y)
                 where a.x is not null and a.y is not null and a.x <> 'unknown')::float8
        from import_rows r
        join facilities f
          on f.geom && ST_Expand(r.geom, $3 / 111320.0 / greatest(cos(radians(r.lat)), 0.05), $3 / 110540.0)
         and f.category = $2 and f.status <> 'removed'
        where ST_DWithin(f.geom::geography, r.geom::geography, $3)
          and not exists (select 1 from source_records s where s.dataset_id = $1 and s.external_id = r.external_id)
          and not exists (select 1 from source_records s where s.facility_id = f.id and s.dataset_id = $1)
        """;

    public static async Task PlanAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid datasetId, string category,
        double matchDistance, CancellationToken cancellationToken)
    {
        var candidates = new List<MatchCandidate>();
        await using (var command = new NpgsqlCommand(CandidatesSql, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = datasetId });
            command.Parameters.Add(new NpgsqlParameter { Value = category });
            command.Parameters.Add(new NpgsqlParameter { Value = matchDistance });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                candidates.Add(new MatchCandidate(reader.GetInt64(0), reader.GetGuid(1), reader.GetDouble(2),
                    reader.IsDBNull(3) ? null : reader.GetFloat(3), reader.IsDBNull(4) ? null : reader.GetDouble(4)));
            }
        }
        var decisions = MatchAssignment.Decide(candidates, matchDistance);

        // Rows the id links (or an open review holds) first; then the assignment's decisions; every other row, with
        // no candidate at all, creates.
        await using (var linked = new NpgsqlCommand(
            "create temp table import_plan on commit drop as " +
            "select r.row_no, case when s.facility_id is null then 'pending' else 'linked' end as outcome, s.facility_id, " +
            "       s.attributes as previous, null::jsonb as candidates " +
            "from import_rows r join source_records s on s.dataset_id = $1 and s.external_id = r.external_id", connection, transaction))
        {
            linked.Parameters.Add(new NpgsqlParameter { Value = datasetId });
            await linked.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "copy import_plan (row_no, outcome, facility_id, candidates) from stdin (format binary)", cancellationToken))
        {
            foreach (var decision in decisions)
            {
                copy.StartRow();
                copy.Write(decision.Row, NpgsqlDbType.Bigint);
                copy.Write(decision.Outcome.Name(), NpgsqlDbType.Text);
                // An ambiguous row is linked to nothing until a person decides.
                if (decision is { Outcome: MatchOutcome.Merge, FacilityId: { } facility })
                {
                    copy.Write(facility, NpgsqlDbType.Uuid);
                }
                else
                {
                    copy.WriteNull();
                }
                if (decision.Outcome == MatchOutcome.Ambiguous)
                {
                    copy.Write(MatchAssignment.CandidatesJson(decision.Candidates), NpgsqlDbType.Jsonb);
                }
                else
                {
                    copy.WriteNull();
                }
            }
            await copy.CompleteAsync(cancellationToken);
        }
        await using var rest = new NpgsqlCommand(
            "alter table import_plan add primary key (row_no); " +
            "insert into import_plan (row_no, outcome) select row_no, 'create' from import_rows r " +
            "where not exists (select 1 from import_plan p where p.row_no = r.row_no); " +
            "analyze import_plan", connection, transaction);
        await rest.ExecuteNonQueryAsync(cancellationToken);
    }
}
