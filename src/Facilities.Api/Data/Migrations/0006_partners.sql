-- Partner imports: one row per uploaded file, its state and its report. The upload itself waits on disk (file_path)
-- until the background runner applies it; a restart finds queued or running imports here and runs them again,
-- which is safe because an import applies in one transaction.
create table imports (
    id           uuid primary key,
    dataset_id   uuid not null references datasets(id),
    partner_id   uuid not null references partners(id),
    state        text not null default 'queued' check (state in ('queued', 'running', 'succeeded', 'failed')),
    dry_run      boolean not null default false,
    format       text not null,
    file_name    text,
    file_path    text,
    file_bytes   bigint not null,
    report       jsonb,
    error        text,
    created_at   timestamptz not null default now(),
    started_at   timestamptz,
    finished_at  timestamptz
);
create index imports_dataset on imports (dataset_id, created_at);
create index imports_pending on imports (created_at) where state in ('queued', 'running');

create index datasets_partner on datasets (partner_id);
-- Feedback reads the history of the facilities a partner's datasets are linked to, oldest first.
create index source_records_dataset_facility on source_records (dataset_id, facility_id);
create index facility_versions_created on facility_versions (created_at);

-- Bulk writes (FacilityBulkWriter) maintain cluster_cells set-based, once per batch. Row by row, an import of
-- 22,000 facilities into one region updated the same low-zoom cells 22,000 times in one transaction, and each
-- update walks the growing chain of that row's versions: 22,513 rows took 250 s. The writer sets
-- facilities.bulk_cluster_cells for its transaction only (set local); every other writer keeps the trigger.
drop trigger facilities_cluster_cells on facilities;
create trigger facilities_cluster_cells
    after insert or delete or update of geom, category, status on facilities
    for each row
    when (current_setting('facilities.bulk_cluster_cells', true) is distinct from 'on')
    execute function facilities_maintain_cluster_cells();
