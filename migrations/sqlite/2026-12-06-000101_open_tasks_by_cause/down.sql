DROP INDEX tasks_open_by_cause;
