DROP INDEX tasks_open_by_unit;
CREATE INDEX tasks_open_by_unit ON tasks (unit, due_on) WHERE state = 'open';
