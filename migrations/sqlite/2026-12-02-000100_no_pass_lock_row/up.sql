-- The pass lock is no longer a row that every pass updates first: the store takes an advisory
-- lock (PostgreSQL) or a lock on the file FILE-pass beside the database (SQLite), held across a
-- pass's pieces while requests write in between (docs/REFERENCE.md §9).
DROP TABLE pass_lock;
