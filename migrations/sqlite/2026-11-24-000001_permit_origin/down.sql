DROP TRIGGER permits_origin_fixed;
ALTER TABLE permits DROP COLUMN imported_by;
