-- The per-row tables an import writes by the hundred thousand keep their references by construction instead of by
-- foreign-key triggers. PostgreSQL checks a foreign key with one trigger call per inserted row (an index probe and
-- a row lock on the referenced row), which for the rows of a large import costs more than inserting them
-- (./bench.sh import throughput measures such an import; the commit that added this migration has the figures).
--
-- What keeps these references instead:
--   * Two writers insert these rows, Data/FacilityWriter.cs and Data/FacilityBulkWriter.cs, both in the same
--     transaction as the facility, the source record and the dataset they reference, which they insert or read
--     first: provenance rows name a source record they have just upserted, versions the facility they have just
--     written.
--   * Facilities and source records are never deleted (a facility is removed by status, a record by removed_at),
--     so a reference cannot dangle later; datasets are never deleted either.
--   * Tests check after imports, merges, removals at source and review resolutions that no row of these tables
--     points at a missing row (tests/Facilities.Api.Tests/Partners/Integrity.cs).
-- The low-volume references (review items, proposals, votes, reports, users) keep their foreign keys.
alter table facility_provenance
    drop constraint facility_provenance_facility_id_fkey,
    drop constraint facility_provenance_source_record_id_fkey;
alter table facility_versions
    drop constraint facility_versions_facility_id_fkey,
    drop constraint facility_versions_source_dataset_id_fkey;
alter table source_records
    drop constraint source_records_dataset_id_fkey,
    drop constraint source_records_facility_id_fkey;
