-- No query looks tasks up by unit and creation day: the weekly counts (`week_tasks`) answer
-- capacity, and `plan` and `report` read `tasks` whole. The index cost every task created an
-- entry (about a tenth of the insert on PostgreSQL: 27 ms of a month's 19,489 expectation tasks).
DROP INDEX tasks_unit_created;
