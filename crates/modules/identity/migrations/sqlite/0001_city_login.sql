-- Accounts linked to a city identity provider's person: one account per (provider, subject).
-- real_name says whether the provider last vouched for the person's real name.
CREATE TABLE account_links (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    provider        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    real_name       INTEGER NOT NULL,
    linked_at       INTEGER NOT NULL,
    last_used_at    INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, provider, subject)
);
CREATE INDEX account_links_account ON account_links (account_id);

-- A sign-in sent to a provider and not back yet, found by the hash of its state and used once.
CREATE TABLE login_attempts (
    state_hash      TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    provider        TEXT NOT NULL,
    nonce           TEXT NOT NULL,
    pkce_verifier   TEXT NOT NULL,
    back            TEXT NOT NULL,
    link_account_id TEXT,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX login_attempts_expiry ON login_attempts (expires_at);

-- When the account's real name was proved, and how (a provider's id, or mydata).
ALTER TABLE accounts ADD COLUMN real_name_at INTEGER;
ALTER TABLE accounts ADD COLUMN real_name_by TEXT;
