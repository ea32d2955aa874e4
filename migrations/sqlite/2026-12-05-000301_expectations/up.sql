-- Expected reports (docs/REFERENCE.md §13). A feed imported with `--covers KIND:LABEL=FROM..TO`
-- declares that it holds every report of KIND for the period: whoever is expected to report and
-- has no report for it missed the period.
CREATE TABLE coverage (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,  -- order of declaration: what a tick has judged
    kind        TEXT NOT NULL,
    label       TEXT NOT NULL,
    from_on     TEXT NOT NULL,
    to_on       TEXT NOT NULL,
    import_id   BIGINT NOT NULL,                   -- the import that first declared it
    declared_at TEXT NOT NULL,
    UNIQUE (kind, label)
);

-- What each expectation has judged: the policy it judged under, the last coverage, permit
-- import and audit event it saw. A tick with nothing newer judges nothing and reads no register.
CREATE TABLE expectation_marks (
    name          TEXT PRIMARY KEY NOT NULL,
    fingerprint   TEXT NOT NULL,
    coverage_seq  BIGINT NOT NULL,
    permit_import BIGINT NOT NULL,
    audit_seq     BIGINT NOT NULL
);

-- The period a signal reports for (`data.period`), kept beside the data so that the reports of
-- a period are compared in SQL.
ALTER TABLE signals ADD COLUMN period TEXT;
UPDATE signals SET period = json_extract(data, '$.period') WHERE json_type(data, '$.period') = 'text';
CREATE INDEX signals_person_kind ON signals (person_id, kind) WHERE person_id IS NOT NULL;
CREATE INDEX signals_number_kind ON signals (pn_hash, kind) WHERE pn_hash IS NOT NULL;

-- A person's linked numbers, found from the person (a report under a replaced number).
CREATE INDEX person_numbers_person ON person_numbers (person_id);

-- The permits an import brought in: a tick judges them (and those the audit trail says an
-- import changed) against the coverage already declared. Import ids only grow, so new entries
-- go to the index's right edge.
CREATE INDEX permits_imported_by ON permits (imported_by) WHERE imported_by IS NOT NULL;
