-- Contribution budgets (Web/ContributionRateLimits.cs): one row per key (action and account, or action and IP address)
-- and fixed window, shared by every replica and kept across restarts. A write's row is upserted in the write's own
-- transaction, so a write that rolls back (a 409, a failure) takes its increment with it. Windows start at multiples
-- of the window's length since the epoch, by the database's clock, so replicas with drifting clocks agree.
create table rate_limit_windows (
    key           text not null,
    window_start  timestamptz not null,
    spent         integer not null,
    budget        integer not null,
    primary key (key, window_start)
);
