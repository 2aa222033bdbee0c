-- The work queue's order, stored with the case so that an index can hold it. See the SQLite
-- migration of the same number for why; PostgreSQL stores generated columns (it has no
-- virtual ones), so adding them rewrites the table once.
ALTER TABLE cases
    ADD COLUMN queue_rank INTEGER GENERATED ALWAYS AS (
        CASE WHEN status IN ('resolved', 'closed', 'rejected', 'duplicate', 'external') THEN NULL
             WHEN sla_state = 'breached' THEN 0
             WHEN sla_state = 'at_risk' THEN 1
             ELSE 2 END) STORED,
    ADD COLUMN queue_due BIGINT GENERATED ALWAYS AS (
        coalesce(resolution_due_at, 4611686018427387903)) STORED;
CREATE INDEX cases_queue_by_due ON cases (jurisdiction_id, queue_due, case_number, department_code)
    WHERE queue_rank IS NOT NULL;
CREATE INDEX cases_queue_by_risk ON cases (jurisdiction_id, queue_rank, queue_due, case_number, department_code)
    WHERE queue_rank IS NOT NULL;
