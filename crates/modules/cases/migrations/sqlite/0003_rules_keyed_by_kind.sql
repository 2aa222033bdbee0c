-- A rule's id was the key of the whole table, so a routing rule and a triage rule (or the
-- rules of two jurisdictions) could not share an id: saving the second failed. An id is now
-- unique within its jurisdiction and kind.
--
-- And a list an administrator emptied read as never set, so the built-in rules came back:
-- case_rule_sets records that a jurisdiction's list of a kind has been set, even to nothing.
CREATE TABLE case_rules_keyed (
    id              TEXT NOT NULL,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    kind            TEXT NOT NULL,                 -- routing | triage
    position        INTEGER NOT NULL,
    definition      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT NOT NULL,
    PRIMARY KEY (jurisdiction_id, kind, id)
);
INSERT INTO case_rules_keyed (id, jurisdiction_id, kind, position, definition, updated_at, updated_by)
    SELECT id, jurisdiction_id, kind, position, definition, updated_at, updated_by FROM case_rules;
DROP TABLE case_rules;
ALTER TABLE case_rules_keyed RENAME TO case_rules;
CREATE INDEX case_rules_order ON case_rules (jurisdiction_id, kind, position);

CREATE TABLE case_rule_sets (
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions(id),
    kind            TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_id, kind)
);
INSERT INTO case_rule_sets (jurisdiction_id, kind, updated_at)
    SELECT jurisdiction_id, kind, MAX(updated_at) FROM case_rules GROUP BY jurisdiction_id, kind;
