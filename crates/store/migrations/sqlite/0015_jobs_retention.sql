-- Finished jobs are removed after a while (`[jobs] keep_done_days`); the worker loops find
-- them by status and the time they finished (SQLite).
CREATE INDEX jobs_finished ON jobs (status, updated_at);
