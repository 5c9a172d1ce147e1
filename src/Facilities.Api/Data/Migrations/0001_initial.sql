-- The foundation schema. Later issues (contributions, partner imports, open data) fill tables created here,
-- so the shapes follow the public contract (docs/api.md) rather than only what the resident API reads today.

create extension if not exists postgis;
create extension if not exists pg_trgm;

-- Categories are data: the set, their labels and their typed attribute schema come from this table.
create table categories (
    id               text primary key check (id ~ '^[a-z][a-z0-9_]*$'),
    sort_order       int  not null,
    labels           jsonb not null,          -- {"en": "...", "zh-Hans": "..."}
    attribute_schema jsonb not null           -- {"<attr>": {"type": boolean|integer|string|enum, "values"?, "labels", "value_labels"?}}
);

-- Who supplies records: a government partner, the community, or an OpenStreetMap extract.
create table partners (
    id         uuid primary key,
    name       text not null,
    created_at timestamptz not null default now()
);

create table datasets (
    id                uuid primary key,
    partner_id        uuid references partners(id),
    kind              text not null check (kind in ('official', 'community', 'osm')),
    name              text not null,
    license           text not null,          -- SPDX identifier
    attribution       text not null,
    category          text references categories(id),
    crs               text not null default 'EPSG:4326',
    mapping           jsonb not null default '{}',
    owned_attributes  text[] not null default '{}',
    match_distance_m  double precision not null default 50 check (match_distance_m > 0 and match_distance_m <= 1000),
    created_at        timestamptz not null default now()
);

-- The merged public layer: one row per facility, always its last accepted state.
create table facilities (
    id                   uuid primary key,
    category             text not null references categories(id),
    -- WGS 84 lon/lat. Nearest-neighbour and bbox queries use the planar GiST index on this column and
    -- compute geodesic metres on the few rows returned (see docs/spatial-queries.md).
    geom                 geometry(Point, 4326) not null,
    name                 text,
    operator             text,
    status               text not null default 'open' check (status in ('open', 'temporarily_closed', 'removed')),
    status_until         timestamptz,
    access               text not null default 'unknown'
                         check (access in ('public', 'customers', 'key', 'permissive', 'private', 'unknown')),
    fee                  boolean,
    charge               text,
    opening_hours        text,
    -- IANA zone the opening hours are written in; null means "derive from the location".
    time_zone            text,
    wheelchair           text not null default 'unknown' check (wheelchair in ('yes', 'limited', 'no', 'unknown')),
    changing_table       boolean,
    adult_changing_table boolean,
    gender               text[] not null default '{}'
                         check (gender <@ array['female', 'male', 'unisex', 'all_gender']::text[]),
    key_scheme           text,
    official_grade       text,
    attributes           jsonb not null default '{}' check (jsonb_typeof(attributes) = 'object'),
    confidence           real not null default 0.5 check (confidence >= 0 and confidence <= 1),
    last_verified_at     timestamptz,
    version              int not null default 1 check (version >= 1),
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now()
);

create index facilities_geom_gist on facilities using gist (geom);
create index facilities_category on facilities (category);

-- A partner's (or OSM's, or the community's) own record, kept as it came: conflation links it to a
-- facility but never overwrites it.
create table source_records (
    id           bigint generated always as identity primary key,
    dataset_id   uuid not null references datasets(id),
    external_id  text not null,
    facility_id  uuid references facilities(id),
    geom         geometry(Point, 4326),
    attributes   jsonb not null default '{}',
    observed_at  timestamptz not null default now(),
    removed_at   timestamptz,
    unique (dataset_id, external_id)
);
create index source_records_facility on source_records (facility_id);

-- Where each attribute value of a facility came from: one row per (facility, attribute).
create table facility_provenance (
    facility_id      uuid not null references facilities(id) on delete cascade,
    attribute        text not null,
    source_record_id bigint references source_records(id),
    proposal_id      uuid,
    updated_at       timestamptz not null,
    confidence       real not null check (confidence >= 0 and confidence <= 1),
    primary key (facility_id, attribute)
);

-- Every accepted state of a facility: who or which source, when, what changed and why.
create table facility_versions (
    facility_id       uuid not null references facilities(id) on delete cascade,
    version           int not null,
    created_at        timestamptz not null default now(),
    author_user_id    uuid,
    author_name       text,
    source_dataset_id uuid references datasets(id),
    proposal_id       uuid,
    reason            text,
    changes           jsonb not null,   -- {"<attribute>": {"from": ..., "to": ...}}
    snapshot          jsonb not null,   -- the facility's public properties and location after this version
    primary key (facility_id, version)
);

-- The change feed: gapless and in commit order. Writers hold an exclusive lock on this table to commit
-- (Data/FacilityChanges.cs) before numbering, so a sequence number is never skipped by a rolled-back transaction nor seen out of order.
create table change_feed (
    seq          bigint primary key,
    facility_id  uuid not null,
    version      int not null,
    kind         text not null check (kind in ('created', 'updated', 'removed')),
    committed_at timestamptz not null default now()
);

