-- Case operations: who holds a case, why it was routed there, its SLA due dates, the rules and
-- calendars that decide them, and the citizen's survey (SQLite).

ALTER TABLE cases ADD COLUMN assignee_id TEXT;                 -- the field worker holding it
ALTER TABLE cases ADD COLUMN cosign_department_code TEXT;      -- 會簽: the department asked to co-sign
ALTER TABLE cases ADD COLUMN routing TEXT;                     -- JSON: the rule that routed it and why
ALTER TABLE cases ADD COLUMN triage TEXT;                      -- JSON: the rules that raised its urgency
ALTER TABLE cases ADD COLUMN ack_due_at INTEGER;               -- SLA due dates, derived from the events
ALTER TABLE cases ADD COLUMN response_due_at INTEGER;
ALTER TABLE cases ADD COLUMN resolution_due_at INTEGER;
ALTER TABLE cases ADD COLUMN sla_state TEXT;                   -- running | at_risk | breached | met | paused
ALTER TABLE cases ADD COLUMN merged_into TEXT;                 -- the surviving case of a duplicate
CREATE INDEX cases_queue ON cases (jurisdiction_id, department_code, status, resolution_due_at);
CREATE INDEX cases_assignee ON cases (assignee_id, status);

-- Routing and triage rules, in order; the definition is the JSON of domain::rules.
CREATE TABLE case_rules (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    kind            TEXT NOT NULL,                 -- routing | triage
    position        INTEGER NOT NULL,
    definition      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT NOT NULL
);
CREATE INDEX case_rules_order ON case_rules (jurisdiction_id, kind, position);

-- SLA policies by category (a category code) or by urgency (P1..P4); JSON of domain::sla.
CREATE TABLE sla_policies (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    scope           TEXT NOT NULL,
    definition      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, scope)
);

-- Calendar changes on top of the built-in national calendar: extra holidays, make-up working
-- days, and declared closures (typhoon days) from one instant to another.
CREATE TABLE calendar_entries (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    kind            TEXT NOT NULL,                 -- holiday | makeup_workday | closure
    day             TEXT,                          -- YYYY-MM-DD for holidays and make-up days
    starts_at       INTEGER,                       -- closures
    ends_at         INTEGER,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL
);
CREATE INDEX calendar_entries_jurisdiction ON calendar_entries (jurisdiction_id, kind);

-- The satisfaction survey offered when a case is resolved: one per case, link valid 7 days.
CREATE TABLE case_surveys (
    case_id         TEXT PRIMARY KEY REFERENCES cases(id),
    jurisdiction_id TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    expires_at      INTEGER NOT NULL,
    score           INTEGER,
    comment         TEXT,
    submitted_at    INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX case_surveys_token ON case_surveys (token_hash);
