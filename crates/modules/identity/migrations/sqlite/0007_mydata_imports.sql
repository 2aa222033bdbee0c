-- MyData imports (docs/MYDATA.md): one row per time civicdesk sent a citizen to the national
-- MyData platform for their household-registration record, under a purpose they consented
-- to. The secret key and the permission ticket are held only until the data is fetched; the
-- record holds only the fields the purpose needs, and is purged when used or when purge_at
-- passes (or the consent is withdrawn). The row stays, emptied, as the history.
CREATE TABLE mydata_imports (
    tx_id             TEXT PRIMARY KEY,
    jurisdiction_id   TEXT NOT NULL REFERENCES jurisdictions(id),
    account_id        TEXT NOT NULL REFERENCES accounts(id),
    purpose           TEXT NOT NULL,
    status            TEXT NOT NULL,   -- sent | consented | ready | used | declined | failed | discarded | purged
    permission_ticket TEXT,
    secret_key        TEXT,            -- hex; until the data is fetched
    failure           TEXT,            -- what went wrong, as a message id
    record            TEXT,            -- JSON: the kept fields
    created_at        INTEGER NOT NULL,
    notified_at       INTEGER,
    retrieved_at      INTEGER,
    ended_at          INTEGER,              -- used, declined, failed, discarded or purged
    purge_at          INTEGER
);
CREATE INDEX mydata_imports_account ON mydata_imports (account_id, created_at);
CREATE INDEX mydata_imports_purge ON mydata_imports (purge_at);
