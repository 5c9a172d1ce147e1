using Npgsql;

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
/// facility (<c>create</c>). One statement over the staged rows (import_rows) instead of a query per row.
/// </summary>
public static class Matching
{
    /// <summary>Candidates scoring below this are not the same place (a 45 m neighbour with another name).</summary>
    public const double MinimumScore = 0.25;

    /// <summary>A winner must lead the next candidate by this much; closer than that, a person decides.</summary>
    public const double ClearLead = 0.1;

    // Candidates: same category, not removed, within the dataset's match distance (a degree box on the GiST index,
    // then the exact geodesic distance), and not already holding a record of this dataset — two records of one
    // dataset are two facilities by the partner's own account.
    // Score = 0.55 · closeness (1 at 0 m, 0 at the match distance) + 0.35 · name similarity (pg_trgm, on lower-case
    // names; 0.5 when either has no name) + 0.10 · share of comparable attributes that agree (0.5 when none compare).
    // A facility claimed as best by several rows goes to the best-scoring row; the others create their own.
    public const string PlanSql = """
        create temp table import_plan on commit drop as
        with linked as (
            select r.row_no, s.id as record_id, s.facility_id, s.attributes as previous
            from import_rows r join source_records s on s.dataset_id = $1 and s.external_id = r.external_id
        ),
        candidates as (
            select r.row_no, f.id as facility_id, g.distance_m,
                   case when f.name is not null and r.name is not null then similarity(lower(f.name), lower(r.name)) end as name_similarity,
                   (select avg(case when a.x = a.y then 1.0 else 0.0 end)
                      from (values (r.attributes->>'wheelchair', nullif(f.wheelchair, 'unknown')),
                                   (r.attributes->>'fee', f.fee::text),
                                   (r.attributes->>'changing_table', f.changing_table::text),
                                   (r.attributes->>'access', nullif(f.access, 'unknown'))) a(x, y)
                     where a.x is not null and a.y is not null and a.x <> 'unknown') as agreement
            from import_rows r
            join facilities f
              on f.geom && ST_Expand(r.geom, $3 / 111320.0 / greatest(cos(radians(r.lat)), 0.05), $3 / 110540.0)
             and f.category = $2 and f.status <> 'removed'
            cross join lateral (select ST_Distance(f.geom::geography, r.geom::geography) as distance_m) g
            where g.distance_m <= $3
              and not exists (select 1 from linked l where l.row_no = r.row_no)
              and not exists (select 1 from source_records s where s.facility_id = f.id and s.dataset_id = $1)
        ),
        scored as (
            select c.*, 0.55 * (1 - c.distance_m / $3) + 0.35 * coalesce(c.name_similarity, 0.5) + 0.10 * coalesce(c.agreement, 0.5) as score
            from candidates c
        ),
        per_row as (
            select row_no,
                   (array_agg(facility_id order by score desc, distance_m))[1] as best,
                   max(score) as top,
                   jsonb_agg(jsonb_build_object('facility_id', facility_id, 'score', round(score::numeric, 3),
                             'distance_m', round(distance_m::numeric, 1), 'name_similarity', round(name_similarity::numeric, 3))
                             order by score desc, distance_m) filter (where score >= $4) as candidates
            from scored group by row_no
        ),
        close as (
            select s.row_no, count(*) as n
            from scored s join per_row p using (row_no)
            where s.score >= $4 and s.score >= p.top - $5
            group by s.row_no
        ),
        decided as (
            select p.row_no, p.best, p.top, p.candidates,
                   case when p.top < $4 then 'create' when c.n >= 2 then 'ambiguous' else 'merge' end as outcome
            from per_row p join close c using (row_no)
        ),
        claimed as (
            select d.*, row_number() over (partition by d.best order by d.top desc, d.row_no) as claim
            from decided d where d.outcome = 'merge'
        ),
        -- An ambiguous row whose close candidates are all taken by clear winners but one takes that one: two
        -- official toilets 8 m apart and their two community copies are two merges, not a review.
        remaining as (
            select s.row_no, array_agg(s.facility_id order by s.score desc) as ids
            from scored s join decided d using (row_no)
            where d.outcome = 'ambiguous' and s.score >= $4 and s.score >= d.top - $5
              and s.facility_id not in (select best from claimed where claim = 1)
            group by s.row_no
        ),
        eliminated as (
            select row_no, ids[1] as facility_id, row_number() over (partition by ids[1] order by row_no) as claim
            from remaining where cardinality(ids) = 1
              and ids[1] not in (select best from claimed where claim = 1)
        )
        select r.row_no,
               case when l.row_no is not null then case when l.facility_id is null then 'pending' else 'linked' end
                    when e.claim = 1 then 'merge'
                    when d.outcome = 'ambiguous' then 'ambiguous'
                    when k.claim = 1 then 'merge'
                    else 'create' end as outcome,
               case when l.row_no is not null then l.facility_id when e.claim = 1 then e.facility_id when k.claim = 1 then k.best end as facility_id,
               l.previous,
               d.candidates
        from import_rows r
        left join linked l using (row_no)
        left join decided d using (row_no)
        left join claimed k using (row_no)
        left join eliminated e using (row_no)
        """;

    public static async Task PlanAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid datasetId, string category,
        double matchDistance, CancellationToken cancellationToken)
    {
        await using (var command = new NpgsqlCommand(PlanSql, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = datasetId });
            command.Parameters.Add(new NpgsqlParameter { Value = category });
            command.Parameters.Add(new NpgsqlParameter { Value = matchDistance });
            command.Parameters.Add(new NpgsqlParameter { Value = MinimumScore });
            command.Parameters.Add(new NpgsqlParameter { Value = ClearLead });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var index = new NpgsqlCommand("alter table import_plan add primary key (row_no); analyze import_plan", connection, transaction);
        await index.ExecuteNonQueryAsync(cancellationToken);
    }
}
