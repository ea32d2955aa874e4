-- The daemon counts open and overdue tasks by unit after every tick (the gauges of /metrics).
-- Open tasks are a small part of a table that grows by about a million tasks a year; this index
-- holds only them, so the counts read the open tasks instead of scanning every task ever made.
CREATE INDEX tasks_open_by_unit ON tasks (unit, due_on) WHERE state = 'open';
