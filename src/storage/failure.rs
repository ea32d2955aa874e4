//! The database's errors: one type, [`Error`], for everything storage returns, with its
//! classification (`kind`), and [`describe`], which names the database in the one line an
//! edge prints — an SQLite file's path, a PostgreSQL server's address — and says what SQLite's
//! terse words mean for the operator: the file is locked by another process, read-only, or its
//! disk is full.

use super::rows::StoredDataError;
use super::Engine;
use crate::errors::ErrorKind;
use std::time::Duration;

/// Why the database did not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database cannot be reached or opened (the text names it).
    #[error("{0}")]
    Unreachable(String),
    /// Another process's pass held the pass lock for longer than `lock_timeout_seconds`.
    #[error("{database} is locked: another process's pass held it for longer than {} s (database.lock_timeout_seconds)", waited.as_secs())]
    PassLocked {
        /// The database.
        database: String,
        /// How long this pass waited.
        waited: Duration,
    },
    /// The schema is behind and may not be migrated here.
    #[error("the schema of {0} is not up to date: run `permit-followup migrate`")]
    SchemaBehind(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A file beside an SQLite database (its pass lock) cannot be opened.
    #[error("cannot open {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A statement failed.
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
    /// Stored data that does not read as its domain type.
    #[error(transparent)]
    StoredData(#[from] StoredDataError),
    /// A value that cannot be written as its column's text (evidence as JSON).
    #[error("cannot encode a value to store: {0}")]
    Encode(#[from] serde_json::Error),
    /// Work on the database's blocking threads panicked.
    #[error("the database work panicked")]
    Panicked,
}

/// What storage returns.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The one classification an edge decides by: a database that does not answer, or holds a
    /// lock too long, or cannot be written, is unavailable (trying again later may work);
    /// anything else is internal.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Unreachable(_)
            | Error::PassLocked { .. }
            | Error::SchemaBehind(_)
            | Error::File { .. } => ErrorKind::Unavailable,
            Error::Query(e) if is_unavailable(e) => ErrorKind::Unavailable,
            Error::Query(_)
            | Error::StoredData(_)
            | Error::Encode(_)
            | Error::Migration(_)
            | Error::Panicked => ErrorKind::Internal,
        }
    }
}

/// Whether a failed statement says the database is away, locked, read-only or full rather
/// than that the statement or the data is wrong.
fn is_unavailable(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error as D};
    match e {
        D::DatabaseError(DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand, _)
        | D::BrokenTransactionManager => true,
        D::DatabaseError(_, info) => {
            let text = info.message();
            [
                "database is locked",
                "database table is locked",
                "readonly database",
                "disk I/O error",
                "database or disk is full",
                "unable to open database file",
                "lock timeout",
                "statement timeout",
                "terminating connection",
                "server closed the connection",
                "could not receive data",
            ]
            .iter()
            .any(|w| text.contains(w))
        }
        _ => false,
    }
}

/// The line an edge prints for `e`: the database named when the text does not name it yet,
/// and SQLite's words explained. `lock_wait` is how long a pass waits for another's lock
/// (`database.lock_timeout_seconds`).
pub fn describe(engine: &Engine, lock_wait: Duration, e: &Error) -> String {
    let text = crate::errors::error_line(e);
    let what = engine.describe();
    // A lock file beside an SQLite database that cannot be made or opened to write (a
    // read-only mount, a folder not the program's): the database cannot be written, whichever
    // of its files the pass happened to open first.
    if let (Engine::Sqlite(_), Error::File { source, .. }) = (engine, e) {
        if matches!(
            source.kind(),
            std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
        ) {
            return format!("{what} cannot be written: {text}");
        }
    }
    let from_database = matches!(e, Error::Query(_) | Error::StoredData(_) | Error::Migration(_));
    let named = match engine {
        Engine::Sqlite(path) => text.contains(&path.display().to_string()),
        Engine::Postgres(_) => text.contains(&what),
    };
    if !from_database || named {
        return text;
    }
    let context = match engine {
        Engine::Sqlite(_)
            if text.contains("database is locked") || text.contains("database table is locked") =>
        {
            format!(
                "{what} is locked: another process held it for longer than {} s \
                 (database.lock_timeout_seconds)",
                lock_wait.as_secs()
            )
        }
        Engine::Sqlite(path)
            if text.contains("readonly database") || text.contains("unable to open database file") =>
        {
            match unwritable(path) {
                Some(why) => format!("{what} cannot be written ({why})"),
                None => what,
            }
        }
        Engine::Sqlite(_) if text.contains("disk I/O error") => format!("{what}: the disk failed or is full"),
        Engine::Sqlite(_) if text.contains("database or disk is full") => {
            format!("{what}: the disk is full; nothing of this pass was kept")
        }
        _ => what,
    };
    format!("{context}: {text}")
}

