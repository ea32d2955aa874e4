ALTER TABLE signals DROP COLUMN tried_at_import;
