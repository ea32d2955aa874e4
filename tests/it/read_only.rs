//! SQLite where it cannot be written: on a read-only mount the reading commands (`tasks`,
//! `signals`, `history`, `rejects`, table and JSON) still work, and the writing ones fail with
//! one line naming the file and why. A file locked by another process is named too.

use crate::helpers::{Engine, Env};
use crate::import::three_permits;
use crate::tmpfs::Tmpfs;

/// Bytes of the tmpfs the database lives on.
const MOUNT_BYTES: u64 = 16 << 20;

#[test]
fn the_reading_commands_work_on_a_read_only_mount_and_the_writing_ones_name_the_file() {
    let Some(mount) = Tmpfs::mount(MOUNT_BYTES, "read-only SQLite") else { return };
    let mut env = Env::new(Engine::Sqlite, "").unwrap();
    let db = mount.path().join("register.db");
    env.url = format!("sqlite://{}", db.display());
    env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
    let bad = "{\"id\": \"s-1\", \"kind\": \"emigrated\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\"}\n{\"id\": \"s-2\"}\n";
    assert_eq!(env.run(&["import", "signals", "--skip-invalid", &env.file("s.jsonl", bad)]).code(), 3);
    env.ok(&["tick", "--now", "2027-06-01"]);
    let before: Vec<String> = reading_commands().iter().map(|args| env.ok(args)).collect();
    // As on a copy made onto a read-only medium: no lock files beside the database, so a
    // writing command fails on the first of its files it opens to write, whichever that is.
    for lock in ["register.db-pass", "register.db-requests"] {
        let _ = std::fs::remove_file(mount.path().join(lock));
    }
    mount.remount_read_only();
    for (args, expected) in reading_commands().iter().zip(&before) {
        assert_eq!(&env.ok(args), expected, "{args:?} reads the same from the read-only file");
    }
    for args in
        [vec!["tick", "--now", "2027-06-02"], vec!["import", "permits", &env.file("q.csv", &three_permits())]]
    {
        let r = env.run(&args);
        assert_eq!(r.code(), 1, "{args:?}");
        let stderr = r.stderr();
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(&format!("SQLite file {} cannot be written", db.display())), "{stderr}");
        assert!(stderr.contains("Read-only file system"), "{stderr}");
    }
}

fn reading_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["tasks"],
        vec!["tasks", "--state", "all", "--format", "json"],
        vec!["signals"],
        vec!["signals", "--format", "json"],
        vec!["rejects"],
        vec!["rejects", "--format", "json"],
        vec!["history", "UT-1"],
    ]
}

/// A pass waits `database.lock_timeout_seconds` for a lock (two minutes by default,
/// docs/REFERENCE.md §9); here one second.
#[test]
fn a_file_locked_by_another_process_is_an_error_naming_it_and_the_wait() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let env = Env::new(Engine::Sqlite, "[database]\nlock_timeout_seconds = 1\n").unwrap();
    env.ok(&["migrate"]);
    let mut holder = diesel::SqliteConnection::establish(&env.path("test.db").to_string_lossy()).unwrap();
    holder.batch_execute("BEGIN EXCLUSIVE; UPDATE imports SET file = file").unwrap();
    let r = env.run(&["import", "permits", &env.file("p.csv", &three_permits())]);
    assert_eq!(r.code(), 1);
    let expected = format!(
        "SQLite file {} is locked: another process held it for longer than 1 s (database.lock_timeout_seconds)",
        env.path("test.db").display()
    );
    assert!(r.stderr().contains(&expected), "{}", r.stderr());
}
