//! SQLite's checkpoints on a thread of the store's own. In write-ahead-log mode every commit
//! appends its pages to `FILE-wal`; by default the commit that takes the log past 1,000 pages
//! then copies the log back into the database file (a checkpoint) before it returns. On a large
//! register those pages lie all over the file, and the copy and its `fsync` took 50 to 500 ms:
//! one request in a hundred paid for it (the closes' p99 at 2,000,000 permits). A store that
//! answers requests therefore turns that off on its connections and checkpoints here, once a
//! [`INTERVAL`], on a connection of its own. The checkpoint is `PASSIVE`, as the automatic one:
//! it never waits for a writer or a reader, copies what no reader still needs, and leaves the
//! rest for the next round; writers restart the log from its beginning once it was copied whole.

use crate::storage::{establish, session, DatabaseTimeouts, Engine};
use diesel::connection::SimpleConnection;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the log is copied back.
pub(super) const INTERVAL: Duration = Duration::from_secs(1);

/// The thread, stopped and joined when dropped.
pub(super) struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the SQLite database of `engine`; `None` for PostgreSQL.
    pub(super) fn start(engine: &Engine, timeouts: DatabaseTimeouts) -> Option<Checkpointer> {
        if !matches!(engine, Engine::Sqlite(_)) {
            return None;
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&engine, timeouts, &stopped))
            .map_err(|e| tracing::warn!(error = %e, "no checkpoint thread; commits checkpoint as they go"))
            .ok()?;
        Some(Checkpointer { stop: Some(stop), thread: Some(thread) })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(engine: &Engine, timeouts: DatabaseTimeouts, stopped: &mpsc::Receiver<()>) {
    let mut conn = None;
    let mut failing = false;
    loop {
        match stopped.recv_timeout(INTERVAL) {
            Err(RecvTimeoutError::Timeout) => {}
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
        if conn.is_none() {
            conn = establish(engine, &timeouts)
                .and_then(|mut c| session(&mut c, &timeouts, false).map(|()| c))
                .map_err(|e| warn_once(&mut failing, &e))
                .ok();
        }
        let Some(c) = conn.as_mut() else { continue };
        let done = crate::on_engine!(c, c => c.batch_execute("PRAGMA wal_checkpoint(PASSIVE)"));
        match done {
            Ok(()) => failing = false,
            Err(e) => {
                warn_once(&mut failing, &e);
                conn = None;
            }
        }
    }
}

/// Says once, until a checkpoint succeeds again, that checkpoints fail.
fn warn_once(failing: &mut bool, e: &dyn std::fmt::Display) {
    if !std::mem::replace(failing, true) {
        tracing::warn!(error = %e, "the write-ahead log could not be copied into the database; trying again");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{Options, Store};
    use diesel::RunQueryDsl;

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        wal_autocheckpoint: i64,
    }

    fn open(dir: &tempfile::TempDir, background: bool) -> Store {
        let engine = Engine::Sqlite(dir.path().join("t.db"));
        let options = Options { checkpoint_in_background: background, ..Options::default() };
        let store = Store::open_with(&engine, DatabaseTimeouts::default(), options).unwrap();
        store.migrate().unwrap();
        store
    }

    fn autocheckpoint(store: &Store) -> i64 {
        store
            .with_connection(|c| {
                crate::on_engine!(c, c => diesel::sql_query("PRAGMA wal_autocheckpoint").get_result::<Setting>(c))
            })
            .unwrap()
            .unwrap()
            .wal_autocheckpoint
    }

    #[test]
    fn a_store_that_checkpoints_in_the_background_copies_the_log_without_a_commit_doing_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir, true);
        assert_eq!(autocheckpoint(&store), 0, "commits do not checkpoint");
        store
            .request(|tx| {
                diesel::sql_query(
                    "INSERT INTO imports (kind, file, received_at, inserted, updated, unchanged, duplicates, rejected) \
                     VALUES ('permits', 'f', '2027-03-01 10:00:00', 0, 0, 0, 0, 0)",
                )
                .execute(tx.conn)
                .map_err(crate::storage::Error::from)
            })
            .unwrap();
        // Within a few rounds the thread has copied every frame of the log into the file (a
        // single small commit never reaches SQLite's own threshold): the wal-index (`-shm`)
        // says so, its last frame (`mxFrame`, at byte 16) being the last copied (`nBackfill`,
        // at byte 96). Read from the file, as a checkpoint of the test's own would copy them.
        let shm = dir.path().join("t.db-shm");
        let word = |bytes: &[u8], at: usize| u32::from_ne_bytes(bytes[at..at + 4].try_into().unwrap());
        let deadline = std::time::Instant::now() + 10 * INTERVAL;
        loop {
            let bytes = std::fs::read(&shm).unwrap();
            let (last, copied) = (word(&bytes, 16), word(&bytes, 96));
            if last > 0 && copied == last {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the log was not copied: {copied} of {last} frames"
            );
            std::thread::sleep(INTERVAL / 4);
        }
        drop(store); // stops and joins the thread
        let plain = open(&dir, false);
        assert_eq!(autocheckpoint(&plain), 1000, "a store of a command checkpoints as SQLite does");
    }

    #[test]
    fn a_failing_checkpoint_is_said_once_until_one_succeeds() {
        let mut failing = false;
        warn_once(&mut failing, &"locked");
        assert!(failing);
        warn_once(&mut failing, &"locked");
        assert!(failing);
        assert!(Checkpointer::start(&Engine::Postgres("postgres://x".into()), DatabaseTimeouts::default())
            .is_none());
    }
}
