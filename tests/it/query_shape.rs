//! Query shapes at a small national scale, on both engines: what each pass costs in statements
//! run and rows touched — never in seconds, so a shape that regresses fails here on any
//! machine, while `scripts/bench` measures the time at 2,000,000 permits.
//!
//! A register of 50,000 permits whose first reviews fall due over 100 days (500 a day). Each pass
//! runs in this process on a store of one connection that records every statement it starts (the
//! pass lock and its upkeep after commit included); on SQLite every
//! recorded statement's plan (`EXPLAIN QUERY PLAN`) must search the tables that grow with the
//! register, never scan them (a scan that stops at its `LIMIT` aside); on PostgreSQL the
//! server's own counters (`pg_stat_user_tables`, `pg_stat_user_indexes`) give the rows each
//! table had read and written by the pass. At 50,000 rows PostgreSQL rightly prefers reading a
//! table whole (a sequential scan, or a hash or merge join over all of it) to a few thousand
//! index lookups, a choice it reverses at 2,000,000; so the test's connection prices those
//! out (`enable_seqscan`, `enable_hashjoin`, `enable_mergejoin` off), and a pass that still reads
//! a growing table whole has no other way to run: a missing index, or a query that needs it all.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use chrono::{NaiveDate, TimeZone, Utc};
use diesel::connection::InstrumentationEvent;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use permit_followup::domain::import::ImportKind;
use permit_followup::storage::{AnyConnection, Options, Store};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

const PERMITS: usize = 50_000;
/// The first reviews fall due over this many days, from [`FIRST_DUE`].
const DAYS: usize = 100;
const DUE_A_DAY: i64 = (PERMITS / DAYS) as i64;
const FIRST_DUE: &str = "2027-03-01";

/// One ground, reviewed yearly, due 14 days before; no capacity limit.
const CONFIG: &str = "[grounds.work]\nfirst_review_after = \"12 months\"\nreview_every = \"12 months\"\n\
                      lead_time = \"14 days\"\nunit = \"work\"\n[units.work]\nweekly_capacity = \"unlimited\"\n";

/// The tables that grow with the register or its history: a pass may search them, never scan.
const GROWING: [&str; 7] =
    ["permits", "reviews", "tasks", "audit_events", "signals", "person_numbers", "rejects"];

/// `count` emigration signals for persons of the register, and `unknown` for persons not in it.
fn signals(count: usize, unknown: usize) -> String {
    let mut lines = String::new();
    for i in 0..count + unknown {
        let person = if i < count { format!("H{}", i * 37 % PERMITS) } else { format!("NOBODY{i}") };
        lines += &format!(
            "{{\"id\": \"qs-{i}\", \"kind\": \"emigrated\", \"person_id\": \"{person}\", \"occurred_on\": \"2027-03-30\", \"data\": {{\"destination\": \"NO\"}}}}\n"
        );
    }
    lines
}

fn register() -> String {
    let first = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let mut csv = HEADER.to_string();
    for i in 0..PERMITS {
        let from = first + chrono::Days::new((i % DAYS) as u64);
        csv += &format!("QS-{i:06},H{i},,work,{from},,active,,,\n");
    }
    csv
}

/// The statements a connection starts, as SQL without their bound values.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Recorder {
    fn attach(&self, conn: &mut AnyConnection) {
        let sink = self.0.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                let text = query.to_string();
                let sql = text.split(" -- binds:").next().unwrap_or_default().trim().to_string();
                sink.lock().unwrap().push(sql);
            }
        });
    }

    /// The statements since the last call.
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// What one pass did: its statements and, on PostgreSQL, the rows it touched per table.
struct Pass {
    statements: Vec<String>,
    rows: BTreeMap<String, Rows>,
    /// PostgreSQL: a session of another database held a transaction id when the pass ended, so
    /// it may have kept the pass's old index entries from being marked dead (see
    /// `wait_for_no_open_transactions`).
    disturbed: bool,
}

impl Pass {
    fn rows(&self, table: &str) -> Rows {
        self.rows.get(table).cloned().unwrap_or_default()
    }
}

