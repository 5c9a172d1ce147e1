-- An import cut short (the API stopped, or PostgreSQL went away mid-run) changed nothing, because it runs in one
-- transaction, and is run again from the start. The partner sees that it happened: how many times the import was
-- started, and for each earlier start when it began and why it did not finish.
alter table imports
    add column attempts int not null default 0,
    add column interruptions jsonb not null default '[]';
