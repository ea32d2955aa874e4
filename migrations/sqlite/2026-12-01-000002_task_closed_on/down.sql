DROP INDEX tasks_closed_on;
ALTER TABLE tasks DROP COLUMN closed_on;
