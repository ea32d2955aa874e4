-- The import that first brought a permit into the register. It replaces one `imported` row in
-- audit_events per new permit (a million on an initial load): `history` shows the import from
-- here and from `imports`. Both are kept as the audit rows they replace: the column never
-- changes once the row is written, and an import's record keeps its kind, file and time and
-- is never deleted (only its counts are written, at the end of its own pass).
ALTER TABLE permits ADD COLUMN imported_by BIGINT;
CREATE FUNCTION permits_origin_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'permits.imported_by never changes'; END $$;
CREATE TRIGGER permits_origin_fixed BEFORE UPDATE OF imported_by ON permits
FOR EACH ROW WHEN (NEW.imported_by IS DISTINCT FROM OLD.imported_by)
EXECUTE FUNCTION permits_origin_fixed();
CREATE FUNCTION imports_record_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'an import''s record never changes'; END $$;
CREATE TRIGGER imports_record_fixed BEFORE UPDATE ON imports
FOR EACH ROW WHEN (NEW.kind IS DISTINCT FROM OLD.kind OR NEW.file IS DISTINCT FROM OLD.file
                   OR NEW.received_at IS DISTINCT FROM OLD.received_at OR NEW.id IS DISTINCT FROM OLD.id)
EXECUTE FUNCTION imports_record_fixed();
CREATE TRIGGER imports_no_delete BEFORE DELETE ON imports
FOR EACH ROW EXECUTE FUNCTION imports_record_fixed();
