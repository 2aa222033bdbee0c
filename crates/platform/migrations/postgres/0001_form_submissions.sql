-- A form sent twice (a reload, a double click, the back button) makes its thing once: each
-- form carries a random submission key; the first request claims it here, the others wait for
-- and show the same answer (platform::submissions). The key itself is never stored: `id` is
-- its SHA-256, and the answer is sealed with a key derived from it.
CREATE TABLE form_submissions (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    sealed TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX form_submissions_expiry ON form_submissions (expires_at);
