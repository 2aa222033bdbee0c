-- The agents' knowledge base (FAQ entries an administrator maintains and agents search during a
-- call), and the dispatchers' saved queue views (SQLite).

CREATE TABLE knowledge_entries (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    question        TEXT NOT NULL,
    answer          TEXT NOT NULL,
    keywords        TEXT NOT NULL DEFAULT '',      -- free text, e.g. "路燈 報修 燈泡"
    category_code   TEXT,                          -- the category the answer is about, if any
    created_by      TEXT NOT NULL,
    updated_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX knowledge_entries_jurisdiction ON knowledge_entries (jurisdiction_id, updated_at);

-- A named set of queue filters, per staff account: the query string of /work.
CREATE TABLE saved_views (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    account_id      TEXT NOT NULL REFERENCES accounts(id),
    name            TEXT NOT NULL,
    query           TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
