//! The storage layer through the library, on both engines: what the commands' tests cannot see.

use crate::both_engines;
use crate::helpers::{Engine, Env};

both_engines!(
    fn new_permits_are_stored_field_for_field_as_diesel_itself_stores_them(engine) {
        // `permits::insert` writes SQLite rows through its own statement: two full chunks of
        // 100 rows (the second through the cached statement) and a shorter rest must store
        // every column exactly as diesel's insert does.
        use chrono::NaiveDate;
        use diesel::prelude::*;
        use permit_followup::storage::rows::{PermitRow, ReviewRow};
        use permit_followup::storage::{permits, schema::permits as p, schema::reviews as r};
        let env = Env::new(engine, "").unwrap();
        let mut conn = env.connect();
        permit_followup::storage::migrate(&mut conn).unwrap();
        let day = |n: i64| NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::TimeDelta::days(n);
        let row = |i: i64, prefix: &str| {
            let some = i % 2 == 0; // every optional column both set and NULL
            PermitRow {
                permit_id: format!("{prefix}-{i}"),
                person_id: format!("P-{i}"),
                pn_hash: some.then(|| format!("{i:064x}")),
                ground: ["study", "work"][i as usize % 2].into(),
                valid_from: day(i),
                valid_until: some.then(|| day(i + 700)),
                status: "active".into(),
                unit: some.then(|| "work".into()),
                employer_org_no: some.then(|| format!("org-{i}")),
                institution: some.then(|| format!("Skola \"{i}\", åäö")),
                updated_at: day(i).and_hms_micro_opt(10, 11, 12, [0, 500_000, 123_456][i as usize % 3]).unwrap(),
                imported_by: some.then_some(i),
            }
        };
        let review = |i: i64, prefix: &str| {
            let some = i % 2 == 0;
            ReviewRow {
                permit_id: format!("{prefix}-{i}"),
                occasion: some.then(|| day(i + 365)),
                due_on: some.then(|| day(i + 335)),
                last_occasion: (i % 4 == 0).then(|| day(i - 1)),
            }
        };
        let ours: Vec<PermitRow> = (0..250).map(|i| row(i, "A")).collect();
        let our_reviews: Vec<ReviewRow> = (0..250).map(|i| review(i, "A")).collect();
        permits::insert_rows(&mut conn, ours.clone(), our_reviews.clone()).unwrap();
        let number = |id: &str| id[2..].parse::<i64>().unwrap();
        let mut stored: Vec<PermitRow> =
            p::table.filter(p::permit_id.like("A-%")).select(PermitRow::as_select()).load(&mut conn).unwrap();
        stored.sort_by_key(|row| number(&row.permit_id));
        assert_eq!(stored, ours);
        let mut stored: Vec<ReviewRow> =
            r::table.filter(r::permit_id.like("A-%")).select(ReviewRow::as_select()).load(&mut conn).unwrap();
        stored.sort_by_key(|row| number(&row.permit_id));
        assert_eq!(stored, our_reviews);
        // The same rows through diesel's own insert store the same text, byte for byte.
        for i in 0..250 {
            diesel::insert_into(p::table).values(row(i, "B")).execute(&mut conn).unwrap();
            diesel::insert_into(r::table).values(review(i, "B")).execute(&mut conn).unwrap();
        }
        // On SQLite each value with its storage class (`quote`): a date stored as a blob would
        // read back the same but sort apart from the text dates the due-review index compares.
        let columns = [
            "substr(p.permit_id, 3)", "person_id", "pn_hash", "ground", "valid_from", "valid_until", "status", "unit",
            "employer_org_no", "institution", "occasion", "due_on", "last_occasion", "updated_at", "imported_by",
        ];
        let line = match engine {
            Engine::Sqlite => columns.map(|c| format!("quote({c})")).join(" || '|' || "),
            Engine::Postgres => format!("concat_ws('|', {})", columns.join(", ")),
        };
        let text = |prefix: &str, conn: &mut permit_followup::storage::AnyConnection| -> Vec<String> {
            diesel::sql_query(format!(
                "SELECT {line} AS line FROM permits p JOIN reviews r ON r.permit_id = p.permit_id \
                 WHERE p.permit_id LIKE '{prefix}-%' ORDER BY person_id"
            ))
                .load::<Line>(conn)
                .unwrap()
                .into_iter()
                .map(|l| l.line)
                .collect()
        };
        assert_eq!(text("A", &mut conn), text("B", &mut conn));
    }
);

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    line: String,
}

