-- Third-party apps that file reports over Open311 (POST /open311/v2/requests.json|.xml, Features/Open311/Open311Apps.cs).
-- An admin issues an app its key; only the key's SHA-256 is kept (as for partner keys, migration 0004: 256 random bits
-- need no slow hash). One key per app: revoking it ends the app's filing; a new key is a new app.
create table open311_apps (
    id          uuid primary key,
    name        text not null,
    key_hash    text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
    created_by  uuid not null references users(id),
    created_at  timestamptz not null,
    revoked_at  timestamptz
);

-- The app's system account: the author of the reports it files, shown under the app's name. Like a partner's system
-- account (migration 0007) it has no password and no e-mail, and its reputation stays at the initial 1, so its
-- reports weigh 0: they reach the partner but close nothing by themselves.
alter table users add column system_app_id uuid unique references open311_apps(id);

-- The resident an app filed a report for, as the app gave them: for the partner who answers the report, never shown
-- publicly (the report itself is the app's).
create table open311_app_reports (
    report_id   bigint primary key references reports(id),
    app_id      uuid not null references open311_apps(id),
    email       text,
    first_name  text,
    last_name   text
);
create index open311_app_reports_app on open311_app_reports (app_id);

-- A reporter's own reports, newest first, with the partners' answers (GET /api/v1/me/reports, Open311/ReportAnswers.cs):
-- reports had indexes by facility and by time only.
create index reports_user on reports (user_id, created_at);
