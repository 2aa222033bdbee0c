-- Mandates (代理): a principal authorises an agent (an account, or a named person without one)
-- to act for them on a theme, optionally for one thing, between two dates (YYYY-MM-DD, both
-- included), until revoked. state: offered | active | declined | revoked.
CREATE TABLE mandates (
    id               TEXT PRIMARY KEY,
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    principal_id     TEXT NOT NULL REFERENCES accounts(id),
    agent_account_id TEXT REFERENCES accounts(id),
    agent_name       TEXT,
    agent_id_last4   TEXT,
    agent_mobile     TEXT,
    theme            TEXT NOT NULL,
    specifier        TEXT,
    starts_on        TEXT NOT NULL,
    ends_on          TEXT NOT NULL,
    state            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX mandates_principal ON mandates (principal_id);
CREATE INDEX mandates_agent ON mandates (agent_account_id);

-- Every use of a mandate: what was done for the principal, by which service, when. Both people
-- see it.
CREATE TABLE mandate_uses (
    id         TEXT PRIMARY KEY,
    mandate_id TEXT NOT NULL REFERENCES mandates(id),
    service    TEXT NOT NULL,
    what       TEXT NOT NULL,
    used_at    INTEGER NOT NULL
);
CREATE INDEX mandate_uses_mandate ON mandate_uses (mandate_id, used_at);
