-- The city identity provider a session was signed in through, if it was: signing out ends the
-- provider's session too (OpenID Connect RP-Initiated Logout).
ALTER TABLE sessions ADD COLUMN login_provider TEXT;
