-- The people who have signed in to the inbox (docs/REFERENCE.md §11), so that a manager hands a
-- task to a person chosen by name rather than to a subject typed from memory: the provider's
-- subject, the name it gave, its groups as of the last sign-in (mapped to grants when the list
-- is shown, by the same rule as every request), and when. A person not signed in for 180 days
-- is removed when a session opens. These are the agency's staff, never permit holders.
CREATE TABLE web_people (
    subject TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    groups TEXT NOT NULL,
    signed_in_at TIMESTAMP NOT NULL
);
CREATE INDEX web_people_by_sign_in ON web_people (signed_in_at);
