-- What is kept of each person named in a Navet notification file, to tell what the next
-- record of the person changed: keyed hashes alone (HMAC-SHA-256 under the privacy key, cut
-- to 64 bits, with the person's salt mixed in), never a name, a date or a number in clear.
CREATE TABLE navet_persons (
    pn_hash             TEXT PRIMARY KEY NOT NULL,  -- the person's number, hashed as permits'
    salt                BIGINT NOT NULL,            -- mixed into each hash below; a replacing number inherits it
    name_hash           BIGINT,                     -- NULL: never given
    birth_date_hash     BIGINT,
    citizenships        TEXT,                       -- one hash a country, sorted, hex, comma-separated
    deregistration_hash BIGINT,                     -- the deregistration in force, its code and replacing number
    emigration_hash     BIGINT,                     -- the last Sarlosning/Utvandring seen
    import_id           BIGINT NOT NULL             -- the import that last changed the row
);

-- Each Navet file read, by the ids its sender gives it: a file delivered again adds nothing.
CREATE TABLE navet_files (
    order_id  TEXT NOT NULL,                        -- BestallningsId
    job_id    BIGINT NOT NULL,                      -- JobbId
    part      BIGINT NOT NULL,                      -- FilNr
    import_id BIGINT NOT NULL,
    records   BIGINT NOT NULL,
    PRIMARY KEY (order_id, job_id, part)
);
