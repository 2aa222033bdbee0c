-- Passkeys (WebAuthn credentials) of an account, named by their owner. `credential` is the
-- webauthn-rs Passkey (public key, algorithm, signature counter) as JSON; the counter is
-- rewritten after each use. Revoking deletes the row (the audit trail keeps the event).
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    credential_id TEXT NOT NULL UNIQUE,   -- hex, as the authenticator names it
    name          TEXT NOT NULL,
    credential    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT
);
CREATE INDEX passkeys_account ON passkeys (account_id);

-- A passkey ceremony begun and not yet finished: the challenge its answer must sign, kept
-- server-side (any node may finish it) for five minutes and taken exactly once.
CREATE TABLE passkey_ceremonies (
    id_hash    TEXT PRIMARY KEY,           -- SHA-256 of the token the browser holds
    purpose    TEXT NOT NULL,              -- register | sign_in | second_factor
    account_id TEXT REFERENCES accounts(id),
    state      TEXT NOT NULL,              -- webauthn-rs ceremony state, JSON
    expires_at BIGINT NOT NULL
);

-- A role may require its holders' second factor to be a passkey (phishing-resistant).
ALTER TABLE role_policies ADD COLUMN require_passkey BOOLEAN NOT NULL DEFAULT FALSE;
