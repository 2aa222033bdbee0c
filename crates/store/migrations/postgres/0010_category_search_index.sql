-- Open311's most common filtered search: one service code in a date range, newest first
-- (ORDER BY requested_at DESC, case_number DESC). Without the case number in the index, the
-- tie-break needed every match in the window read and sorted before the first 100 could be
-- returned; with it the index is walked backwards and the walk stops at 100. Measured on the
-- Taipei import (1.6 M cases, street lights in a 90-day window, 2,453 matches) on PostgreSQL:
-- an index scan backward of 0.3 ms; the uncached search went from 538 to 767 requests/s at one
-- connection and from 1,217 to 1,667 at 64 (bench/run.sh). On SQLite the time goes elsewhere
-- (see bench/README.md), and the index changes nothing measurable.
DROP INDEX cases_category_requested;
CREATE INDEX cases_category_requested ON cases (jurisdiction_id, category_code, requested_at, case_number);
