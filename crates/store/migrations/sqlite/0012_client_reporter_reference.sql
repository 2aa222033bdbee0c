-- Open311's `account_id` is a client application's own name for its user (FixMyStreet's user
-- id, an app's device account), not an account of ours. It was stored as the reporter's
-- internal account, so a client could put a case into a citizen's "my cases" and have
-- notifications sent to them, and a filing with an ordinary client id failed. It is now kept
-- as the client's reference for its reporter, prefixed with the client's id
-- (`{api_client_id}:{account_id}`), and never linked to an account.
ALTER TABLE case_reporters ADD COLUMN client_reference TEXT;
-- Reporters filed through Open311 before: the account they named was the client's word only.
UPDATE case_reporters
   SET client_reference = (SELECT c.api_client_id FROM cases c WHERE c.id = case_reporters.case_id)
                          || ':' || account_id,
       account_id = NULL
 WHERE account_id IS NOT NULL
   AND case_id IN (SELECT id FROM cases WHERE api_client_id IS NOT NULL);
