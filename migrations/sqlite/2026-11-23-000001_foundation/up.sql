-- The register, the tasks it produces and the audit trail. Dates are ISO text (YYYY-MM-DD),
-- timestamps UTC text; both sort as text.

CREATE TABLE permits (
    permit_id            TEXT PRIMARY KEY NOT NULL,
    person_id            TEXT NOT NULL,
    pn_hash              TEXT,               -- HMAC-SHA-256 of the personal number, never the number
    ground               TEXT NOT NULL,
    valid_from           TEXT NOT NULL,
    valid_until          TEXT,
    status               TEXT NOT NULL,
    unit                 TEXT,
    employer_org_no      TEXT,
    institution          TEXT,
    review_occasion      TEXT,               -- the next occasion without a task
    review_due_on        TEXT,               -- review_occasion - lead_time; NULL: nothing to schedule
    last_review_occasion TEXT,               -- the latest occasion that got a task
    updated_at           TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX permits_review_due ON permits (review_due_on) WHERE review_due_on IS NOT NULL;
CREATE INDEX permits_person ON permits (person_id);
CREATE INDEX permits_pn_hash ON permits (pn_hash) WHERE pn_hash IS NOT NULL;

-- What the stored review dates were computed with, per ground: a policy change recomputes them.
CREATE TABLE ground_schedules (
    ground      TEXT PRIMARY KEY NOT NULL,
    fingerprint TEXT NOT NULL
);

-- Personal numbers that replaced a person's number (birth_date_changed): matched like the
-- number on the person's permits.
CREATE TABLE person_numbers (
    pn_hash   TEXT PRIMARY KEY NOT NULL,
    person_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE tasks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id   TEXT NOT NULL,
    cause       TEXT NOT NULL,
    occasion    TEXT NOT NULL,
    unit        TEXT NOT NULL,
    priority    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    evidence    TEXT NOT NULL,               -- JSON
    created_on  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    state       TEXT NOT NULL,
    outcome     TEXT,
    note        TEXT,
    closed_at   TEXT,
    digest_id   BIGINT,
    notified_at TEXT,
    UNIQUE (permit_id, cause, occasion)
);
CREATE INDEX tasks_unit_created ON tasks (unit, created_on);
CREATE INDEX tasks_permit_state ON tasks (permit_id, state);
CREATE INDEX tasks_unnotified ON tasks (unit) WHERE notified_at IS NULL;

CREATE TABLE imports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    file        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    inserted    BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    unchanged   BIGINT NOT NULL,
    duplicates  BIGINT NOT NULL,
    rejected    BIGINT NOT NULL
);

CREATE TABLE rejects (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    import_id  BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    file       TEXT NOT NULL,
    line       BIGINT NOT NULL,
    field      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    record_key TEXT                          -- permit or signal id when readable; never a personal number
);

CREATE TABLE audit_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    permit_id TEXT NOT NULL,
    at        TEXT NOT NULL,
    event     TEXT NOT NULL,
    task_id   BIGINT,
    detail    TEXT NOT NULL
);
CREATE INDEX audit_events_permit ON audit_events (permit_id, id);
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE signals (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- order of receipt
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    person_id    TEXT,
    pn_hash      TEXT,
    new_pn_hash  TEXT,                             -- birth_date_changed: the replacing number, hashed
    occurred_on  TEXT NOT NULL,
    data         TEXT NOT NULL,                    -- JSON, personal numbers removed
    import_id    BIGINT NOT NULL,
    received_at  TEXT NOT NULL,
    received_on  TEXT NOT NULL,                    -- local date of receipt: unmatched_after counts from it
    state        TEXT NOT NULL,
    processed_at TEXT,
    outcome      TEXT                              -- what came of it, or why no task
);
CREATE INDEX signals_state ON signals (state, seq);

CREATE TABLE digests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    unit        TEXT NOT NULL,
    message_id  TEXT NOT NULL UNIQUE,
    recipients  TEXT NOT NULL,                   -- JSON list
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,                   -- text/plain, kept so that a retry sends the same message
    html        TEXT NOT NULL,
    task_count  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL,                   -- pending, sent
    attempts    INTEGER NOT NULL,
    last_error  TEXT,
    sent_at     TEXT,
    claimed_until TEXT                      -- a sender's lease: another instance waits until it passes
);
CREATE INDEX digests_state ON digests (state);

-- One row that every pass (import, tick, notify) updates first: passes of several processes or
-- daemon instances run one at a time, whatever the engine.
CREATE TABLE pass_lock (
    name   TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL
);
INSERT INTO pass_lock (name, holder) VALUES ('pass', '');
