-- Photos of facilities (Features/Photos). The upload itself is never stored: photo_files holds the two renditions
-- made from its decoded pixels (thumb, display), JPEG without metadata, in PostgreSQL so that every replica serves them.
-- A photo by an account below the at-once privilege is pending until a moderator approves it; only approved photos are
-- shown to others. Reports say what is wrong with one; a moderator may hide it.
create table photos (
    id           uuid primary key,
    facility_id  uuid not null references facilities(id),
    user_id      uuid not null references users(id),
    state        text not null check (state in ('pending', 'approved', 'rejected', 'hidden')),
    -- what the contributor agreed to at upload, and the name the photo is credited to
    license      text not null,
    attribution  text not null,
    created_at   timestamptz not null,
    reviewed_by  uuid references users(id),
    reviewed_at  timestamptz,
    review_note  text
);
create index photos_facility on photos (facility_id, created_at);
create index photos_pending on photos (created_at) where state = 'pending';

create table photo_files (
    photo_id      uuid not null references photos(id) on delete cascade,
    rendition     text not null check (rendition in ('thumb', 'display')),
    content_type  text not null,
    width         int not null,
    height        int not null,
    -- hex SHA-256 of data: the strong ETag, and a name that changes whenever the bytes do
    sha256        text not null,
    data          bytea not null,
    primary key (photo_id, rendition)
);
-- JPEG is compressed already: TOAST's compression would spend CPU for nothing.
alter table photo_files alter column data set storage external;

create table photo_reports (
    id          bigint generated always as identity primary key,
    photo_id    uuid not null references photos(id),
    user_id     uuid not null references users(id),
    reason      text not null check (reason in ('not_this_place', 'offensive', 'personal_data')),
    comment     text,
    created_at  timestamptz not null,
    -- set when a moderator hides the photo or dismisses the report
    resolved_at timestamptz
);
create index photo_reports_open on photo_reports (photo_id) where resolved_at is null;