/// A table's counters, as PostgreSQL keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, QueryableByName)]
struct Rows {
    #[diesel(sql_type = Text)]
    table: String,
    /// Rows read by sequential scans.
    #[diesel(sql_type = BigInt)]
    seq_read: i64,
    /// Index entries read, over all the table's indexes (dead ones included).
    #[diesel(sql_type = BigInt)]
    index_read: i64,
    #[diesel(sql_type = BigInt)]
    inserted: i64,
    #[diesel(sql_type = BigInt)]
    updated: i64,
    #[diesel(sql_type = BigInt)]
    deleted: i64,
}

impl std::ops::Sub for &Rows {
    type Output = Rows;
    fn sub(self, before: &Rows) -> Rows {
        Rows {
            table: self.table.clone(),
            seq_read: self.seq_read - before.seq_read,
            index_read: self.index_read - before.index_read,
            inserted: self.inserted - before.inserted,
            updated: self.updated - before.updated,
            deleted: self.deleted - before.deleted,
        }
    }
}

/// Runs passes on a store of one instrumented connection and measures each.
struct Bench {
    engine: Engine,
    store: Store,
    recorder: Recorder,
    /// PostgreSQL: a second connection that reads the counters.
    stats: Option<AnyConnection>,
    settings: permit_followup::settings::Settings,
}

impl Bench {
    fn new(env: &Env) -> Bench {
        let mut conn = env.connect();
        permit_followup::storage::migrate(&mut conn).unwrap();
        if env.engine == Engine::Postgres {
            // No autovacuum here: an automatic ANALYZE that happens to run while a pass commits
            // holds the database's oldest snapshot back, so the pass's old index entries cannot
            // be marked dead yet and the next pass reads them once more — a chance event that a
            // count of rows touched must not depend on.
            for table in ["permits", "reviews", "tasks", "signals", "audit_events"] {
                diesel::sql_query(format!("ALTER TABLE {table} SET (autovacuum_enabled = false)"))
                    .execute(&mut conn)
                    .unwrap();
            }
            // What the pass's connection writes after each pass, to see its counters arrive.
            diesel::sql_query("CREATE TABLE qs_marker (n bigint NOT NULL)").execute(&mut conn).unwrap();
            diesel::sql_query("INSERT INTO qs_marker VALUES (0)").execute(&mut conn).unwrap();
        }
        let recorder = Recorder::default();
        let (hooked, pg) = (recorder.clone(), env.engine == Engine::Postgres);
        let on_connect = std::sync::Arc::new(move |c: &mut AnyConnection| {
            if pg {
                for off in ["enable_seqscan", "enable_hashjoin", "enable_mergejoin"] {
                    diesel::sql_query(format!("SET {off} = off")).execute(c).unwrap();
                }
            }
            hooked.attach(c);
        });
        let options = Options { connections: Some(1), on_connect: Some(on_connect), ..Options::default() };
        let engine = permit_followup::storage::Engine::parse(&env.url).unwrap();
        let store = Store::open_with(&engine, Default::default(), options).unwrap();
        let stats = (env.engine == Engine::Postgres).then(|| env.connect());
        let settings = permit_followup::settings::load(Some(&env.path("conf")), Some(&env.url)).unwrap();
        Bench { engine: env.engine, store, recorder, stats, settings }
    }

    fn counters(&mut self) -> BTreeMap<String, Rows> {
        let Some(stats) = self.stats.as_mut() else { return BTreeMap::new() };
        diesel::sql_query("SELECT pg_stat_clear_snapshot()").execute(stats).unwrap();
        let rows: Vec<Rows> = diesel::sql_query(
            "SELECT t.relname::text AS table, COALESCE(t.seq_tup_read, 0) AS seq_read, \
             COALESCE((SELECT SUM(i.idx_tup_read) FROM pg_stat_user_indexes i WHERE i.relid = t.relid), 0)::bigint AS index_read, \
             t.n_tup_ins AS inserted, t.n_tup_upd AS updated, t.n_tup_del AS deleted \
             FROM pg_stat_user_tables t WHERE t.schemaname = current_schema()",
        )
        .load(stats)
        .unwrap();
        rows.into_iter().map(|r| (r.table.clone(), r)).collect()
    }

