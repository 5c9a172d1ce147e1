-- The hourly jobs (proposal expiry, confidence ageing, the rate-limit sweep), run by one replica at a time
-- (Data/PeriodicJobs.cs): the replica that takes a job's advisory lock and finds it due runs it and records the run
-- here in the same transaction, so another replica checking a moment later finds it done.
create table periodic_jobs (
    name         text primary key,
    last_run_at  timestamptz not null,
    runs         bigint not null default 0,
    run_by       text
);
