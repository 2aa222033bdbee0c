-- A rule's id was the key of the whole table, so a routing rule and a triage rule (or the
-- rules of two jurisdictions) could not share an id: saving the second failed. An id is now
-- unique within its jurisdiction and kind.
--
-- And a list an administrator emptied read as never set, so the built-in rules came back:
-- case_rule_sets records that a jurisdiction's list of a kind has been set, even to nothing.
ALTER TABLE case_rules DROP CONSTRAINT case_rules_pkey;
ALTER TABLE case_rules ADD PRIMARY KEY (jurisdiction_id, kind, id);

CREATE TABLE case_rule_sets (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    kind            TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_id, kind)
);
INSERT INTO case_rule_sets (jurisdiction_id, kind, updated_at)
    SELECT jurisdiction_id, kind, MAX(updated_at) FROM case_rules GROUP BY jurisdiction_id, kind;
