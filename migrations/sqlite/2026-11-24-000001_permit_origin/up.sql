-- The import that first brought a permit into the register. It replaces one `imported` row in
-- audit_events per new permit (a million on an initial load): `history` shows the import from
-- here and from `imports`. Once set it never changes, like the audit rows it replaces.
ALTER TABLE permits ADD COLUMN imported_by BIGINT;
CREATE TRIGGER permits_origin_fixed BEFORE UPDATE OF imported_by ON permits
WHEN OLD.imported_by IS NOT NULL AND NEW.imported_by IS NOT OLD.imported_by
BEGIN SELECT RAISE(ABORT, 'permits.imported_by never changes'); END;
