-- A co-sign (會簽) is no longer a status but runs beside the case's own progress: an open one
-- is cases.cosign_department_code alone. Every request for a co-sign came from acknowledged
-- or in_progress, and its completion led to in_progress, so a case still waiting for its
-- co-sign carries on as in progress. Its events keep the status they recorded.
UPDATE cases SET status = 'in_progress' WHERE status = 'cosign';
