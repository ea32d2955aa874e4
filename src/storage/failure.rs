//! Errors of the database, named: every message that comes from the database says which one
//! (an SQLite file's path, a PostgreSQL server's address), and what SQLite's terse words mean
//! for the operator — the file is locked by another process, read-only, or its disk is full.

use super::Engine;
use std::time::Duration;

/// `e` with the database named, when it came from the database and does not name it yet;
/// any other error as it is. `lock_wait` is how long a pass waits for another's lock
/// (`database.lock_timeout_seconds`).
pub fn name_database(engine: &Engine, lock_wait: Duration, e: anyhow::Error) -> anyhow::Error {
    let from_database =
        e.chain().any(|c| c.is::<diesel::result::Error>() || c.is::<diesel::ConnectionError>());
    let named = match engine {
        Engine::Sqlite(path) => crate::errors::one_line(&e).contains(&path.display().to_string()),
        Engine::Postgres(_) => false,
    };
    if !from_database || named {
        return e;
    }
    let what = engine.describe();
    let text = crate::errors::one_line(&e);
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
    e.context(context)
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
    use diesel::connection::SimpleConnection;
    use diesel::Connection;

    #[test]
    fn a_file_locked_by_another_process_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let engine = Engine::Sqlite(path.clone());
        let mut conn = super::super::connect(&engine).unwrap();
        super::super::migrate(&mut conn).unwrap();
        let mut holder = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
        holder.batch_execute("BEGIN EXCLUSIVE").unwrap();
        // The binary waits two minutes; here a tenth of a second shows the same error.
        conn.batch_execute("PRAGMA busy_timeout = 100").unwrap();
        let failed = super::super::in_pass(&mut conn, "test", |_| Ok::<_, anyhow::Error>(())).unwrap_err();
        let text = crate::errors::one_line(&name_database(&engine, Duration::from_secs(120), failed));
        assert!(text.starts_with(&format!("SQLite file {} is locked", path.display())), "{text}");
        assert!(text.ends_with("database is locked"), "{text}");
    }

    #[test]
    fn an_error_that_names_the_file_or_is_not_the_databases_is_left_alone() {
        let engine = Engine::Sqlite("var/x.db".into());
        let own = anyhow::anyhow!("p.csv: 3 record(s) rejected");
        assert_eq!(
            name_database(&engine, Duration::from_secs(120), own).to_string(),
            "p.csv: 3 record(s) rejected"
        );
        let db: anyhow::Error = diesel::result::Error::NotFound.into();
        let named =
            name_database(&engine, Duration::from_secs(120), db.context("cannot open SQLite file var/x.db"));
        assert_eq!(crate::errors::one_line(&named), "cannot open SQLite file var/x.db: Record not found");
        let pg = Engine::Postgres("postgres://u:secret@db.example:5432/pf".into());
        let text = crate::errors::one_line(&name_database(
            &pg,
            Duration::from_secs(120),
            diesel::result::Error::NotFound.into(),
        ));
        assert_eq!(text, "PostgreSQL at db.example:5432/pf: Record not found");
    }
}
