-- Accounts, roles, sessions, access tokens, one-time codes, rate limits and the audit trail (PostgreSQL).

-- Staff and citizens of one jurisdiction. `login` is the normalised sign-in name: a lower-cased
-- email address, an E.164 mobile number, or a staff user name.
CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,
    jurisdiction_id     TEXT NOT NULL REFERENCES jurisdictions(id),
    kind                TEXT NOT NULL,               -- staff | citizen
    login               TEXT NOT NULL,
    email               TEXT,
    mobile              TEXT,                        -- E.164
    national_id         TEXT,                        -- 身分證 or resident certificate number
    display_name        TEXT NOT NULL,
    locale              TEXT NOT NULL,
    password_hash       TEXT,                        -- Argon2id PHC string
    status              TEXT NOT NULL,               -- pending | active | disabled
    verified_at         BIGINT,
    totp_secret         TEXT,                        -- base32, set while enrolling or enrolled
    totp_enabled_at     BIGINT,
    totp_last_step      BIGINT,                      -- last accepted time step (no replay)
    password_changed_at BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_login ON accounts (jurisdiction_id, login);
CREATE INDEX accounts_mobile ON accounts (jurisdiction_id, mobile);

-- A role held within a scope: the whole jurisdiction, a department, or a community.
CREATE TABLE account_roles (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    role        TEXT NOT NULL,
    scope_kind  TEXT NOT NULL,                       -- jurisdiction | department | community
    scope_id    TEXT NOT NULL,
    PRIMARY KEY (account_id, role, scope_kind, scope_id)
);

-- Per-role security policy of a jurisdiction (e.g. a second factor required).
CREATE TABLE role_policies (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    role            TEXT NOT NULL,
    require_totp    BOOLEAN NOT NULL,
    PRIMARY KEY (jurisdiction_id, role)
);

CREATE TABLE recovery_codes (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    code_hash   TEXT NOT NULL,
    used_at     BIGINT,
    PRIMARY KEY (account_id, code_hash)
);

-- Server-side sessions; the cookie carries a random id, the table its SHA-256.
CREATE TABLE sessions (
    id_hash         TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    jurisdiction_id TEXT NOT NULL,
    stage           TEXT NOT NULL,                   -- full | second_factor
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    last_seen_at    BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Personal access tokens for API clients acting as a staff member.
CREATE TABLE access_tokens (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    jurisdiction_id TEXT NOT NULL,
    name            TEXT NOT NULL,
    token_hash      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT,
    last_used_at    BIGINT,
    revoked_at      BIGINT
);
CREATE UNIQUE INDEX access_tokens_hash ON access_tokens (token_hash);
CREATE INDEX access_tokens_account ON access_tokens (account_id);

-- One-time codes for verifying an address and for resetting a password.
CREATE TABLE one_time_codes (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    purpose     TEXT NOT NULL,                       -- verify | reset
    code_hash   TEXT NOT NULL,
    attempts    BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT
);
CREATE INDEX one_time_codes_account ON one_time_codes (account_id, purpose);

-- Fixed-window counters shared by every node (login, OTP, sign-up and reset attempts).
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    hits         BIGINT NOT NULL
);

-- Who did what to whom, and who read whose personal data. Append-only, hash-chained per
-- jurisdiction like case events.
CREATE TABLE audit_records (
    id                 TEXT PRIMARY KEY,
    jurisdiction_id    TEXT NOT NULL,
    chain_seq          BIGINT NOT NULL,
    actor_id           TEXT,                         -- account id; NULL for the system or anonymous
    actor_label        TEXT NOT NULL,                -- display name at the time, or a client name
    action             TEXT NOT NULL,
    subject_kind       TEXT NOT NULL,
    subject_id         TEXT NOT NULL,
    data_subject_id    TEXT,                         -- the citizen whose personal data was touched
    reason             TEXT,
    request_id         TEXT,
    data               TEXT,
    created_at         BIGINT NOT NULL,
    prev_hash          TEXT NOT NULL,
    hash               TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_records_chain ON audit_records (jurisdiction_id, chain_seq);
CREATE INDEX audit_records_data_subject ON audit_records (data_subject_id, created_at);

CREATE TABLE audit_chains (
    jurisdiction_id TEXT PRIMARY KEY,
    seq             BIGINT NOT NULL,
    head_hash       TEXT NOT NULL
);
