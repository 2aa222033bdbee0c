-- A signed-in citizen's earlier reports are found by the e-mail address they gave
-- (CasesApp::my_cases): looked up as lower(email) within the jurisdiction.
CREATE INDEX case_reporters_email ON case_reporters (jurisdiction_id, lower(email));
