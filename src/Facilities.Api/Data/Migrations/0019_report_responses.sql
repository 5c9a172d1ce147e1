-- A partner's answer to a resident's report on one of its facilities (Features/Open311/ReportResponses.cs): the
-- latest one per report, whichever of the partners holding the facility gave it. Open311 reads fixed and
-- not_a_problem as closed, the others as open.
create table report_responses (
    report_id    bigint primary key references reports(id),
    partner_id   uuid not null references partners(id),
    response     text not null check (response in ('acknowledged', 'in_progress', 'fixed', 'not_a_problem')),
    notes        text,
    responded_at timestamptz not null
);
