//! A full disk under the SQLite file and under the mail folder, on a tmpfs of the test's own:
//! the command fails with one line naming the file, nothing is half-written, and once space
//! returns the data is whole and the next run does what the failed one could not — including
//! the case where an import committed into the write-ahead log but its checkpoint into the
//! database file found no space.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use crate::tmpfs::Tmpfs;

/// Permits of the import that meets the full disk: about 3 MiB of database.
const ROWS: usize = 20_000;

fn register(env: &Env) -> String {
    let mut csv = HEADER.to_string();
    for i in 0..ROWS {
        csv.push_str(&format!("D-{i:05},P-{i},,work,2026-01-01,,,,,\n"));
    }
    env.file("register.csv", &csv)
}

/// What one fill level came to.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// The import was refused for lack of space; nothing of it was kept.
    Refused,
    /// It committed into the log, which could not be copied into the file for lack of space.
    CommittedLogLeft,
    /// It committed and was checkpointed.
    Committed,
}

#[test]
fn a_full_disk_under_the_database_refuses_the_import_whole_and_leaves_a_usable_file() {
    let probe = Env::new(Engine::Sqlite, "").unwrap();
    let file = register(&probe);
    probe.ok(&["import", "permits", &file]);
    let size = std::fs::metadata(probe.path("test.db")).unwrap().len();
    let mut seen = Vec::new();
    // Free space as a share of the database's size after the import, in tenths.
    for tenths in [0, 5, 15, 25] {
        let Some(mount) = Tmpfs::mount(4 * size + (8 << 20), "disk full under SQLite") else { return };
        let mut env = Env::new(Engine::Sqlite, "").unwrap();
        let db = mount.path().join("full.db");
        env.url = format!("sqlite://{}", db.display());
        env.ok(&["migrate"]);
        mount.fill(size * tenths / 10);
        let r = env.run(&["import", "permits", &file]);
        let wal = std::fs::metadata(mount.path().join("full.db-wal")).map_or(0, |m| m.len());
        mount.unfill();
        let outcome = match r.code() {
            0 if wal > 0 => Outcome::CommittedLogLeft,
            0 => Outcome::Committed,
            1 => {
                let stderr = r.stderr();
                assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
                assert!(stderr.contains(&format!("SQLite file {}", db.display())), "{stderr}");
                assert!(
                    stderr.contains("disk is full") || stderr.contains("disk failed or is full"),
                    "{stderr}"
                );
                Outcome::Refused
            }
            other => panic!("exit {other} at {tenths}/10 free: {}", r.stderr()),
        };
        assert_eq!(integrity(&env), "ok", "at {tenths}/10 free");
        let expected = if outcome == Outcome::Refused { 0 } else { ROWS as i64 };
        assert_eq!(permits(&env), expected, "at {tenths}/10 free ({outcome:?}): all or nothing");
        if outcome == Outcome::Refused {
            let out = env.ok(&["import", "permits", &file]);
            assert!(out.contains(&format!("{ROWS} inserted")), "space is back, the import lands: {out}");
        }
        assert!(env.ok(&["tick", "--now", "2026-12-18"]).contains("created 500 task(s)"));
        let wal = std::fs::metadata(mount.path().join("full.db-wal")).map_or(0, |m| m.len());
        assert_eq!(wal, 0, "with space back the log is copied into the file");
        seen.push(outcome);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen, [Outcome::Refused, Outcome::CommittedLogLeft, Outcome::Committed], "each case was met");
}

fn integrity(env: &Env) -> String {
    query(env, "PRAGMA integrity_check", "integrity_check")
}

fn permits(env: &Env) -> i64 {
    query(env, "SELECT COUNT(*) AS n FROM permits", "n").parse().unwrap()
}

fn query(env: &Env, sql: &str, column: &str) -> String {
    let path = env.url.trim_start_matches("sqlite://").to_string();
    let out = std::process::Command::new("sqlite3").arg(&path).arg(sql).output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        _ => panic!("sqlite3 {path} {sql} ({column}) failed"),
    }
}

both_engines!(
    fn a_full_mail_folder_leaves_the_digests_pending_and_no_half_mail_and_sends_each_once_space_returns(engine) {
        let Some(mount) = Tmpfs::mount(1 << 20, "full mail folder") else { return };
        let outbox = mount.path().join("outbox");
        std::fs::create_dir(&outbox).unwrap();
        let env = Env::new(engine, "").unwrap();
        env.write_config(&format!("[mail]\nfile_dir = \"{}\"\n", outbox.display()));
        let csv = format!("{HEADER}S-1,P-1,,study,2026-01-01,,,,,\nW-1,P-2,,work,2025-07-01,,,,,\nF-1,P-3,,family,2025-07-02,,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        env.ok(&["tick", "--now", "2026-07-01"]);
        mount.fill(0);
        let r = env.run(&["notify", "--now", "2026-07-01"]);
        assert_eq!(r.code(), 1, "{}", r.stdout());
        let stderr = r.stderr();
        assert!(stderr.contains(&format!("cannot write mail file {}/digest-", outbox.display())), "{stderr}");
        assert!(stderr.contains("No space left on device") && !stderr.contains("[address]"), "{stderr}");
        assert_eq!(std::fs::read_dir(&outbox).unwrap().count(), 0, "no half-written mail and no temporary file");
        assert!(env.tasks().iter().all(|t| t["notified"] == false));
        mount.unfill();
        assert!(env.ok(&["notify", "--now", "2026-07-02"]).contains("sent 3 of 3"));
        let mails: Vec<String> = std::fs::read_dir(&outbox).unwrap().map(|f| std::fs::read_to_string(f.unwrap().path()).unwrap()).collect();
        assert_eq!(mails.len(), 3);
        for permit in ["S-1", "W-1", "F-1"] {
            assert_eq!(mails.iter().filter(|m| m.contains(&format!(" {permit} "))).count(), 1, "{permit}");
        }
        assert!(env.tasks().iter().all(|t| t["notified"] == true));
    }
);