both_engines!(
    fn upgrading_moves_each_permits_review_series_into_reviews(engine) {
        // A database from before `reviews`: the last migration reverted by its own down.sql,
        // permits written with their review dates in their own row, then `migrate` again.
        use diesel::connection::SimpleConnection;
        use diesel::RunQueryDsl;
        let env = Env::new(engine, "").unwrap();
        let mut conn = env.connect();
        permit_followup::storage::migrate(&mut conn).unwrap();
        let dir = match engine {
            Engine::Sqlite => "migrations/sqlite/2026-12-03-000001_reviews",
            Engine::Postgres => "migrations/postgres/2026-12-03-000001_reviews",
        };
        let down = std::fs::read_to_string(crate::helpers::repo(&format!("{dir}/down.sql"))).unwrap();
        conn.batch_execute(&down).unwrap();
        conn.batch_execute(
            "DELETE FROM __diesel_schema_migrations WHERE version = '20261203000001';
             INSERT INTO permits (permit_id, person_id, ground, valid_from, status, updated_at,
                                  review_occasion, review_due_on, last_review_occasion)
             VALUES ('UT-1', 'P-1', 'study', '2026-01-10', 'active', '2026-01-10 10:00:00', '2026-07-10', '2026-06-26', NULL),
                    ('UT-2', 'P-2', 'work', '2025-01-10', 'active', '2026-01-10 10:00:00', '2027-01-10', '2026-12-27', '2026-01-10'),
                    ('UT-3', 'P-3', 'work', '2024-01-10', 'expired', '2026-01-10 10:00:00', NULL, NULL, '2025-01-10');",
        )
        .unwrap();
        let applied = permit_followup::storage::migrate(&mut conn).unwrap();
        assert_eq!(applied, ["20261203000001"]);
        let rows: Vec<String> = diesel::sql_query(
            "SELECT concat_ws('|', permit_id, occasion, due_on, last_occasion) AS line FROM reviews ORDER BY permit_id",
        )
        .load::<Line>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect();
        // concat_ws skips NULLs, on both engines.
        assert_eq!(rows, ["UT-1|2026-07-10|2026-06-26", "UT-2|2027-01-10|2026-12-27|2026-01-10", "UT-3|2025-01-10"]);
        // The permits keep their own columns, now without the review dates.
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM permits"), 3);
    }
);

/// A database from before `tasks.ground`: that migration reverted by its own down.sql, then
/// `tasks` permits and tasks written as that schema held them (SQL, `tasks` of them).
fn before_task_ground(env: &Env, tasks: u32) -> permit_followup::storage::AnyConnection {
    use diesel::connection::SimpleConnection;
    let mut conn = env.connect();
    permit_followup::storage::migrate(&mut conn).unwrap();
    let dir = match env.engine {
        Engine::Sqlite => "migrations/sqlite/2026-12-04-000001_task_ground",
        Engine::Postgres => "migrations/postgres/2026-12-04-000001_task_ground",
    };
    let down = std::fs::read_to_string(crate::helpers::repo(&format!("{dir}/down.sql"))).unwrap();
    conn.batch_execute(&down).unwrap();
    let numbers = match env.engine {
        Engine::Sqlite => {
            format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {tasks})")
        }
        Engine::Postgres => format!("WITH n(i) AS (SELECT generate_series(1, {tasks}))"),
    };
    let grounds = "CASE i % 3 WHEN 0 THEN 'study' WHEN 1 THEN 'work' ELSE 'family' END";
    conn.batch_execute(&format!(
        "DELETE FROM __diesel_schema_migrations WHERE version = '20261204000001';
         INSERT INTO permits (permit_id, person_id, ground, valid_from, status, updated_at)
             {numbers} SELECT 'UT-' || i, 'P-' || i, {grounds}, '2026-01-10', 'active', '2026-01-10 10:00:00' FROM n;
         INSERT INTO tasks (permit_id, cause, occasion, unit, priority, reason, legal_basis, evidence,
                            created_on, created_at, due_on, state)
             {numbers} SELECT 'UT-' || i, 'periodic_review', '2026-07-10', 'study', 'normal', 'Periodic review', 'x', '[]',
                              '2026-06-26', '2026-06-26 10:00:00', '2026-07-10', 'open' FROM n;"
    ))
    .unwrap();
    conn
}

/// Tasks whose ground is not their permit's.
fn tasks_without_their_ground(env: &Env) -> i64 {
    env.count("SELECT COUNT(*) AS n FROM tasks t JOIN permits p ON p.permit_id = t.permit_id WHERE t.ground <> p.ground")
}

both_engines!(
    fn upgrading_gives_each_task_its_permits_ground(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut conn = before_task_ground(&env, 30);
        let applied = permit_followup::storage::migrate(&mut conn).unwrap();
        assert_eq!(applied, ["20261204000001"]);
        assert_eq!(tasks_without_their_ground(&env), 0);
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM tasks WHERE ground = 'work'"), 10);
    }
);

