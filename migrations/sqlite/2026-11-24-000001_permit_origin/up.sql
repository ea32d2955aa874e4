-- The import that first brought a permit into the register. It replaces one `imported` row in
-- audit_events per new permit (a million on an initial load): `history` shows the import from
-- here and from `imports`. Both are kept as the audit rows they replace: the column never
-- changes once the row is written, and an import's record keeps its kind, file and time and
-- is never deleted (only its counts are written, at the end of its own pass).
ALTER TABLE permits ADD COLUMN imported_by BIGINT;
CREATE TRIGGER permits_origin_fixed BEFORE UPDATE OF imported_by ON permits
WHEN NEW.imported_by IS NOT OLD.imported_by
BEGIN SELECT RAISE(ABORT, 'permits.imported_by never changes'); END;
CREATE TRIGGER imports_record_fixed BEFORE UPDATE OF id, kind, file, received_at ON imports
WHEN NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind OR NEW.file IS NOT OLD.file OR NEW.received_at IS NOT OLD.received_at
BEGIN SELECT RAISE(ABORT, 'an import''s record never changes'); END;
CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports
BEGIN SELECT RAISE(ABORT, 'an import''s record never changes'); END;
