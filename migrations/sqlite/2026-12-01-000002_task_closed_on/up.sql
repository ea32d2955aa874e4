-- The local date a task was closed on (in schedule.timezone, as created_on is), so that `report`
-- counts closings and days to close by date. Tasks closed before this column existed get the
-- UTC date of their closing instant.
ALTER TABLE tasks ADD COLUMN closed_on TEXT;
UPDATE tasks SET closed_on = substr(closed_at, 1, 10) WHERE closed_at IS NOT NULL;
CREATE INDEX tasks_closed_on ON tasks (closed_on) WHERE closed_on IS NOT NULL;
