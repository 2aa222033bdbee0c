-- Webhooks to department back-office systems: subscriptions, the delivery outbox and its
-- attempt log (PostgreSQL).

-- A receiver of events. `secret` is the shared HMAC key: it must be stored to sign
-- deliveries, is shown to the administrator once when created or rotated, and is never
-- returned by the API again. `event_types` is a comma-separated list of event types;
-- `department_code`, when set, limits the subscription to events of that department's cases.
CREATE TABLE webhook_subscriptions (
    id              TEXT PRIMARY KEY,                -- uuid v7
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    name            TEXT NOT NULL,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    event_types     TEXT NOT NULL,
    department_code TEXT,
    active          BOOLEAN NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX webhook_subscriptions_jurisdiction ON webhook_subscriptions (jurisdiction_id, active);

-- The outbox: one row per event and subscription, written in the same transaction as the
-- change that causes it and drained by workers on any node.
-- status: queued | sending | delivered | failed | dead
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,               -- uuid v7; the receiver's idempotency key
    subscription_id  TEXT NOT NULL REFERENCES webhook_subscriptions(id),
    jurisdiction_id  TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    payload          TEXT NOT NULL,                  -- the JSON body, byte for byte as sent
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL,
    next_attempt_at  BIGINT NOT NULL,
    locked_until     BIGINT,
    claim_token      TEXT,
    last_status_code BIGINT,
    last_error       TEXT,
    delivered_at     BIGINT,
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries (subscription_id, id);

-- The delivery log: one row per attempt or event (delivered, retry, dead, gone, failed,
-- redeliver). `detail` is the receiver's answer or the error, redacted and bounded.
CREATE TABLE webhook_attempts (
    id          TEXT PRIMARY KEY,                    -- uuid v7, so ordered by time
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id),
    attempt     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    status_code BIGINT,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    duration_ms BIGINT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
