-- Notification delivery: the outbox, its delivery log, admin-edited templates, citizens'
-- channel preferences and per-jurisdiction daily counters (PostgreSQL).

-- The outbox. A row is written in the same transaction as the change that causes it and is
-- drained by workers on any node. Each row is one message to one address on one channel.
-- status: queued | sending | sent | delivered | failed | dead | suppressed
CREATE TABLE notifications (
    id                  TEXT PRIMARY KEY,                -- uuid v7
    jurisdiction_id     TEXT NOT NULL REFERENCES jurisdictions(id),
    account_id          TEXT,                            -- set when sent to an account
    channel             TEXT NOT NULL,                   -- email | sms
    address             TEXT NOT NULL,                   -- e-mail address or E.164 number
    template            TEXT NOT NULL,
    locale              TEXT NOT NULL,
    vars                TEXT NOT NULL,                   -- JSON object; emptied once final
    urgent              BOOLEAN NOT NULL,
    status              TEXT NOT NULL,
    attempts            BIGINT NOT NULL,
    next_attempt_at     BIGINT NOT NULL,
    locked_until        BIGINT,
    claim_token         TEXT,
    sent_at             BIGINT,
    provider_message_id TEXT,
    last_error          TEXT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_jurisdiction ON notifications (jurisdiction_id, created_at);
CREATE INDEX notifications_account ON notifications (account_id, created_at);

-- The delivery log: one row per attempt or event (sent, retry, dead, deferred, receipt).
-- `detail` never holds an address, a phone number or the message body.
CREATE TABLE notification_attempts (
    id              TEXT PRIMARY KEY,                -- uuid v7, so ordered by time
    notification_id TEXT NOT NULL REFERENCES notifications(id),
    attempt         BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    outcome         TEXT NOT NULL,
    detail          TEXT NOT NULL
);
CREATE INDEX notification_attempts_notification ON notification_attempts (notification_id, id);

-- Admin overrides of the built-in templates, per jurisdiction, key, locale and channel.
CREATE TABLE notification_templates (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    key             TEXT NOT NULL,
    locale          TEXT NOT NULL,
    channel         TEXT NOT NULL,                   -- email | sms
    subject         TEXT,                            -- email only
    body            TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    updated_by      TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, key, locale, channel)
);

-- A citizen's choice of channels ("email", "sms", "email,sms" or "none") and quiet hours for
-- non-urgent messages, in minutes of the local day; equal start and end mean none.
CREATE TABLE notification_preferences (
    account_id      TEXT PRIMARY KEY REFERENCES accounts(id),
    jurisdiction_id TEXT NOT NULL,
    channels        TEXT NOT NULL,
    quiet_start     BIGINT NOT NULL,
    quiet_end       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Messages sent per jurisdiction, local day (YYYYMMDD) and channel, for the daily caps.
CREATE TABLE notification_daily_counts (
    jurisdiction_id TEXT NOT NULL,
    day             TEXT NOT NULL,
    channel         TEXT NOT NULL,
    count           BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, day, channel)
);
