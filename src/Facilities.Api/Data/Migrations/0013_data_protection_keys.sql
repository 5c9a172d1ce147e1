-- The data-protection key ring (bearer tokens, refresh tokens, the service keys of 0011), shared by every replica
-- over the database so that a token issued by one is read by another and survives a restart
-- (Web/DataProtectionKeys.cs). Each row is one key's XML as ASP.NET Core writes it: encrypted with the configured
-- certificate or key when one is given, otherwise in clear (then the database must be guarded like the keys).
create table data_protection_keys (
    friendly_name  text primary key,
    xml            text not null,
    created_at     timestamptz not null default now()
);
