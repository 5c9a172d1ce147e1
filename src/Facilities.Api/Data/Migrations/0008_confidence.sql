-- A facility's confidence, defined once. facilities.confidence stays the stored, published value (nearby and the
-- exports read it, nothing computes it on read); every writer that changes one of its inputs — a source record
-- linked, removed or back, a verified confirmation, a report, a new version — recomputes it with this function in
-- its own transaction (Data/FacilityConfidence.cs). The parameters come from the configuration (ReputationRules).

-- Which confirmations verified the facility (alone, at the privilege, or by reaching the threshold): verifications
-- in the last year raise confidence. Before this column only the latest verification was known, as the facility's
-- last_verified_at; the confirmation made at that instant is marked.
alter table confirmations add column verified boolean not null default false;
update confirmations c set verified = true from facilities f where f.id = c.facility_id and f.last_verified_at = c.created_at;

-- For the hourly pass that lets reports and verifications age out of their windows (FacilityConfidence.AgeOutAsync).
create index confirmations_verified_created on confirmations (created_at) where verified;
create index reports_created on reports (created_at);

-- How much one live record of a dataset of this kind says the facility exists as described. The same numbers
-- weigh each attribute's source when records disagree (DatasetInfo.Confidence, read from here).
create function source_kind_confidence(kind text) returns double precision
    language sql immutable parallel safe
    as $$ select case kind when 'official' then 0.9 when 'osm' then 0.7 else 0.6 end $$;

-- confidence = clamp(0.05, 0.99,
--     (1 − (1 − sources) · (1 − confirmation_step) ^ verifications) · (1 − report_step) ^ open_report_weight)
--
-- sources:       1 − Π(1 − cᵢ) over the facility's live source records (removed_at is null), each an independent
--                witness; 0 when nothing vouches for it any more.
-- verifications: accounts with a verified confirmation in the last confirmation_days; each moves the value
--                confirmation_step of the way to 1. One per account: a trusted resident confirming daily is one witness.
-- open reports:  a report is open while nothing has answered it: made after the facility's last version (a change,
--                whoever made it, is the answer to "this is wrong") and after its last verification ("still here, as
--                described"), and not older than report_days. Each account counts once, with the weight of its
--                heaviest open report (its reputation weight when it reported, 0 below the vote privilege, so fresh
--                accounts cannot talk a facility down); the value is multiplied by (1 − report_step) per unit of weight.
-- The bounds keep a facility neither certain nor worthless: 0.99 as the sources' cap always was, 0.05 so that a
-- reported facility still sorts above nothing.
create function facility_confidence(p_ids uuid[], p_now timestamptz, p_confirmation_step double precision,
                                    p_confirmation_days int, p_report_step double precision, p_report_days int)
    returns table (facility_id uuid, confidence real)
    language sql stable parallel safe
as $$
    select f.id,
           greatest(0.05, least(0.99,
               (1 - (1 - s.evidence) * power(1 - p_confirmation_step, v.accounts::double precision))
               * power(1 - p_report_step, r.weight)))::real
    from facilities f
    cross join lateral (
        select 1 - exp(coalesce(sum(ln(1 - least(source_kind_confidence(d.kind), 0.99))), 0)) as evidence
        from source_records sr join datasets d on d.id = sr.dataset_id
        where sr.facility_id = f.id and sr.removed_at is null) s
    cross join lateral (
        select count(distinct c.user_id) as accounts
        from confirmations c
        where c.facility_id = f.id and c.verified and c.created_at > p_now - make_interval(days => p_confirmation_days)) v
    cross join lateral (
        select coalesce(sum(a.w), 0) as weight
        from (select max(rp.weight) as w
              from reports rp
              where rp.facility_id = f.id
                and rp.created_at > greatest(f.updated_at, coalesce(f.last_verified_at, '-infinity'),
                                             p_now - make_interval(days => p_report_days))
              group by rp.user_id) a) r
    where f.id = any(p_ids)
$$;
