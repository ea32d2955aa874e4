-- A newly covered period judges the holders with an open task of an expectation who missed it
-- (docs/REFERENCE.md §13.3): read from that cause's open tasks, which are few beside the
-- register, instead of from every permit of the expectation's grounds.
CREATE INDEX tasks_open_by_cause ON tasks (cause, permit_id) WHERE state = 'open';
