-- Notices staff post; a job publishes each (`example.publish`).
CREATE TABLE example_notices (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    title TEXT NOT NULL,
    posted_at INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX example_notices_by_jurisdiction ON example_notices (jurisdiction_id, posted_at);
