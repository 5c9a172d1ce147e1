-- Imports any replica can run (Features/Imports/ImportRunner.cs, ImportUploads.cs):
-- * an upload waits in import_uploads, in chunks, where every replica reads it (unless Facilities:Imports:Storage is
--   "directory": then file_path names it in a folder every replica mounts); the chunks go when the import ends;
-- * a replica claims an import with a lease (lease_owner, lease_expires_at) that it renews while it runs; one whose
--   lease has expired (its holder died or lost the database) is claimed by the next replica that looks;
-- * applied_at is written in the import's own transaction, just before its commit and only while the lease is still
--   the committer's: a holder that lost its lease cannot commit, and an applied import is never run again.
alter table imports
    add column lease_owner       text,
    add column lease_expires_at  timestamptz,
    add column applied_at        timestamptz;

create table import_uploads (
    import_id  uuid not null references imports (id) on delete cascade,
    seq        integer not null,
    data       bytea not null,
    primary key (import_id, seq)
);
-- Uploads are mostly compressed already (zipped Shapefiles) or read once: compressing each chunk would cost more
-- CPU than the space it saves for the few minutes a chunk lives.
alter table import_uploads alter column data set storage external;
