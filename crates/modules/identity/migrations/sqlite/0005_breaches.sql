-- The breach register (PDPA art. 12 as amended in 2025): one row per breach of personal data,
-- kept at least five years, with when each duty was done. Every change is also an audit record.
CREATE TABLE breaches (
    id                    TEXT PRIMARY KEY,
    jurisdiction_id       TEXT NOT NULL REFERENCES jurisdictions(id),
    discovered_at         INTEGER NOT NULL,
    summary               TEXT NOT NULL,
    data                  TEXT NOT NULL,       -- JSON array of data-category keys
    records               INTEGER NOT NULL,
    system_records        INTEGER NOT NULL,
    special               BOOLEAN NOT NULL,
    encrypted             BOOLEAN NOT NULL,
    contained_at          INTEGER,
    subjects_notified_at  INTEGER,
    notified_how          TEXT,                -- individually | public_notice
    authority_reported_at INTEGER,
    closed_at             INTEGER,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL
);
CREATE INDEX breaches_jurisdiction ON breaches (jurisdiction_id, discovered_at);
