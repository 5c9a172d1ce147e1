-- Tables that both the contributions feature and the partner-import feature write, created here so neither owns
-- the other's schema.

-- A partner's API keys. The key itself is shown once, when it is made (Web/PartnerApiKeys.cs); only its SHA-256
-- is stored, so a leaked database does not leak working keys. A key is 256 random bits: a plain hash is enough, no
-- slow password hash is needed against guessing.
create table partner_api_keys (
    key_hash    text primary key check (key_hash ~ '^[0-9a-f]{64}$'),
    partner_id  uuid not null references partners(id),
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index partner_api_keys_partner on partner_api_keys (partner_id);

-- What a person must decide: an import record that matched two or more facilities equally well
-- (ambiguous_match), or an accepted community change to an attribute a partner owns (dispute).
create table review_items (
    id                uuid primary key,
    kind              text not null check (kind in ('ambiguous_match', 'dispute')),
    state             text not null default 'open' check (state in ('open', 'resolved')),
    facility_id       uuid references facilities(id),
    dataset_id        uuid references datasets(id),
    source_record_id  bigint references source_records(id),
    proposal_id       uuid,
    -- kind-specific: for ambiguous_match the candidate facilities with their scores; for dispute the attribute,
    -- the partner's value and the community's value.
    details           jsonb not null default '{}',
    created_at        timestamptz not null default now(),
    resolved_at       timestamptz,
    resolved_by       uuid,
    resolution        jsonb
);
create index review_items_open on review_items (created_at) where state = 'open';
create index review_items_dataset on review_items (dataset_id, created_at);
create index review_items_facility on review_items (facility_id);
