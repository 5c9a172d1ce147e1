-- Operator claims (Features/Claims): a business or institution asks to own chosen attributes of a facility it runs.
-- A moderator approves or rejects a pending claim; an approved one makes the account the owner of those attributes
-- (Features/Conflation/OwnedAttributes.cs reads them next to the partners' datasets) until it is revoked.
create table operator_claims (
    id             uuid primary key,
    -- null while the claim waits for the create proposal it came with ("share a toilet") to make its facility
    facility_id    uuid references facilities(id),
    user_id        uuid not null references users(id),
    -- the create proposal of a facility the operator registered itself, if that is where the claim came from
    proposal_id    uuid references proposals(id),
    state          text not null check (state in ('pending', 'approved', 'rejected', 'revoked')),
    -- the facilities' own attribute names (status, status_until, opening_hours, access, fee, charge, wheelchair)
    attributes     text[] not null check (cardinality(attributes) > 0),
    -- what the moderator checks: who the operator is and why it runs this facility; how to reach it
    evidence       text not null,
    contact        text not null,
    created_at     timestamptz not null,
    decided_at     timestamptz,
    decided_by     uuid references users(id),
    -- the moderator's note on an approval, the reason of a rejection or of a revocation
    decision_note  text,
    check (facility_id is not null or proposal_id is not null)
);
-- One open claim (pending or approved) per facility and account; ended ones stay as the record of what was decided.
create unique index operator_claims_open on operator_claims (facility_id, user_id) where state in ('pending', 'approved');
-- The ownership lookup of every proposal on a facility: its approved claims.
create index operator_claims_owning on operator_claims (facility_id) where state = 'approved';
create index operator_claims_pending on operator_claims (created_at) where state = 'pending';
create index operator_claims_user on operator_claims (user_id, created_at);
create index operator_claims_proposal on operator_claims (proposal_id) where proposal_id is not null;

-- A dispute over an attribute an operator owns names the claim instead of a dataset and its record.
alter table review_items add column claim_id uuid references operator_claims(id);
create index review_items_claim on review_items (claim_id, created_at) where claim_id is not null;
