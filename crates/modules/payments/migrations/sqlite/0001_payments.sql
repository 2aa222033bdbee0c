-- Payments: what a module (or a clerk, or a department's system) asked to be paid, where it
-- is (`created → started → submitted → success | failed | cancelled | expired`), and how it was
-- paid. The row is the materialised state; `payment_events` is the source of truth.
CREATE TABLE payments (
    id               TEXT PRIMARY KEY,       -- random, unguessable: the payer's pages are /pay/{id}
    jurisdiction_id  TEXT NOT NULL REFERENCES jurisdictions(id),
    trade_no         TEXT NOT NULL UNIQUE,   -- MerchantTradeNo / merchantOrderNo: 20 letters and digits
    owner            TEXT NOT NULL,          -- who asked: a module's key, `link` (staff), `api`
    reference        TEXT NOT NULL,          -- the asker's own reference (an application's number)
    description      TEXT NOT NULL,
    amount           BIGINT NOT NULL,        -- whole NT$
    return_url       TEXT NOT NULL,          -- where the payer goes after the outcome
    payer_account_id TEXT,                   -- the citizen paying, when known
    language         TEXT NOT NULL,          -- the payer's language (zh-TW, en)
    channel          TEXT NOT NULL,          -- online | counter
    method           TEXT,                   -- ecpay | wallet | cash, once chosen
    state            TEXT NOT NULL,
    provider_ref     TEXT,                   -- ECPay TradeNo, the wallet's transaction, a cash receipt number
    payment_type     TEXT,                   -- ECPay PaymentType (Credit_CreditCard, ATM_TAISHIN, …)
    carrier_kind     TEXT,                   -- e-invoice carrier: 3J0002 | CQ0001 | donation
    carrier_id       TEXT,
    refunded         BIGINT NOT NULL DEFAULT 0,
    retry_of         TEXT REFERENCES payments(id),
    failure          TEXT,                   -- the provider's code and words for a failure
    created_by       TEXT NOT NULL,          -- who asked, as the audit trail names them
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    expires_at       BIGINT NOT NULL,        -- unpaid after this, it expires (once the gateway agrees)
    submitted_at     BIGINT,
    settled_at       BIGINT,
    checked_at       BIGINT,                 -- the last time reconciliation asked the provider
    provider_status  TEXT,                   -- what the provider last said: paid | unpaid | failed | cancelled | unknown
    provider_amount  BIGINT                  -- and the amount it holds as paid
);
-- One unfinished payment per asker and reference: asking again (a double click) finds it.
CREATE UNIQUE INDEX payments_open_reference ON payments (jurisdiction_id, owner, reference)
    WHERE state IN ('created', 'started', 'submitted');
CREATE INDEX payments_by_jurisdiction ON payments (jurisdiction_id, created_at);
CREATE INDEX payments_unsettled ON payments (state, submitted_at, id);
CREATE INDEX payments_settled ON payments (jurisdiction_id, settled_at);
CREATE INDEX payments_by_reference ON payments (jurisdiction_id, reference);
-- A cash receipt number is used once per jurisdiction.
CREATE UNIQUE INDEX payments_receipt ON payments (jurisdiction_id, method, provider_ref)
    WHERE provider_ref IS NOT NULL;

-- Every trade number a payment was handed to a provider under. A payment left on the cashier
-- page goes on under a new number, and the gateway may still settle the old one: its notice
-- finds the payment here.
CREATE TABLE payment_trades (
    trade_no   TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX payment_trades_by_payment ON payment_trades (payment_id);

-- Every change to a payment, append-only and hash-chained per jurisdiction (like case events).
CREATE TABLE payment_events (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    chain_seq       BIGINT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    payment_id      TEXT NOT NULL REFERENCES payments(id),
    kind            TEXT NOT NULL,           -- created, started, submitted, paid, failed, cancelled, expired, refunded, …
    actor           TEXT NOT NULL,           -- a person's label, or the provider (`ecpay`, `wallet`, `reconciliation`)
    from_state      TEXT,
    to_state        TEXT,
    amount          BIGINT,                  -- a refund's amount
    data            TEXT NOT NULL,           -- JSON: what the provider said
    created_at      BIGINT NOT NULL,
    UNIQUE (jurisdiction_id, chain_seq)
);
CREATE INDEX payment_events_by_payment ON payment_events (payment_id, chain_seq);
CREATE TABLE payment_event_chains (
    jurisdiction_id TEXT PRIMARY KEY,
    seq             BIGINT NOT NULL,
    head_hash       TEXT NOT NULL
);

-- Every server notice a gateway sent, as received, and what was done with it: settled, a
-- duplicate, or refused (and why). The log a finance office and an engineer read.
CREATE TABLE payment_notices (
    id          TEXT PRIMARY KEY,
    provider    TEXT NOT NULL,
    trade_no    TEXT,
    payment_id  TEXT,
    outcome     TEXT NOT NULL,
    body        TEXT NOT NULL,               -- the form as sent (at most 4 kB kept)
    received_at BIGINT NOT NULL
);
CREATE INDEX payment_notices_by_trade ON payment_notices (trade_no, received_at);
CREATE INDEX payment_notices_by_time ON payment_notices (received_at);

-- Refunds: through the provider where it can, otherwise made by hand and recorded with a reason.
CREATE TABLE payment_refunds (
    id              TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL,
    payment_id      TEXT NOT NULL REFERENCES payments(id),
    amount          BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    how             TEXT NOT NULL,           -- gateway | wallet | manual
    state           TEXT NOT NULL,           -- pending (asked of the provider, money reserved) | done | refused
    provider_ref    TEXT,                    -- the provider's refund id, if any
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX payment_refunds_by_payment ON payment_refunds (payment_id);
CREATE INDEX payment_refunds_by_time ON payment_refunds (jurisdiction_id, created_at);
