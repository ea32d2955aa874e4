-- Tasks created per unit and ISO week (by its Monday): what weekly capacity is checked against.
-- Kept by every insert of tasks, in the same transaction, so that a tick reads a handful of
-- rows instead of counting the week's tasks, however many a catch-up created.
CREATE TABLE week_tasks (
    unit  TEXT NOT NULL,
    week  TEXT NOT NULL,
    tasks BIGINT NOT NULL,
    PRIMARY KEY (unit, week)
) WITHOUT ROWID;
INSERT INTO week_tasks (unit, week, tasks)
SELECT unit, date(created_on, 'weekday 0', '-6 days'), COUNT(*) FROM tasks GROUP BY 1, 2;
