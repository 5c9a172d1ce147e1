-- Contributors: accounts (ASP.NET Core Identity over a small Npgsql store, Features/Accounts/UserStore.cs),
-- reputation with its audit trail, proposals and their votes, confirmations and reports.

create table users (
    id                    uuid primary key,
    user_name             text not null,
    -- the public name; user_name is the e-mail address and stays private
    display_name          text not null,
    normalized_user_name  text not null unique,
    email                 text,
    normalized_email      text unique,
    password_hash         text,
    security_stamp        text,
    concurrency_stamp     text,
    lockout_end           timestamptz,
    lockout_enabled       boolean not null default true,
    access_failed_count   int not null default 0,
    -- Every account starts at 1 and never goes below it (the rules in Features/Reputation).
    reputation            int not null default 1 check (reputation >= 1),
    blocked_at            timestamptz,
    blocked_by            uuid,
    block_reason          text,
    created_at            timestamptz not null default now()
);

create table user_roles (
    user_id  uuid not null references users(id) on delete cascade,
    role     text not null check (role in ('MODERATOR', 'ADMIN')),
    primary key (user_id, role)
);

-- Every change of a reputation, with its cause: outcomes of proposals and votes, reverts, and an admin setting it
-- (actor_user_id is then the admin). reputation_from/to make the trail readable without replaying it.
create table reputation_events (
    id               bigint generated always as identity primary key,
    user_id          uuid not null references users(id),
    reason           text not null,
    proposal_id      uuid,
    actor_user_id    uuid,
    reputation_from  int not null,
    reputation_to    int not null,
    created_at       timestamptz not null default now()
);
create index reputation_events_user on reputation_events (user_id, id);

create table proposals (
    id              uuid primary key,
    kind            text not null check (kind in ('create', 'update', 'move', 'close', 'reopen')),
    author_id       uuid not null references users(id),
    -- null for a create until it is accepted, then the facility it made
    facility_id     uuid references facilities(id),
    base_version    int,
    -- What the change writes, in FacilityWriter's terms: public attribute names to new values (location as [lon, lat]).
    changes         jsonb not null check (jsonb_typeof(changes) = 'object'),
    -- Where the change is, for the review queue's bbox filter.
    geom            geometry(Point, 4326) not null,
    comment         text not null,
    state           text not null default 'pending'
                    check (state in ('pending', 'accepted', 'rejected', 'expired', 'withdrawn', 'superseded')),
    -- Attributes a partner dataset owns that this change touches: such a change never applies at once.
    disputed_attributes text[] not null default '{}',
    author_weight   double precision not null,
    support         double precision not null default 0,
    opposition      double precision not null default 0,
    created_at      timestamptz not null default now(),
    expires_at      timestamptz not null,
    decided_at      timestamptz,
    -- the facility version the acceptance wrote
    result_version  int,
    reverted_at     timestamptz
);
create index proposals_pending on proposals using gist (geom) where state = 'pending';
create index proposals_author on proposals (author_id, created_at);
create index proposals_facility on proposals (facility_id);

-- One vote per voter and proposal: a second vote replaces the first. The weight is the voter's at the time of the
-- vote, so the tally does not move when reputations change later.
create table votes (
    proposal_id  uuid not null references proposals(id),
    voter_id     uuid not null references users(id),
    vote         text not null check (vote in ('up', 'down')),
    weight       double precision not null,
    comment      text,
    created_at   timestamptz not null default now(),
    primary key (proposal_id, voter_id)
);

-- "Still here, as described". Weighted like votes; once the weight since the last verification reaches the
-- threshold the facility's last_verified_at and confidence move.
create table confirmations (
    id           bigint generated always as identity primary key,
    facility_id  uuid not null references facilities(id),
    user_id      uuid not null references users(id),
    weight       double precision not null,
    comment      text,
    created_at   timestamptz not null default now()
);
create index confirmations_facility on confirmations (facility_id, created_at);

-- A problem without an edit. Partners read these for their facilities (feedback).
create table reports (
    id           bigint generated always as identity primary key,
    facility_id  uuid not null references facilities(id),
    user_id      uuid not null references users(id),
    reason       text not null check (reason in ('closed', 'out_of_order', 'dirty', 'wrong_location', 'not_public', 'unsafe', 'other')),
    comment      text,
    weight       double precision not null,
    -- a closed report becomes (or supports) a closure proposal
    proposal_id  uuid references proposals(id),
    created_at   timestamptz not null default now()
);
create index reports_facility on reports (facility_id, created_at);