    /// Runs `pass` and returns what it did.
    /// PostgreSQL: waits (up to a minute) until no other session of the server holds a
    /// transaction id. A scan marks a dead index entry dead only when no snapshot of any
    /// session, in any database, may still see its row; the test suites of other checkouts that
    /// share the server hold transactions open for seconds (a held pass lock, a killed client),
    /// and a pass that commits meanwhile leaves its entries for the next pass to read — a chance
    /// event that a count of rows touched must not depend on.
    fn wait_for_no_open_transactions(&mut self) {
        #[derive(QueryableByName)]
        struct Open {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let Some(stats) = self.stats.as_mut() else { return };
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(60) {
            let open: Open = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()",
            )
            .get_result(stats)
            .unwrap();
            if open.n == 0 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// PostgreSQL: whether a session of another database holds a transaction id now.
    fn others_hold_transactions(&mut self) -> bool {
        #[derive(QueryableByName)]
        struct Open {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let Some(stats) = self.stats.as_mut() else { return false };
        let open: Open = diesel::sql_query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE backend_xid IS NOT NULL \
             AND datname IS DISTINCT FROM current_database()",
        )
        .get_result(stats)
        .unwrap();
        open.n > 0
    }

    fn measure(&mut self, pass: impl FnOnce(&Store, &permit_followup::settings::Settings)) -> Pass {
        self.wait_for_no_open_transactions();
        let before = self.counters();
        self.recorder.take();
        pass(&self.store, &self.settings);
        let disturbed = self.others_hold_transactions();
        let statements = self.recorder.take();
        let mut rows = BTreeMap::new();
        if self.engine == Engine::Postgres {
            // The pass's counters reach the shared statistics once its backend is idle, all
            // together: the marker's update, after the pass, shows they have.
            self.store
                .with_connection(|c| {
                    diesel::sql_query("UPDATE qs_marker SET n = n + 1").execute(c)?;
                    diesel::sql_query("SELECT pg_stat_force_next_flush()").execute(c)
                })
                .unwrap()
                .unwrap();
            let marked = before.get("qs_marker").map_or(0, |r| r.updated);
            let started = std::time::Instant::now();
            loop {
                let after = self.counters();
                if after.get("qs_marker").map_or(0, |r| r.updated) > marked {
                    rows = after
                        .iter()
                        .map(|(t, a)| (t.clone(), a - &before.get(t).cloned().unwrap_or_default()))
                        .collect();
                    break;
                }
                assert!(started.elapsed() < std::time::Duration::from_secs(10), "the counters never arrived");
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            self.recorder.take();
        }
        Pass { statements, rows, disturbed }
    }

    fn tick(&mut self, day: &str) -> Pass {
        let day: NaiveDate = day.parse().unwrap();
        let now = Utc.from_utc_datetime(&day.and_hms_opt(11, 0, 0).unwrap());
        self.measure(|store, s| {
            permit_followup::jobs::tick::tick(store, &s.policy, day, now).unwrap();
        })
    }

    fn import(&mut self, file: &str) -> Pass {
        self.import_of(file, ImportKind::Permits)
    }

    fn import_of(&mut self, file: &str, kind: ImportKind) -> Pass {
        let now = Utc.with_ymd_and_hms(2027, 2, 1, 8, 0, 0).unwrap();
        let key_file = self.settings.privacy_key_file.clone();
        self.measure(|c, s| {
            let key = permit_followup::privacy::PnKey::load_or_create(&key_file).unwrap();
            let opts = permit_followup::jobs::import::ImportOptions {
                path: file.to_string(),
                file: file.to_string(),
                format: None,
                skip_invalid: false,
                now,
                today: now.date_naive(),
            };
            let mut refuse = |e: &permit_followup::jobs::import::read::RecordError| panic!("{e}");
            match kind {
                ImportKind::Permits => permit_followup::jobs::import::permits::import_permits(
                    c,
                    &s.policy,
                    &key,
                    &opts,
                    &mut refuse,
                ),
                ImportKind::Signals => permit_followup::jobs::import::signals::import_signals(
                    c,
                    &s.policy,
                    &key,
                    &opts,
                    &mut refuse,
                ),
                ImportKind::Navet => {
                    permit_followup::jobs::import::navet::import_navet(c, &key, &opts, &mut refuse).map(|r| {
                        permit_followup::jobs::import::ImportReport { counts: r.counts, ..Default::default() }
                    })
                }
            }
            .unwrap();
        })
    }

    /// SQLite: the plans of the pass's statements that scan a growing table.
    fn scans(&mut self, pass: &Pass) -> Vec<String> {
        if self.engine != Engine::Sqlite {
            return Vec::new();
        }
        #[derive(QueryableByName)]
        struct Step {
            #[diesel(sql_type = Text)]
            detail: String,
        }
        let distinct: BTreeSet<&String> = pass.statements.iter().collect();
        let mut found = Vec::new();
        for sql in distinct {
            // Transaction control and settings have no plan.
            let control = ["BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"];
            if control.iter().any(|c| sql.starts_with(c)) {
                continue;
            }
            let steps = self
                .store
                .with_connection(|c| diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}")).load::<Step>(c))
                .unwrap()
                .unwrap_or_else(|e| panic!("no plan for {sql}: {e}"));
            let limited = sql.contains(" LIMIT ");
            for step in steps.into_iter().filter(|_| !limited) {
                let scanned =
                    step.detail.strip_prefix("SCAN ").map(|rest| rest.split(' ').next().unwrap_or(""));
                if scanned.is_some_and(|t| GROWING.contains(&t)) {
                    found.push(format!("{} — in: {sql}", step.detail));
                }
            }
        }
        self.recorder.take();
        found
    }
}

/// Statements that write the register's wide rows.
fn register_writes(pass: &Pass) -> Vec<&String> {
    pass.statements.iter().filter(|s| s.replace(['"', '`'], "").starts_with("UPDATE permits ")).collect()
}

fn chunks(rows: i64, size: i64) -> i64 {
    (rows as u64).div_ceil(size as u64) as i64
}

both_engines!(
    fn passes_touch_what_their_work_needs_never_what_the_register_holds(engine) {
        let env = Env::new(engine, CONFIG).unwrap();
        let file = env.file("register.csv", &register());
        let mut bench = Bench::new(&env);
        let n = PERMITS as i64;
        let sqlite = engine == Engine::Sqlite;
        // Rows a statement writes at once: SQLite's chunk, PostgreSQL's batch (`storage`).
        let (write_chunk, import_batch) = if sqlite { (100, 1_000) } else { (5_000, 5_000) };
        let growing_read_whole = |pass: &Pass| -> Vec<String> {
            GROWING.iter().filter(|t| pass.rows(t).seq_read > 0).map(|t| format!("{t}: {:?}", pass.rows(t))).collect()
        };
        let check = |bench: &mut Bench, name: &str, pass: &Pass| {
            let scans = bench.scans(pass);
            assert!(scans.is_empty(), "{name} scans growing tables:\n{}", scans.join("\n"));
            let whole = growing_read_whole(pass);
            assert!(whole.is_empty(), "{name} reads growing tables whole:\n{}", whole.join("\n"));
        };

        // A first import: the rows written a chunk at a time, the permit and its review apart.
        let import = bench.import(&file);
        check(&mut bench, "the import", &import);
        let bound = 2 * chunks(n, write_chunk) + 40;
        assert!(import.statements.len() as i64 <= bound, "import: {} statements > {bound}", import.statements.len());
        if !sqlite {
            assert_eq!((import.rows("permits").inserted, import.rows("reviews").inserted), (n, n));
        }

        // The same file again: one lookup a batch, nothing written.
        let again = bench.import(&file);
        check(&mut bench, "the re-import", &again);
        let bound = chunks(n, import_batch) + 40;
        assert!(again.statements.len() as i64 <= bound, "re-import: {} statements > {bound}", again.statements.len());
        assert!(register_writes(&again).is_empty(), "an unchanged permit was rewritten");
        if !sqlite {
            for table in ["permits", "reviews"] {
                let rows = again.rows(table);
                assert_eq!((rows.inserted, rows.updated), (0, 0), "{table}: {rows:?}");
                assert!(rows.index_read <= n + 100, "{table}: {rows:?}");
            }
        }

        // The first due day: the due reviews found by their index, their permits by key.
        let due = DUE_A_DAY;
        let tick = bench.tick(FIRST_DUE);
        check(&mut bench, "the tick", &tick);
        assert!(register_writes(&tick).is_empty(), "the tick rewrote permits: {:?}", register_writes(&tick));
        let per_review = if sqlite { 1 } else { 0 }; // SQLite: one cached UPDATE a moved review
        let bound = per_review * due + 3 * chunks(due, write_chunk) + 30;
        assert!(tick.statements.len() as i64 <= bound, "tick: {} statements > {bound}", tick.statements.len());
        if !sqlite {
            assert_eq!(tick.rows("tasks").inserted, due);
            assert_eq!(tick.rows("audit_events").inserted, due);
            assert_eq!(tick.rows("reviews").updated, due);
            assert_eq!(tick.rows("permits").updated, 0);
            // Each due review read three times by index: found due, updated by key, and its old
            // entry marked dead after the commit.
            assert!(tick.rows("reviews").index_read <= 3 * due + 20, "{:?}", tick.rows("reviews"));
            assert!(tick.rows("permits").index_read <= due + 20, "{:?}", tick.rows("permits"));
        }

        // The same day again: nothing new, a handful of statements, and on PostgreSQL none of
        // the moved reviews' old index entries read (the tick marked them dead).
        let idle = bench.tick(FIRST_DUE);
        check(&mut bench, "the idle tick", &idle);
        // (One of them reads the expected reports' marks, docs/REFERENCE.md §13.3.)
        assert!(idle.statements.len() <= 13, "idle tick: {} statements: {:#?}", idle.statements.len(), idle.statements);
        if !sqlite {
            assert_eq!((idle.rows("tasks").inserted, idle.rows("reviews").updated), (0, 0));
            assert!(idle.rows("reviews").index_read <= 20 || tick.disturbed, "{:?}", idle.rows("reviews"));
        }

        // A month without ticks: 30 days of reviews at once.
        let catch_up = 30 * due;
        let tick = bench.tick("2027-03-31");
        check(&mut bench, "the catch-up tick", &tick);
        let bound = per_review * catch_up + 3 * chunks(catch_up, write_chunk) + 40;
        assert!(tick.statements.len() as i64 <= bound, "catch-up: {} statements > {bound}", tick.statements.len());
        if !sqlite {
            assert_eq!((tick.rows("tasks").inserted, tick.rows("reviews").updated), (catch_up, catch_up));
            assert!(tick.rows("reviews").index_read <= 3 * catch_up + 40, "{:?}", tick.rows("reviews"));
        }
        let idle = bench.tick("2027-03-31");
        check(&mut bench, "the idle tick after the catch-up", &idle);
        // (One of them reads the expected reports' marks, docs/REFERENCE.md §13.3.)
        assert!(idle.statements.len() <= 13, "idle tick: {} statements", idle.statements.len());
        if !sqlite {
            // The catch-up's old entries marked dead: nothing is read but what is due.
            assert!(idle.rows("reviews").index_read <= 20 || tick.disturbed, "{:?}", idle.rows("reviews"));
        }

        // A day's feed: stored a batch at a time, then each signal's person found by index.
        let (known, unknown) = (1_000, 50);
        let feed = env.file("feed.jsonl", &signals(known, unknown));
        let import = bench.import_of(&feed, ImportKind::Signals);
        check(&mut bench, "the signal import", &import);
        assert!(import.statements.len() <= 20, "signal import: {} statements", import.statements.len());
        let tick = bench.tick("2027-03-31");
        check(&mut bench, "the signal tick", &tick);
        let signals = (known + unknown) as i64;
        let bound = 3 * chunks(signals, write_chunk) + 30;
        assert!(tick.statements.len() as i64 <= bound, "signal tick: {} statements > {bound}", tick.statements.len());
        if !sqlite {
            let known = known as i64;
            assert_eq!((import.rows("signals").inserted, tick.rows("signals").updated), (signals, signals));
            assert_eq!(tick.rows("tasks").inserted, known, "one emigration task a known person's permit");
            // Pending counted and read, updated by key, old entry marked dead after the commit.
            assert!(tick.rows("signals").index_read <= 4 * signals + 20, "{:?}", tick.rows("signals"));
            assert!(tick.rows("permits").index_read <= signals + 20, "{:?}", tick.rows("permits"));
            // Not the tasks' index entries: here every task is open, so the planner reads the
            // small index of open tasks whole rather than look a thousand permits up, as it
            // would not among a million open tasks. SQLite's plan shows the lookup is there.
        }
        let idle = bench.tick("2027-03-31");
        check(&mut bench, "the idle tick after the signals", &idle);
        // (One of them reads the expected reports' marks, docs/REFERENCE.md §13.3.)
        assert!(idle.statements.len() <= 13, "idle tick: {} statements", idle.statements.len());
        if !sqlite {
            // The processed signals' old entries marked dead: no pending signal is left to read.
            assert!(idle.rows("signals").index_read <= 20 || tick.disturbed, "{:?}", idle.rows("signals"));
        }
    }
);
