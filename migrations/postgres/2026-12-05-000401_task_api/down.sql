DROP TABLE api_tokens;
ALTER TABLE audit_events DROP COLUMN actor;
ALTER TABLE tasks DROP COLUMN version;
ALTER TABLE tasks DROP COLUMN closed_by;
ALTER TABLE tasks DROP COLUMN assignee;
