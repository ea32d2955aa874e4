DROP TRIGGER imports_no_delete;
DROP TRIGGER imports_record_fixed;
DROP TRIGGER permits_origin_fixed;
ALTER TABLE permits DROP COLUMN imported_by;
