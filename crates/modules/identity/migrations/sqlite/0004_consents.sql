-- The consent ledger: one row per consent a citizen gave to one purpose a module declares
-- (platform::personal_data::Purpose). A row never changes after it is written except to record
-- how it ended before it expired (ended_how: withdrawn | renewed); a renewal is a new row. The
-- rows are the history.
CREATE TABLE consents (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    purpose         TEXT NOT NULL,
    data            TEXT NOT NULL,        -- JSON array of data-category keys, as the purpose said
    recipient_kind  TEXT NOT NULL,        -- module | department | outside
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL,        -- the language the citizen read the purpose in
    given_at        INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    ended_at        INTEGER,
    ended_how       TEXT
);
CREATE INDEX consents_account ON consents (account_id, purpose, given_at);
