-- Notices staff post; a job publishes each (`example.publish`).
CREATE TABLE example_notices (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    title TEXT NOT NULL,
    posted_at BIGINT NOT NULL,
    published_at BIGINT
);
CREATE INDEX example_notices_by_jurisdiction ON example_notices (jurisdiction_id, posted_at);
