DROP TRIGGER permits_origin_fixed ON permits;
DROP FUNCTION permits_origin_fixed();
ALTER TABLE permits DROP COLUMN imported_by;
