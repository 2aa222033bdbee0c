-- One durable job queue for all deferred work (SQLite). Notification delivery and webhook
-- delivery are two kinds of job; the `notifications` and `webhook_deliveries` rows stay what
-- the jobs work on and what the admin pages show, while the claim, the lease, the attempt
-- count and the time of the next run live here.

-- kind: notify.deliver | webhook.deliver
-- lane: a part of a kind that not every node serves (a notification's channel), or ''
-- status: queued | running | done | dead
CREATE TABLE jobs (
    id              TEXT PRIMARY KEY,                -- uuid v7
    kind            TEXT NOT NULL,
    lane            TEXT NOT NULL,
    subject_id      TEXT,                            -- the row the job works on, if any
    payload         TEXT NOT NULL,                   -- JSON object; '{}' when the subject says all
    jurisdiction_id TEXT,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    run_at          INTEGER NOT NULL,
    locked_until    INTEGER,
    claim_token     TEXT,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX jobs_due ON jobs (status, run_at);
CREATE INDEX jobs_subject ON jobs (kind, subject_id);
CREATE INDEX jobs_jurisdiction ON jobs (jurisdiction_id, status, id);

-- One row per run of a job: its outcome (done, retry, deferred, dead, requeued) and a
-- redacted, bounded detail.
CREATE TABLE job_attempts (
    id      TEXT PRIMARY KEY,                        -- uuid v7, so ordered by time
    job_id  TEXT NOT NULL REFERENCES jobs(id),
    attempt INTEGER NOT NULL,
    at      INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL
);
CREATE INDEX job_attempts_job ON job_attempts (job_id, id);

-- Pending work of the two old outboxes becomes jobs (with the subject's id as the job's id).
-- A row a worker held when the server stopped runs again when that claim would have expired.
INSERT INTO jobs (id, kind, lane, subject_id, payload, jurisdiction_id, status, attempts,
                  run_at, locked_until, claim_token, last_error, created_at, updated_at)
SELECT id, 'notify.deliver', channel, id, '{}', jurisdiction_id, 'queued', attempts,
       CASE WHEN status = 'sending' THEN COALESCE(locked_until, next_attempt_at)
            ELSE next_attempt_at END,
       NULL, NULL, last_error, created_at, updated_at
FROM notifications WHERE status IN ('queued', 'sending');

INSERT INTO jobs (id, kind, lane, subject_id, payload, jurisdiction_id, status, attempts,
                  run_at, locked_until, claim_token, last_error, created_at, updated_at)
SELECT id, 'webhook.deliver', '', id, '{}', jurisdiction_id, 'queued', attempts,
       CASE WHEN status = 'sending' THEN COALESCE(locked_until, next_attempt_at)
            ELSE next_attempt_at END,
       NULL, NULL, last_error, created_at, created_at
FROM webhook_deliveries WHERE status IN ('queued', 'sending');

UPDATE notifications
SET next_attempt_at = COALESCE(locked_until, next_attempt_at), status = 'queued',
    locked_until = NULL, claim_token = NULL
WHERE status = 'sending';
UPDATE webhook_deliveries
SET next_attempt_at = COALESCE(locked_until, next_attempt_at), status = 'queued',
    locked_until = NULL, claim_token = NULL
WHERE status = 'sending';
