-- Dry runs before a dataset exists, and what each record of an import became (Features/Imports):
-- * a dry run of a draft definition names no dataset: draft holds the definition it ran against (the dataset row it
--   needs is made inside the import's transaction and rolled back with it), so nothing is left behind;
-- * import_records: one row per record of the file, its outcome (created, merged, updated, unchanged, review,
--   rejected), the facility it went to, the reason it was rejected and the values left out with why. Written in
--   the import's transaction; a dry run's are copied out before its rollback and back in after it.
alter table imports
    alter column dataset_id drop not null,
    add column draft jsonb,
    add constraint imports_dataset_or_draft check (dataset_id is not null or (draft is not null and dry_run));

create index imports_partner on imports (partner_id, created_at);

create table import_records (
    import_id    uuid not null references imports (id) on delete cascade,
    row_no       bigint not null,
    external_id  text,
    outcome      text not null check (outcome in ('created', 'merged', 'updated', 'unchanged', 'review', 'rejected')),
    facility_id  uuid,
    reason       text,
    ignored      jsonb,
    primary key (import_id, row_no)
);
