-- A permit's review series moves out of the register into a narrow table of its own, one row
-- per permit. A tick moves the next review of every permit it creates a task for: rewriting
-- these short rows and the due index costs a fraction of rewriting the register's wide rows,
-- and leaves the register's indexes (key, person, personal number) untouched.
CREATE TABLE reviews (
    permit_id     TEXT PRIMARY KEY NOT NULL, -- permits.permit_id, one row each
    occasion      DATE,                      -- the next occasion without a task
    due_on        DATE,                      -- occasion - lead_time; NULL: nothing to schedule
    last_occasion DATE                       -- the latest occasion that got a task
);
INSERT INTO reviews (permit_id, occasion, due_on, last_occasion)
SELECT permit_id, review_occasion, review_due_on, last_review_occasion FROM permits;
CREATE INDEX reviews_due ON reviews (due_on) WHERE due_on IS NOT NULL;
ALTER TABLE permits DROP COLUMN review_occasion;
ALTER TABLE permits DROP COLUMN review_due_on;
ALTER TABLE permits DROP COLUMN last_review_occasion;
-- Every tick rewrites the reviews it moves: autovacuum reclaims their old versions after a few
-- thousand, not after a fifth of the table. (The tick itself marks their old index entries
-- dead at once: storage::permits::after_moving_reviews.)
ALTER TABLE reviews SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000);
