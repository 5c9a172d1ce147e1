-- Secrets the service makes for itself and must share between its processes and keep across restarts, such as the key
-- that signs paging cursors. Each is stored protected with the data-protection keys (never in clear), so a copy of the
-- database alone does not give it away; where those keys change, the secret is made anew (Web/Cursor.cs).
create table service_keys (
    purpose        text primary key,
    protected_key  text not null,
    created_at     timestamptz not null default now()
);
