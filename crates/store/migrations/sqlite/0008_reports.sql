-- Supervision statistics (store::reports). Every query is one GROUP BY over an index that
-- covers it, so the dashboard stays fast with millions of imported (closed) cases.

-- Open cases by status: backlog, ageing, and the counts of the overdue and at-risk lists. The
-- closed history is never read, however large.
CREATE INDEX cases_open_stats ON cases (jurisdiction_id, status, department_code, category_code, requested_at, resolution_due_at, sla_state);

-- Resolved cases that had a resolution due date, by resolution time: SLA compliance.
-- Imported history has no due date and is left out of the index.
CREATE INDEX cases_resolved_sla ON cases (jurisdiction_id, closed_at, status, department_code, category_code, expected_at) WHERE expected_at IS NOT NULL;

-- Answered surveys by answer time: satisfaction.
CREATE INDEX case_surveys_answered ON case_surveys (jurisdiction_id, submitted_at, case_id, score) WHERE score IS NOT NULL;
