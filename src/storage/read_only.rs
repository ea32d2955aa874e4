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

use super::{AnyConnection, Engine, Error, Result};
use diesel::connection::SimpleConnection;
use diesel::Connection;

/// Opens the SQLite file of `engine` only to read it (the pool of a read-only `Store` calls
/// this; its session then sets only the busy timeout and the page cache).
pub(crate) fn establish_read_only(engine: &Engine) -> Result<AnyConnection> {
    let Engine::Sqlite(path) = engine else {
        return Err(Error::Unreachable(format!("{} is not an SQLite file", engine.describe())));
    };
    let uri = format!("file:{}?mode=ro", uri_path(&path.to_string_lossy()));
    diesel::SqliteConnection::establish(&uri)
        .and_then(|mut c| {
            c.batch_execute("SELECT COUNT(*) FROM sqlite_master")
                .map(|()| c)
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        })
        .or_else(|_| diesel::SqliteConnection::establish(&format!("{uri}&immutable=1")))
        .map(AnyConnection::Sqlite)
        .map_err(|e| Error::Unreachable(format!("cannot open {} for reading: {e}", engine.describe())))
}

/// A path as SQLite's `file:` URIs want it: `%`, `?` and `#` escaped.
fn uri_path(path: &str) -> String {
    path.replace('%', "%25").replace('?', "%3f").replace('#', "%23")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{DatabaseTimeouts, Options, Store};
    use diesel::RunQueryDsl;

    fn read_only(engine: &Engine) -> Result<Store> {
        let store = Store::open_with(
            engine,
            DatabaseTimeouts::default(),
            Options { read_only: true, ..Options::default() },
        )?;
        store.ensure_schema(false)?;
        Ok(store)
    }

    #[test]
    fn a_read_only_store_reads_and_refuses_to_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a #b?%.db");
        let engine = Engine::Sqlite(path.clone());
        Store::open(&engine, DatabaseTimeouts::default()).unwrap().migrate().unwrap();
        let ro = read_only(&engine).unwrap();
        assert!(ro.read(crate::storage::bulk::register_is_empty).unwrap());
        let write = ro
            .request(|tx| {
                diesel::sql_query("UPDATE imports SET file = 'x'").execute(tx.conn).map_err(Error::from)
            })
            .unwrap_err();
        assert!(write.to_string().contains("readonly"), "{write}");
    }

    #[test]
    fn a_missing_file_is_not_created_when_only_read() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::Sqlite(dir.path().join("none.db"));
        let e = read_only(&engine).err().unwrap().to_string();
        assert!(e.contains("none.db"), "{e}");
        assert!(!dir.path().join("none.db").exists());
    }
}
