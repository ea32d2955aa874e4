CREATE INDEX tasks_unit_created ON tasks (unit, created_on);
