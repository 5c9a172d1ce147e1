-- Open data (OGC API – Features, exports). The public layer is the facilities that are not removed; OGC API filters
-- it by updated_at (datetime=...) and describes each collection's temporal extent as min/max(updated_at), per
-- category and over all. Partial indexes on exactly that layer: the min/max are one index probe each instead of a
-- scan of a million rows, and a datetime interval reads only the rows in it.
create index facilities_public_category_updated_at on facilities (category, updated_at) where status <> 'removed';
create index facilities_public_updated_at on facilities (updated_at) where status <> 'removed';

-- GET /api/v1/changes shows committed_at. The default now() is the start of the writing transaction, and a writer
-- that waited for the change_feed lock started before the one it waited for: seq order and time order disagreed.
-- clock_timestamp() is read when the entry is inserted, which the writer does holding the lock until commit, so
-- committed_at never decreases along seq.
alter table change_feed alter column committed_at set default clock_timestamp();