both_engines!(
    fn a_migration_killed_midway_leaves_the_schema_as_it_was_or_as_it_will_be(engine) {
        // `migrate` over 100,000 tasks to backfill, killed at moments spread over its run:
        // each migration is one transaction, so after every kill the migration is either not
        // there at all (no column, no record of it) or whole, and the next `migrate` finishes it.
        let env = Env::new(engine, "").unwrap();
        drop(before_task_ground(&env, 100_000));
        let recorded = || env.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE version = '20261204000001'");
        let column = || match engine {
            Engine::Sqlite => env.count("SELECT COUNT(*) AS n FROM pragma_table_info('tasks') WHERE name = 'ground'"),
            Engine::Postgres => env.count(
                "SELECT COUNT(*) AS n FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = 'tasks' AND column_name = 'ground'",
            ),
        };
        let (mut before, mut whole) = (0, 0);
        // Each kill later than the last, until one comes after the commit.
        for step in 0..40u64 {
            let at = 20 * step + 4 * step * step;
            let mut child = env.command(&["migrate"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
            std::thread::sleep(std::time::Duration::from_millis(at));
            let _ = child.kill();
            child.wait().unwrap();
            if engine == Engine::Postgres {
                // The server goes on with a killed client's statement until it next reads from
                // the connection, and rolls it back then: wait for that, as a restart would.
                let others = "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database() \
                              AND pid <> pg_backend_pid()";
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while env.count(others) > 0 && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
            }
            assert_eq!(recorded(), column(), "after a kill at {at} ms the migration is half there");
            if recorded() == 1 {
                whole += 1;
                assert_eq!(tasks_without_their_ground(&env), 0, "recorded, but not every task has its ground");
                break;
            }
            before += 1;
        }
        eprintln!("migrate ({engine:?}) killed {before} time(s) before its commit, then {whole} after it");
        assert!(before > 0 && whole == 1, "{before} kill(s) before the commit, {whole} after it");
        let r = env.run(&["migrate"]);
        assert_eq!(r.code(), 0, "{}", r.stderr());
        assert_eq!((recorded(), column(), tasks_without_their_ground(&env)), (1, 1, 0), "{whole} kill(s) after the commit");
        if engine == Engine::Sqlite {
            assert_eq!(env.count("SELECT COUNT(*) AS n FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
        }
    }
);

both_engines!(
    fn the_open_and_overdue_counts_by_unit_are_those_of_the_open_tasks_on_any_day(engine) {
        // One query counts both (gauges, and the inbox's counts by unit): on days before,
        // between and after the tasks' due dates it must agree with the tasks as listed, and
        // leave out closed tasks and units without an open one.
        use chrono::NaiveDate;
        use permit_followup::storage::gauges::{open_tasks, OpenTasks};
        use std::collections::BTreeMap;
        let env = Env::new(engine, "").unwrap();
        crate::api::world(&env, 4);
        let tasks = env.tasks();
        let first = tasks.iter().find(|t| t["unit"] == "work").unwrap()["id"].as_i64().unwrap();
        env.ok(&["tasks", "close", &first.to_string(), "--outcome", "no_action", "--note", "checked"]);
        let tasks = env.tasks();
        let mut dues: Vec<NaiveDate> = tasks.iter().map(|t| t["due_on"].as_str().unwrap().parse().unwrap()).collect();
        dues.sort();
        let (earliest, latest) = (dues[0], *dues.last().unwrap());
        assert_ne!(earliest, latest, "the days below fall between due dates");
        let store = env.store();
        for today in [earliest, earliest.succ_opt().unwrap(), latest, latest.succ_opt().unwrap()] {
            let mut expected: BTreeMap<String, OpenTasks> = BTreeMap::new();
            for t in tasks.iter().filter(|t| t["state"] == "open") {
                let due: NaiveDate = t["due_on"].as_str().unwrap().parse().unwrap();
                let unit = expected.entry(t["unit"].as_str().unwrap().to_string()).or_default();
                unit.open += 1;
                unit.overdue += u64::from(due < today);
            }
            let counted = store.read(|tx| open_tasks(tx, today)).unwrap();
            let counted: BTreeMap<String, OpenTasks> =
                counted.into_iter().map(|(unit, n)| (unit.as_str().to_string(), n)).collect();
            assert_eq!(counted, expected, "on {today}");
        }
        assert_eq!(
            store.read(|tx| open_tasks(tx, latest.succ_opt().unwrap())).unwrap().values().map(|n| n.open).sum::<u64>(),
            7,
            "eight tasks, one closed"
        );
    }
);
