//! Opening an SQLite file only to read it — on a read-only mount, a backup copy, a file the
//! user may not write — so that the commands that only read (`tasks`, `signals`, `history`,
//! `rejects`) work where writing is impossible. Such a connection sets nothing that writes
//! (no journal mode, no migration); a schema that is not up to date is an error, since it
//! cannot be migrated there. PostgreSQL needs no such thing: its server does the writing.
//!
//! A file in write-ahead-log mode needs its shared-memory file (`-shm`) beside it, which a
//! read-only folder cannot get. When it is missing and cannot be made, no process has the
//! file open (each would have made it), and none can start writing, so the file is read as
//! immutable: without locks, which is then safe.

use super::{connect_with, needs_migration, AnyConnection, DatabaseTimeouts, Engine, SQLITE_CACHE_KIB};
use anyhow::Context;
use diesel::connection::SimpleConnection;
use diesel::Connection;

/// A connection that only reads the database of `engine`.
pub fn connect_read_only(engine: &Engine, timeouts: &DatabaseTimeouts) -> anyhow::Result<AnyConnection> {
    let Engine::Sqlite(path) = engine else { return connect_with(engine, timeouts) };
    let uri = format!("file:{}?mode=ro", uri_path(&path.to_string_lossy()));
    let mut c = diesel::SqliteConnection::establish(&uri)
        .and_then(|mut c| {
            c.batch_execute("SELECT COUNT(*) FROM sqlite_master")
                .map(|()| c)
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        })
        .or_else(|_| diesel::SqliteConnection::establish(&format!("{uri}&immutable=1")))
        .with_context(|| format!("cannot open {} for reading", engine.describe()))?;
    c.batch_execute(&format!(
        "PRAGMA busy_timeout = {}; PRAGMA cache_size = -{SQLITE_CACHE_KIB};",
        timeouts.lock.as_millis()
    ))?;
    let mut conn = AnyConnection::Sqlite(c);
    if needs_migration(&mut conn)? {
        anyhow::bail!(
            "the schema of {} is not up to date, and the file can only be read: run `permit-followup migrate` where it can be written",
            engine.describe()
        );
    }
    Ok(conn)
}

/// A path as SQLite's `file:` URIs want it: `%`, `?` and `#` escaped.
fn uri_path(path: &str) -> String {
    path.replace('%', "%25").replace('?', "%3f").replace('#', "%23")
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;

    #[test]
    fn a_read_only_connection_reads_and_refuses_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a #b?%.db");
        let engine = Engine::Sqlite(path.clone());
        super::super::migrate(&mut super::super::connect(&engine).unwrap()).unwrap();
        let mut ro = connect_read_only(&engine, &DatabaseTimeouts::default()).unwrap();
        assert!(super::super::bulk::register_is_empty(&mut ro).unwrap());
        let write = diesel::sql_query("UPDATE pass_lock SET holder = 'x'").execute(&mut ro).unwrap_err();
        assert!(write.to_string().contains("readonly"), "{write}");
    }

    #[test]
    fn a_missing_file_is_not_created_when_only_read() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::Sqlite(dir.path().join("none.db"));
        let e = connect_read_only(&engine, &DatabaseTimeouts::default()).err().unwrap().to_string();
        assert!(e.contains("none.db"), "{e}");
        assert!(!dir.path().join("none.db").exists());
    }
}