-- Map clusters for zoom 0..12, kept current by a trigger on facilities (see cluster_cell_size below).
-- Counting a million rows per map request is 40x slower than reading this table.
create table cluster_cells (
    zoom      smallint not null,
    category  text not null,
    cx        int not null,
    cy        int not null,
    n         int not null,
    sum_lon   double precision not null,
    sum_lat   double precision not null,
    -- one facility in the cell: its id when n = 1
    any_id    uuid not null,
    primary key (zoom, cx, cy, category)
);

-- Cell edge in degrees for a zoom level: a quarter of a 256-pixel web-map tile, so clusters sit about
-- 64 pixels apart on screen.
create function cluster_cell_size(zoom int) returns double precision
    language sql immutable parallel safe
    as $$ select 90.0 / (2 ^ zoom) $$;

create function cluster_cells_add(p_id uuid, p_category text, p_geom geometry) returns void
    language sql as $$
    insert into cluster_cells as c (zoom, category, cx, cy, n, sum_lon, sum_lat, any_id)
    select z, p_category,
           floor((ST_X(p_geom) + 180) / cluster_cell_size(z))::int,
           floor((ST_Y(p_geom) + 90) / cluster_cell_size(z))::int,
           1, ST_X(p_geom), ST_Y(p_geom), p_id
    from generate_series(0, 12) z
    on conflict (zoom, cx, cy, category) do update
       set n = c.n + 1, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat
$$;

create function cluster_cells_remove(p_id uuid, p_category text, p_geom geometry) returns void
    language plpgsql as $$
declare
    z int;
    x int;
    y int;
begin
    for z in 0..12 loop
        x := floor((ST_X(p_geom) + 180) / cluster_cell_size(z))::int;
        y := floor((ST_Y(p_geom) + 90) / cluster_cell_size(z))::int;
        update cluster_cells
           set n = n - 1, sum_lon = sum_lon - ST_X(p_geom), sum_lat = sum_lat - ST_Y(p_geom)
         where zoom = z and cx = x and cy = y and category = p_category;
        delete from cluster_cells where zoom = z and cx = x and cy = y and category = p_category and n <= 0;
        -- The cell's representative may be the facility that left: pick another one still in the cell.
        -- Row triggers of a multi-row statement run after the whole statement, so the search sees where every
        -- row ends up; finding none means the cell empties once the pending triggers run, and it is deleted then.
        update cluster_cells c
           set any_id = coalesce((select f.id from facilities f
                          where f.category = p_category and f.status <> 'removed' and f.id <> p_id
                            and f.geom && ST_MakeEnvelope(x * cluster_cell_size(z) - 180, y * cluster_cell_size(z) - 90,
                                                          (x + 1) * cluster_cell_size(z) - 180, (y + 1) * cluster_cell_size(z) - 90, 4326)
                            and floor((ST_X(f.geom) + 180) / cluster_cell_size(z))::int = x
                            and floor((ST_Y(f.geom) + 90) / cluster_cell_size(z))::int = y
                          limit 1), c.any_id)
         where c.zoom = z and c.cx = x and c.cy = y and c.category = p_category and c.any_id = p_id;
    end loop;
end
$$;

create function facilities_maintain_cluster_cells() returns trigger
    language plpgsql as $$
begin
    if tg_op in ('UPDATE', 'DELETE') and old.status <> 'removed' then
        perform cluster_cells_remove(old.id, old.category, old.geom);
    end if;
    if tg_op in ('INSERT', 'UPDATE') and new.status <> 'removed' then
        perform cluster_cells_add(new.id, new.category, new.geom);
    end if;
    return null;
end
$$;

create trigger facilities_cluster_cells
    after insert or delete or update of geom, category, status on facilities
    for each row execute function facilities_maintain_cluster_cells();

-- Bulk loads disable the trigger and rebuild the grid in one set-based pass.
create function rebuild_cluster_cells() returns void
    language sql as $$
    truncate cluster_cells;
    insert into cluster_cells (zoom, category, cx, cy, n, sum_lon, sum_lat, any_id)
    select z, category,
           floor((ST_X(geom) + 180) / cluster_cell_size(z))::int as cx,
           floor((ST_Y(geom) + 90) / cluster_cell_size(z))::int as cy,
           count(*), sum(ST_X(geom)), sum(ST_Y(geom)), min(id::text)::uuid
    from facilities, generate_series(0, 12) z
    where status <> 'removed'
    group by z, category, cx, cy;
$$;

-- Which seed files have been loaded, so the demo data goes in on first start only.
create table seed_loads (
    file      text primary key,
    sha256    text not null,
    loaded_at timestamptz not null default now()
);
