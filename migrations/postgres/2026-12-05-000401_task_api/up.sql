-- The task API (docs/REFERENCE.md §10). A task gains who holds it (`assignee`), who closed it
-- (`closed_by`) and a `version` that every change raises, so that a caller can say "close it
-- only if nobody changed it since I read it" (If-Match). Every audit event gains its actor: the
-- subject of a person's token, `token:NAME`, `cli:USER`, or `system` for what the follow-up
-- does itself (every event before this migration was the follow-up's or the command line's,
-- which did not say who). A column with a constant default is added without rewriting the
-- table, and without touching the audit rows' append-only trigger.
ALTER TABLE tasks ADD COLUMN assignee TEXT;
ALTER TABLE tasks ADD COLUMN closed_by TEXT;
ALTER TABLE tasks ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN actor TEXT NOT NULL DEFAULT 'system';

-- API tokens of systems (the case-management system): only the SHA-256 of the secret is kept;
-- the secret is shown once, when the token is made. `units` is a JSON list (`["*"]`: all).
CREATE TABLE api_tokens (
    name       TEXT PRIMARY KEY NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    units      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_on DATE,
    revoked_at TIMESTAMP
);
