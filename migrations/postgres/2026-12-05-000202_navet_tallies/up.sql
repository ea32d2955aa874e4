-- The signals derived from Navet files so far, by kind: what /metrics shows, read in one short
-- query after each tick instead of a count over every signal.
CREATE TABLE navet_tallies (
    kind    TEXT PRIMARY KEY NOT NULL,
    signals BIGINT NOT NULL
);
