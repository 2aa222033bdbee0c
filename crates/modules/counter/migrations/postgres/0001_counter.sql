-- The counter: a jurisdiction's offices and services with their forms (versioned), the
-- applications with their hash-chained events and documents, Smart Desk sites with their
-- doors and devices, pickup grants, and reservations. docs/COUNTER.md.
CREATE TABLE counter_offices (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    code            TEXT NOT NULL,
    definition      TEXT NOT NULL,          -- JSON: names, address, whether it has a Smart Desk
    booking_rules   TEXT NOT NULL,          -- JSON: slot length, capacity, window, lead, cut-off
    PRIMARY KEY (jurisdiction_id, code)
);
CREATE TABLE counter_services (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    code            TEXT NOT NULL,
    position        BIGINT NOT NULL,       -- the catalogue's order
    active          BIGINT NOT NULL,
    definition      TEXT NOT NULL,          -- JSON: the service as `domain::catalogue::Service`
    updated_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, code)
);
-- Every version of every form stays: an application names the version it was filed under.
CREATE TABLE counter_forms (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    form_key        TEXT NOT NULL,
    version         BIGINT NOT NULL,
    definition      TEXT NOT NULL,          -- JSON: fields and the PDPA notice
    created_at      BIGINT NOT NULL,
    created_by      TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, form_key, version)
);
CREATE TABLE counter_applications (
    id               TEXT PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    number           TEXT NOT NULL,          -- unique in its jurisdiction (below)
    service_code     TEXT NOT NULL,
    office_code      TEXT NOT NULL,
    applicant_id     TEXT NOT NULL,         -- the citizen's account
    form_key         TEXT NOT NULL,
    form_version     BIGINT NOT NULL,
    answers          TEXT NOT NULL,         -- JSON object: field key -> answer
    consent_version  BIGINT,               -- the PDPA notice's version consented to at submission
    consented_at     BIGINT,
    state            TEXT NOT NULL,
    in_queue         BIGINT NOT NULL DEFAULT 0, -- 1 while the state is one a clerk acts on (the queue)
    version          BIGINT NOT NULL,      -- bumped by every change: a stale write is refused
    pickup           TEXT NOT NULL,         -- counter | locker | post
    copies           BIGINT NOT NULL,
    fee              BIGINT NOT NULL,       -- NT$, fixed at submission
    payment_id       TEXT,
    paid_at          BIGINT,
    due_at           BIGINT,                -- the review clock's due instant (pauses included)
    correction       TEXT,                  -- what the clerk asked to be fixed
    reason           TEXT,                  -- why rejected
    place            TEXT,                  -- once issued: door | counter | post | returned
    door_id          TEXT,
    picked_up_by     TEXT,                  -- applicant | agent
    picked_up_how    TEXT,                  -- door | counter
    picked_up_where  TEXT,                  -- the office or Smart Desk site
    submitted_at     BIGINT,
    decided_at       BIGINT,
    issued_at        BIGINT,
    picked_up_at     BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE UNIQUE INDEX counter_applications_number ON counter_applications (jurisdiction_id, number);
-- The clerk's queue in due order: all of it, one service's, one office's, or one state's.
CREATE INDEX counter_applications_queue ON counter_applications (jurisdiction_id, in_queue, due_at, id);
CREATE INDEX counter_applications_service_queue ON counter_applications (jurisdiction_id, service_code, in_queue, due_at, id);
CREATE INDEX counter_applications_office_queue ON counter_applications (jurisdiction_id, office_code, in_queue, due_at, id);
CREATE INDEX counter_applications_state ON counter_applications (jurisdiction_id, state, due_at, id);
CREATE INDEX counter_applications_mine ON counter_applications (applicant_id, created_at);
CREATE TABLE counter_documents (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES counter_applications(id),
    field_key      TEXT NOT NULL,
    kind           TEXT NOT NULL,           -- pdf | jpg | png, by content
    size           BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    body           BYTEA NOT NULL,
    created_at     BIGINT NOT NULL
);
CREATE INDEX counter_documents_of ON counter_documents (application_id);
CREATE TABLE counter_events (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    chain_seq       BIGINT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    application_id  TEXT NOT NULL REFERENCES counter_applications(id),
    kind            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    from_state      TEXT,
    to_state        TEXT,
    data            TEXT NOT NULL,          -- JSON: what was said or changed
    created_at      BIGINT NOT NULL,
    UNIQUE (jurisdiction_id, chain_seq)
);
CREATE INDEX counter_events_of ON counter_events (application_id, chain_seq);
CREATE TABLE counter_event_chains (
    jurisdiction_id TEXT PRIMARY KEY,
    seq             BIGINT NOT NULL,
    head_hash       TEXT NOT NULL
);
CREATE TABLE counter_sequences (
    jurisdiction_id TEXT NOT NULL,
    scope           TEXT NOT NULL,          -- `app:<office>` numbers, `queue:<office>:<purpose>` tickets
    day             TEXT NOT NULL,
    last            BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, scope, day)
);
-- Smart Desk: a site per office with one, banks of doors, devices signing their requests.
CREATE TABLE counter_sites (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    office_code     TEXT NOT NULL,
    name            TEXT NOT NULL,
    key_generation  BIGINT NOT NULL,       -- the code-hash key's generation (rotated by admins)
    locker_days     BIGINT NOT NULL,
    counter_days    BIGINT NOT NULL,
    UNIQUE (jurisdiction_id, office_code)
);
CREATE TABLE counter_doors (
    id             TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL REFERENCES counter_sites(id),
    bank           TEXT NOT NULL,
    number         BIGINT NOT NULL,
    size           TEXT NOT NULL,
    state          TEXT NOT NULL,
    application_id TEXT,
    sensed         TEXT,                    -- what the device last reported: open | closed_empty | closed_occupied | fault
    sensed_at      BIGINT,
    wrong          BIGINT NOT NULL DEFAULT 0,
    wrong_since    BIGINT,
    updated_at     BIGINT NOT NULL,
    UNIQUE (site_id, bank, number)
);
CREATE TABLE counter_devices (
    id           TEXT PRIMARY KEY,
    site_id      TEXT NOT NULL REFERENCES counter_sites(id),
    name         TEXT NOT NULL,
    generation   BIGINT NOT NULL,          -- the secret's generation (rotation)
    last_seen_at BIGINT,
    last_seq     BIGINT NOT NULL DEFAULT 0, -- the last event sequence number taken from it
    retired_at   BIGINT,
    created_at   BIGINT NOT NULL
);
CREATE TABLE counter_device_nonces (
    device_id  TEXT NOT NULL,
    nonce      TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
-- A site's reconciliation forgets its devices' spent nonces past their time.
CREATE INDEX counter_device_nonces_expiry ON counter_device_nonces (device_id, expires_at);
CREATE TABLE counter_device_events (
    device_id   TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    kind        TEXT NOT NULL,
    door_id     TEXT,
    data        TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    outcome     TEXT NOT NULL,              -- applied | ignored | repaired, and why
    PRIMARY KEY (device_id, seq)
);
-- Who may take an issued document, with the hash of their one-time code.
CREATE TABLE counter_grants (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES counter_applications(id),
    site_id        TEXT,                    -- the Smart Desk site, for a door pickup
    door_id        TEXT,
    holder         TEXT NOT NULL,           -- applicant | agent
    mobile_hash    TEXT,                    -- the holder's mobile, keyed like the code (the kiosk asks for it)
    mandate_id     TEXT,
    agent_name     TEXT,
    agent_mobile   TEXT,
    code_hash      TEXT NOT NULL,
    active         BIGINT NOT NULL,
    revoked        BIGINT NOT NULL,
    locked_at      BIGINT,
    wrong          BIGINT NOT NULL DEFAULT 0,
    used_at        BIGINT,
    expires_at     BIGINT NOT NULL,
    reminded_at    BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX counter_grants_of ON counter_grants (application_id);
CREATE UNIQUE INDEX counter_grants_live_code ON counter_grants (site_id, code_hash)
    WHERE revoked = 0 AND used_at IS NULL;
-- A kiosk asks by mobile and code: the mobile's live grants at the site. The queries spell
-- `revoked = 0 AND used_at IS NULL` as literals, so the planners may use these partial indexes.
CREATE INDEX counter_grants_live_mobile ON counter_grants (site_id, mobile_hash)
    WHERE revoked = 0 AND used_at IS NULL;
CREATE INDEX counter_grants_due ON counter_grants (active, revoked, expires_at);
-- Reservations: a slot row is made when first booked; `booked < capacity` guards the last place.
CREATE TABLE counter_slots (
    jurisdiction_id TEXT NOT NULL,
    office_code     TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    starts_at       BIGINT NOT NULL,
    capacity        BIGINT NOT NULL,
    booked          BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, office_code, purpose, starts_at)
);
CREATE TABLE counter_bookings (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    office_code     TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    service_code    TEXT,
    application_id  TEXT,
    starts_at       BIGINT NOT NULL,
    state           TEXT NOT NULL,
    account_id      TEXT,
    name            TEXT NOT NULL,
    mobile          TEXT,
    channel         TEXT NOT NULL,          -- web | phone | counter
    created_by      TEXT NOT NULL,
    queue_number    TEXT,
    arrived_at      BIGINT,
    reminded_at     BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX counter_bookings_day ON counter_bookings (jurisdiction_id, office_code, starts_at);
CREATE INDEX counter_bookings_mine ON counter_bookings (account_id, starts_at);