/// Why the file, or its folder (where SQLite keeps its `-wal` and `-shm` files), cannot be
/// written, if so. Nothing is changed: the file is opened to append without writing, and the
/// folder is tried with a file that has no name.
fn unwritable(path: &std::path::Path) -> Option<String> {
    if let Err(e) = std::fs::OpenOptions::new().append(true).open(path) {
        return (e.kind() != std::io::ErrorKind::NotFound).then(|| format!("the file: {e}"));
    }
    let folder = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    tempfile::tempfile_in(folder).err().map(|e| format!("its folder {}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{DatabaseTimeouts, Store};
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    #[test]
    fn a_file_locked_by_another_process_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let engine = Engine::Sqlite(path.clone());
        // The binary waits two minutes; here a tenth of a second shows the same error.
        let timeouts = DatabaseTimeouts { lock: Duration::from_millis(100), ..DatabaseTimeouts::default() };
        let store = Store::open(&engine, timeouts).unwrap();
        store.migrate().unwrap();
        let mut holder = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        holder.batch_execute("BEGIN EXCLUSIVE").unwrap();
        let failed = store.request(|_| Ok::<_, Error>(())).unwrap_err();
        assert_eq!(failed.kind(), ErrorKind::Unavailable);
        let text = describe(&engine, Duration::from_secs(120), &failed);
        assert!(text.starts_with(&format!("SQLite file {} is locked", path.display())), "{text}");
        assert!(text.ends_with("database is locked"), "{text}");
    }

    #[test]
    fn a_lock_file_that_cannot_be_written_says_the_database_cannot_be_written() {
        let engine = Engine::Sqlite("var/x.db".into());
        let source = std::io::Error::from(std::io::ErrorKind::ReadOnlyFilesystem);
        let e = Error::File { path: "var/x.db-pass".into(), source };
        let text = describe(&engine, Duration::from_secs(120), &e);
        assert!(
            text.starts_with("SQLite file var/x.db cannot be written: cannot open var/x.db-pass: "),
            "{text}"
        );
        let missing =
            Error::File { path: "var/x.db-pass".into(), source: std::io::ErrorKind::NotFound.into() };
        assert!(
            describe(&engine, Duration::from_secs(120), &missing).starts_with("cannot open var/x.db-pass")
        );
    }

    #[test]
    fn an_error_that_names_the_database_or_is_not_the_databases_is_left_alone() {
        let engine = Engine::Sqlite("var/x.db".into());
        let own = Error::Unreachable("cannot open SQLite file var/x.db: gone".into());
        assert_eq!(
            describe(&engine, Duration::from_secs(120), &own),
            "cannot open SQLite file var/x.db: gone"
        );
        let pg = Engine::Postgres("postgres://u:secret@db.example:5432/pf".into());
        let text = describe(&pg, Duration::from_secs(120), &diesel::result::Error::NotFound.into());
        assert_eq!(text, "PostgreSQL at db.example:5432/pf: Record not found");
        assert_eq!(Error::from(diesel::result::Error::NotFound).kind(), ErrorKind::Internal);
    }
}
