-- Refresh tokens rotate: each one is good for one exchange. A family is the chain of tokens from one sign-in; when a
-- token that was already exchanged is presented again, someone holds a copy, and the whole family is revoked
-- (Features/Accounts/RefreshTokens.cs). The token itself is never stored, only the id it carries.
create table refresh_tokens (
    id          uuid primary key,
    family_id   uuid not null,
    user_id     uuid not null references users(id) on delete cascade,
    issued_at   timestamptz not null,
    expires_at  timestamptz not null,
    used_at     timestamptz,
    revoked_at  timestamptz
);
create index refresh_tokens_family on refresh_tokens (family_id);
create index refresh_tokens_user on refresh_tokens (user_id, expires_at);
