-- Search: facility names by trigram similarity, and places from the offline gazetteer (data-seed/places).
create extension if not exists pg_trgm;

-- pg_trgm folds case itself; the index serves similarity (%), word similarity (<%) and substring (ilike '%q%') tests.
-- With the cluster's C.UTF-8 locale Han characters count as word characters, so Chinese names have trigrams too.
create index facilities_name_trgm on facilities using gin (name gin_trgm_ops) where status <> 'removed';

-- GeoNames cities (CC BY 4.0), replaced as a whole by Places.LoadAsync when the committed file changes.
create table places (
    geonames_id bigint primary key,
    name        text not null,
    -- The name in ASCII (Zurich for Zürich) when it differs, so that a query typed without accents matches.
    ascii_name  text,
    name_zh     text,
    country     char(2) not null,
    admin1      text,
    population  bigint not null,
    geom        geometry(Point, 4326) not null
);
create index places_name_trgm on places using gin (name gin_trgm_ops);
create index places_ascii_name_trgm on places using gin (ascii_name gin_trgm_ops);
create index places_name_zh_trgm on places using gin (name_zh gin_trgm_ops);
