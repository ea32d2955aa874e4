CREATE INDEX tasks_permit_state ON tasks (permit_id, state);
