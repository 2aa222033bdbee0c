-- civicdesk core schema (PostgreSQL). Times are unix seconds UTC; JSON is stored as text.
-- Every tenant-owned table carries jurisdiction_id and every unique key includes it.

CREATE TABLE instance_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE jurisdictions (
    id                 TEXT PRIMARY KEY,          -- Open311 jurisdiction_id, e.g. taipei.gov.tw
    name_zh            TEXT NOT NULL,
    name_en            TEXT NOT NULL,
    timezone           TEXT NOT NULL,
    utc_offset_minutes BIGINT NOT NULL,
    contact            TEXT NOT NULL,
    key_service        TEXT NOT NULL,
    min_lat            DOUBLE PRECISION,
    max_lat            DOUBLE PRECISION,
    min_lon            DOUBLE PRECISION,
    max_lon            DOUBLE PRECISION,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);

CREATE TABLE departments (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    code            TEXT NOT NULL,
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- city | district_office | utility
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (jurisdiction_id, code)
);

CREATE TABLE districts (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    code            TEXT NOT NULL,               -- postal code
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, code)
);

CREATE TABLE categories (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    code            TEXT NOT NULL,               -- Open311 service_code
    name_zh         TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    group_zh        TEXT NOT NULL,
    group_en        TEXT NOT NULL,
    description_zh  TEXT NOT NULL,
    description_en  TEXT NOT NULL,
    keywords        TEXT NOT NULL DEFAULT '',
    department_code TEXT NOT NULL,
    urgency         TEXT NOT NULL,
    service_type    TEXT NOT NULL,
    attributes      TEXT NOT NULL DEFAULT '[]',
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    sort_order      BIGINT NOT NULL DEFAULT 0,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, code),
    FOREIGN KEY (jurisdiction_id, department_code) REFERENCES departments(jurisdiction_id, code)
);

CREATE TABLE api_clients (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    name            TEXT NOT NULL,
    key_hash        TEXT NOT NULL UNIQUE,        -- SHA-256 of the key; the key itself is never stored
    key_prefix      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);
CREATE INDEX api_clients_jurisdiction ON api_clients (jurisdiction_id, created_at);

CREATE TABLE case_number_counters (
    jurisdiction_id TEXT NOT NULL,
    day             TEXT NOT NULL,               -- local date YYYYMMDD
    last            BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, day)
);

CREATE TABLE cases (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    case_number     TEXT NOT NULL,
    token           TEXT,
    category_code   TEXT NOT NULL,
    status          TEXT NOT NULL,
    outcome         TEXT,
    urgency         TEXT NOT NULL,
    department_code TEXT,
    channel         TEXT NOT NULL,
    description     TEXT NOT NULL,
    address         TEXT,
    address_id      TEXT,
    zipcode         TEXT,
    district_code   TEXT,
    lat             DOUBLE PRECISION,
    lon             DOUBLE PRECISION,
    attributes      TEXT NOT NULL DEFAULT '[]',
    media_urls      TEXT NOT NULL DEFAULT '[]',
    status_notes    TEXT,
    password_hash   TEXT NOT NULL,
    api_client_id   TEXT,
    requested_at    BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    expected_at     BIGINT,
    closed_at       BIGINT,
    UNIQUE (jurisdiction_id, case_number)
);
CREATE UNIQUE INDEX cases_token ON cases (jurisdiction_id, token) WHERE token IS NOT NULL;
CREATE INDEX cases_requested ON cases (jurisdiction_id, requested_at, case_number);
CREATE INDEX cases_category_requested ON cases (jurisdiction_id, category_code, requested_at);
CREATE INDEX cases_updated ON cases (jurisdiction_id, updated_at);
CREATE INDEX cases_location ON cases (jurisdiction_id, lat, lon);

-- Personal data of the people who reported a case. Never shown in public responses.
CREATE TABLE case_reporters (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    case_id         TEXT NOT NULL REFERENCES cases(id),
    email           TEXT,
    phone           TEXT,
    first_name      TEXT,
    last_name       TEXT,
    device_id       TEXT,
    account_id      TEXT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX case_reporters_case ON case_reporters (case_id);

-- Append-only, hash-chained per jurisdiction. The source of truth for a case's history.
CREATE TABLE case_events (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    case_id         TEXT NOT NULL REFERENCES cases(id),
    chain_seq       BIGINT NOT NULL,
    kind            TEXT NOT NULL,
    actor           TEXT NOT NULL,
    public          BOOLEAN NOT NULL,
    from_status     TEXT,
    to_status       TEXT,
    note            TEXT,
    data            TEXT NOT NULL DEFAULT '{}',
    created_at      BIGINT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    UNIQUE (jurisdiction_id, chain_seq)
);
CREATE INDEX case_events_case ON case_events (case_id, chain_seq);
CREATE INDEX case_events_public ON case_events (jurisdiction_id, public, created_at);

CREATE TABLE event_chains (
    jurisdiction_id TEXT PRIMARY KEY,
    seq             BIGINT NOT NULL,
    head_hash       TEXT NOT NULL
);

-- Idempotency of Open311 servicerequestupdates POSTs: one event per client update id.
CREATE TABLE client_updates (
    api_client_id    TEXT NOT NULL,
    client_update_id TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    PRIMARY KEY (api_client_id, client_update_id)
);

CREATE TABLE media (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    case_id         TEXT REFERENCES cases(id),
    content_type    TEXT NOT NULL,
    size_bytes      BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
