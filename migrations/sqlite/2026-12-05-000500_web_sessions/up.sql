-- The inbox's sessions (docs/REFERENCE.md §11), kept in the database so that any instance
-- serves any of them. A session is known by the SHA-256 of its cookie's value, never the value
-- itself; `groups` is the JSON array of the provider's groups, mapped to grants on every
-- request (so a reload of the grants applies to sessions already open); `form_token` is the
-- token every form of the session carries.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    subject TEXT NOT NULL,
    name TEXT NOT NULL,
    groups TEXT NOT NULL,
    form_token TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX web_sessions_by_seen ON web_sessions (seen_at);

-- Sign-ins under way: the provider's `state` (as its SHA-256) leads back to the PKCE verifier,
-- the nonce and the page the person asked for. Taken (deleted) by the callback, so a state is
-- used once; left over ones end after ten minutes.
CREATE TABLE web_sign_ins (
    state_hash TEXT PRIMARY KEY NOT NULL,
    pkce_verifier TEXT NOT NULL,
    nonce TEXT NOT NULL,
    return_to TEXT NOT NULL,
    started_at TEXT NOT NULL
);
