DROP TRIGGER imports_no_delete ON imports;
DROP TRIGGER imports_record_fixed ON imports;
DROP FUNCTION imports_record_fixed();
DROP TRIGGER permits_origin_fixed ON permits;
DROP FUNCTION permits_origin_fixed();
ALTER TABLE permits DROP COLUMN imported_by;
