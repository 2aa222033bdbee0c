-- The breach register (PDPA art. 12 as amended in 2025): one row per breach of personal data,
-- kept at least five years, with when each duty was done. Every change is also an audit record.
CREATE TABLE breaches (
    id                    TEXT PRIMARY KEY,
    jurisdiction_id       TEXT NOT NULL REFERENCES jurisdictions(id),
    discovered_at         BIGINT NOT NULL,
    summary               TEXT NOT NULL,
    data                  TEXT NOT NULL,       -- JSON array of data-category keys
    records               BIGINT NOT NULL,
    system_records        BIGINT NOT NULL,
    special               BOOLEAN NOT NULL,
    encrypted             BOOLEAN NOT NULL,
    contained_at          BIGINT,
    subjects_notified_at  BIGINT,
    notified_how          TEXT,                -- individually | public_notice
    authority_reported_at BIGINT,
    closed_at             BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX breaches_jurisdiction ON breaches (jurisdiction_id, discovered_at);
