-- The claim columns of the two outboxes from before the job queue (0014): the jobs hold the
-- claim and the lease now, and nothing reads or writes these (SQLite). No index covers them.
ALTER TABLE notifications DROP COLUMN locked_until;
ALTER TABLE notifications DROP COLUMN claim_token;
ALTER TABLE webhook_deliveries DROP COLUMN locked_until;
ALTER TABLE webhook_deliveries DROP COLUMN claim_token;
