-- The 1999 agent's desk: the contact log, the out-call (caring call) queue, callers flagged as
-- needing care, and a normalised key of each reporter's phone number for caller lookup (PostgreSQL).
-- Phone numbers here are keys from domain::desk::CallerNumber: E.164 for mobiles
-- (+886912345678), national digits with the area code for landlines (0227208889).

-- Reporters' numbers as keys, set at intake. Rows from before this migration get a
-- best-effort key from the common ways of writing a number (separators, +886, 09…).
ALTER TABLE case_reporters ADD COLUMN phone_key TEXT;
CREATE INDEX case_reporters_phone_key ON case_reporters (jurisdiction_id, phone_key);
CREATE INDEX case_reporters_account ON case_reporters (jurisdiction_id, account_id);
UPDATE case_reporters
SET phone_key = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(phone, ' ', ''), '-', ''), '(', ''), ')', ''), '.', ''), '+', '')
WHERE phone IS NOT NULL;
UPDATE case_reporters
SET phone_key = CASE
    WHEN phone_key LIKE '8869%' AND LENGTH(phone_key) = 12 THEN '+' || phone_key
    WHEN phone_key LIKE '88609%' AND LENGTH(phone_key) = 13 THEN '+886' || SUBSTR(phone_key, 5)
    WHEN phone_key LIKE '09%' AND LENGTH(phone_key) = 10 THEN '+886' || SUBSTR(phone_key, 2)
    WHEN phone_key LIKE '8860%' AND LENGTH(phone_key) BETWEEN 11 AND 13 THEN SUBSTR(phone_key, 4)
    WHEN phone_key LIKE '886%' AND LENGTH(phone_key) BETWEEN 10 AND 12 THEN '0' || SUBSTR(phone_key, 4)
    WHEN phone_key LIKE '0%' AND LENGTH(phone_key) BETWEEN 8 AND 11 THEN phone_key
    ELSE NULL
END
WHERE phone_key IS NOT NULL;

-- Calls that create no case (consulting, transfers, informing, 110/119 redirects), and
-- dispatch calls with the case they created.
CREATE TABLE contacts (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    agent_id        TEXT NOT NULL,
    caller_phone    TEXT NOT NULL,                 -- personal data: a caller-number key
    service_type    TEXT NOT NULL,                 -- consult | transfer | inform | emergency | dispatch
    category_code   TEXT,
    case_number     TEXT,
    summary         TEXT NOT NULL,
    emergency_kind  TEXT,                          -- 110 | 119
    created_at      BIGINT NOT NULL
);
CREATE INDEX contacts_phone ON contacts (jurisdiction_id, caller_phone, created_at);
CREATE INDEX contacts_recent ON contacts (jurisdiction_id, created_at);

-- Caring calls to make: after a low satisfaction score, a reopen, a resolved P1 case, or a new
-- case from a caller flagged as needing care. One agent holds a call at a time.
CREATE TABLE outcalls (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    case_id         TEXT REFERENCES cases(id),
    case_number     TEXT,
    citizen_phone   TEXT,                          -- personal data: a caller-number key
    reason          TEXT NOT NULL,                 -- low_satisfaction | reopened | p1_follow_up | needs_care
    status          TEXT NOT NULL,                 -- queued | claimed | done
    claimed_by      TEXT,
    claimed_at      BIGINT,
    outcome         TEXT,                          -- reached | no_answer | wrong_number | declined
    note            TEXT,
    due_at          BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    done_at         BIGINT
);
CREATE INDEX outcalls_queue ON outcalls (jurisdiction_id, status, due_at);
CREATE INDEX outcalls_case ON outcalls (case_id, reason, status);

-- Callers an agent flagged as needing care (elderly, living alone, repeated distress): a new
-- case from the number queues a caring call.
CREATE TABLE care_flags (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    phone           TEXT NOT NULL,                 -- personal data: a caller-number key
    note            TEXT NOT NULL,
    flagged_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, phone)
);
