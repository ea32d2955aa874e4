-- The permit's ground on each task, as it was when the task was created: `report` counts the
-- tasks of a period by ground from the tasks alone (one pass over them, no lookup of each
-- task's permit), and a permit whose ground changes later does not move last year's figures.
-- Tasks from before this column get their permit's ground now.
ALTER TABLE tasks ADD COLUMN ground TEXT NOT NULL DEFAULT '';
UPDATE tasks t SET ground = p.ground FROM permits p WHERE p.permit_id = t.permit_id;
ALTER TABLE tasks ALTER COLUMN ground DROP DEFAULT;
