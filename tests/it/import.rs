//! `import permits`: every error class of docs/REFERENCE.md §3 with its message, atomicity, stdin, JSON lines,
//! re-imports, `--skip-invalid` with `rejects`, and personal numbers never kept or shown.

use crate::both_engines;
use crate::helpers::{Engine, Env, Run};

pub const HEADER: &str =
    "permit_id,person_id,personal_number,ground,valid_from,valid_until,status,unit,employer_org_no,institution\n";

/// Three valid permits.
pub fn three_permits() -> String {
    format!(
        "{HEADER}\
         UT-1,P-1,19900101-1239,study,2026-01-15,2028-01-15,active,,,Lunds universitet\n\
         UT-2,P-2,19811218-9876,work,2025-12-01,2027-12-01,,,5560000001,\n\
         UT-3,P-3,,refugee,2024-11-20,,active,,,\n"
    )
}

both_engines!(
    fn a_valid_file_is_imported_and_summarised(engine) {
        let env = Env::new(engine, "").unwrap();
        let out = env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        assert!(out.ends_with("3 inserted, 0 updated, 0 unchanged\n"), "{out}");
        let history = env.ok(&["history", "UT-2"]);
        assert!(history.contains("imported") && history.contains("p.csv"), "{history}");
    }
);

both_engines!(
    fn a_reimport_counts_updated_and_unchanged_and_audits_the_fields(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let changed = three_permits().replace("UT-2,P-2,19811218-9876,work,2025-12-01,2027-12-01,,", "UT-2,P-2,19811218-9876,work,2025-12-01,2027-06-01,,");
        let changed = changed + "UT-4,P-4,,family,2026-02-01,2028-02-01,,,,\n";
        let out = env.ok(&["import", "permits", &env.file("p2.csv", &changed)]);
        assert!(out.ends_with("1 inserted, 1 updated, 2 unchanged\n"), "{out}");
        let history = env.ok(&["history", "UT-2"]);
        assert!(history.contains("updated") && history.contains("valid_until changed"), "{history}");
        // The import that brought a permit in stays its first event, whatever came after.
        let lines: Vec<&str> = history.lines().collect();
        assert!(lines[1].contains("imported from") && lines[1].contains("p.csv (import 1)"), "{history}");
        assert!(lines[2].contains("p2.csv (import 2)"), "{history}");
        let history = env.ok(&["history", "UT-4"]);
        assert!(history.contains("imported from") && history.contains("p2.csv (import 2)"), "{history}");
    }
);

both_engines!(
    fn the_import_that_brought_a_permit_in_cannot_be_rewritten(engine) {
        use diesel::RunQueryDsl;
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let mut conn = env.connect();
        let rewrite = diesel::sql_query("UPDATE permits SET imported_by = 99 WHERE permit_id = 'UT-1'").execute(&mut conn);
        let error = rewrite.expect_err("imported_by is fixed once set").to_string();
        assert!(error.contains("permits.imported_by never changes"), "{error}");
        for sql in ["UPDATE imports SET file = 'other.csv'", "UPDATE imports SET received_at = received_at + INTERVAL '1 day'", "DELETE FROM imports"] {
            let sql = if engine == Engine::Sqlite { sql.replace("received_at + INTERVAL '1 day'", "'2020-01-01 00:00:00'") } else { sql.to_string() };
            let error = diesel::sql_query(&sql).execute(&mut conn).expect_err(&sql).to_string();
            assert!(error.contains("an import's record never changes"), "{sql}: {error}");
        }
        diesel::sql_query("UPDATE imports SET rejected = rejected").execute(&mut conn).unwrap();
        let history = env.ok(&["history", "UT-1"]);
        assert!(history.contains("p.csv (import 1)"), "{history}");
    }
);

fn journal_mode(env: &Env) -> String {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Text)]
        journal_mode: String,
    }
    let mut conn = diesel::SqliteConnection::establish_for_test(&env.url);
    diesel::sql_query("PRAGMA journal_mode").get_result::<Mode>(&mut conn).unwrap().journal_mode
}

trait EstablishForTest {
    fn establish_for_test(url: &str) -> Self;
}

impl EstablishForTest for diesel::SqliteConnection {
    /// A plain connection that changes no setting (`storage::connect` asks for the log).
    fn establish_for_test(url: &str) -> Self {
        use diesel::Connection;
        diesel::SqliteConnection::establish(url.trim_start_matches("sqlite://")).unwrap()
    }
}

/// 60,000 permits, enough for a bulk load.
fn bulk_file(env: &Env, name: &str) -> String {
    bulk_file_of(env, name, 60_000)
}

fn bulk_file_of(env: &Env, name: &str, rows: usize) -> String {
    let mut csv = HEADER.to_string();
    for i in 0..rows {
        csv.push_str(&format!("BULK-{i:06},P-{i:06},,work,2026-01-01,2028-01-01,active,,5560000001,\n"));
    }
    env.file(name, &csv)
}

#[test]
fn a_bulk_load_into_sqlite_writes_past_the_log_and_leaves_the_log_on() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    env.ok(&["migrate"]);
    let file = bulk_file(&env, "bulk.csv");
    let r =
        Run(env.command(&["import", "permits", &file]).env("PERMIT_FOLLOWUP_LOG", "debug").output().unwrap());
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("60000 inserted"), "{}", r.stdout());
    assert!(r.stderr().contains("rollback_journal=true"), "{}", r.stderr());
    assert_eq!(journal_mode(&env), "wal");
    assert!(env.ok(&["history", "BULK-000001"]).contains("bulk.csv (import 1)"));
}

#[test]
fn a_bulk_load_killed_midway_leaves_the_register_as_it_was() {
    use std::io::BufRead;
    let env = Env::new(Engine::Sqlite, "").unwrap();
    env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
    let file = bulk_file_of(&env, "bulk.csv", 400_000);
    let mut child = env
        .command(&["import", "permits", &file])
        .env("PERMIT_FOLLOWUP_LOG", "debug")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let begun = lines.find_map(|l| l.ok().filter(|l| l.contains("import begins"))).unwrap();
    assert!(begun.contains("rollback_journal=true"), "{begun}");
    std::thread::sleep(std::time::Duration::from_millis(400));
    child.kill().unwrap(); // SIGKILL, in the middle of writing
    child.wait().unwrap();
    assert!(env.path("test.db-journal").exists(), "the load was cut off before it committed");
    // The next connection rolls the load back and goes back to the log.
    assert_eq!(env.run(&["history", "BULK-000001"]).code(), 2, "nothing of the cut-off load is left");
    assert!(env.ok(&["history", "UT-1"]).contains("p.csv (import 1)"));
    assert_eq!(index_count(&env), permit_followup::storage::bulk::REGISTER_INDEXES.len() as i64);
    assert_eq!(journal_mode(&env), "wal");
    let out = env.ok(&["import", "permits", &file]);
    assert!(out.contains("400000 inserted, 0 updated, 0 unchanged"), "{out}");
}

#[test]
fn a_bulk_load_while_another_process_has_the_file_open_goes_through_the_log() {
    use diesel::RunQueryDsl;
    let env = Env::new(Engine::Sqlite, "").unwrap();
    env.ok(&["migrate"]);
    // A daemon's connection: open, in the log, reading between passes.
    let mut daemon = env.connect();
    diesel::sql_query("SELECT COUNT(*) FROM permits").execute(&mut daemon).unwrap();
    let file = bulk_file(&env, "bulk.csv");
    let r =
        Run(env.command(&["import", "permits", &file]).env("PERMIT_FOLLOWUP_LOG", "debug").output().unwrap());
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("60000 inserted"), "{}", r.stdout());
    assert!(r.stderr().contains("rollback_journal=false"), "{}", r.stderr());
    assert_eq!(journal_mode(&env), "wal");
    diesel::sql_query("SELECT COUNT(*) FROM permits").execute(&mut daemon).unwrap();
    assert!(env.ok(&["tick", "--now", "2026-12-18"]).contains("created 500 task(s)"));
}

/// Every error class, one per line, with the message users see.
const BAD_LINES: &[(&str, &str)] = &[
    (",P-9,,study,2026-01-01,,,,,", "p.csv:2: permit_id: is required"),
    ("UT 9,P-9,,study,2026-01-01,,,,,", "p.csv:3: permit_id: a permit id may hold only"),
    (
        "UT-10,P-9,19900101-1238,study,2026-01-01,,,,,",
        "p.csv:4: personal_number: the personal number fails the Luhn check",
    ),
    ("UT-11,P-9,,astronaut,2026-01-01,,,,,", "p.csv:5: ground: unknown ground \"astronaut\""),
    ("UT-12,P-9,,study,2026-02-30,,,,,", "p.csv:6: valid_from: \"2026-02-30\" is not a date (YYYY-MM-DD)"),
    (
        "UT-13,P-9,,study,2026-01-01,2025-01-01,,,,",
        "p.csv:7: valid_until: 2025-01-01 is not after valid_from 2026-01-01",
    ),
    ("UT-14,P-9,,study,2026-01-01,,paused,,,", "p.csv:8: status: unknown status \"paused\""),
    ("UT-15,P-9,,study,2026-01-01,,,moon,,", "p.csv:9: unit: unknown unit \"moon\""),
    (
        "UT-16,P-9,,work,2026-01-01,,,,55600,",
        "p.csv:10: employer_org_no: an organisation number is 10 digits",
    ),
    ("UT-1,P-9,,study,2026-01-01,,,,,", ""),
    (
        "UT-1,P-1,,study,2026-01-01,,,,,",
        "p.csv:12: permit_id: UT-1 appears twice in this file (first on line 11)",
    ),
    ("UT-17,P-9,,study,,,,,,", "p.csv:13: valid_from: is required"),
    ("UT-18,P-9,,study,2026-01-01,,,,", "p.csv:14: record: has 9 fields, the header 10"),
];

both_engines!(
    fn every_error_is_reported_as_file_line_field_reason_and_nothing_is_imported(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut csv = HEADER.to_string();
        for (line, _) in BAD_LINES {
            csv.push_str(line);
            csv.push('\n');
        }
        let path = env.file("p.csv", &csv);
        let r = env.run(&["import", "permits", &path]);
        assert_eq!(r.code(), 3, "{}", r.stderr());
        let stderr = r.stderr().replace(&path, "p.csv");
        for (_, expected) in BAD_LINES.iter().filter(|(_, e)| !e.is_empty()) {
            assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
        }
        assert!(stderr.contains("nothing was imported"), "{stderr}");
        assert!(!stderr.contains("19900101"), "a personal number leaked into an error:\n{stderr}");
        assert_eq!(env.run(&["history", "UT-1"]).code(), 2, "UT-1 must not have been imported");
    }
);

both_engines!(
    fn a_bad_last_line_leaves_the_database_untouched(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("first.csv", &three_permits())]);
        let mut big = HEADER.to_string();
        for i in 0..2_500 {
            big.push_str(&format!("BULK-{i},P-{i},,work,2026-01-01,2028-01-01,,,,\n"));
        }
        big.push_str("UT-1,P-1,,study,2026-01-15,2028-01-15,revoked,,,\n");
        big.push_str("BAD,P-x,,work,not-a-date,,,,,\n");
        let r = env.run(&["import", "permits", &env.file("big.csv", &big)]);
        assert_eq!(r.code(), 3);
        assert!(r.stderr().contains("big.csv:2503: valid_from"), "{}", r.stderr());
        assert_eq!(env.run(&["history", "BULK-0"]).code(), 2, "a batch before the bad line was kept");
        let history = env.ok(&["history", "UT-1"]);
        assert!(!history.contains("updated"), "{history}");
    }
);

both_engines!(
    fn skip_invalid_imports_the_valid_records_and_keeps_the_rejects(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = three_permits() + "UT-9,P-9,19900101-1238,study,2026-01-01,,,,,\nUT-8,P-8,,study,20260101,,,,,\n";
        let r = env.run(&["import", "permits", "--skip-invalid", &env.file("p.csv", &csv)]);
        assert_eq!(r.code(), 3, "{}", r.stderr());
        assert!(r.stderr().contains("p.csv:5: personal_number: the personal number fails the Luhn check"));
        assert!(r.stderr().contains("3 inserted"), "{}", r.stderr());
        assert_eq!(env.run(&["history", "UT-3"]).code(), 0);
        let rejects: serde_json::Value = serde_json::from_str(&env.ok(&["rejects", "--format", "json"])).unwrap();
        let rejects = rejects.as_array().unwrap();
        assert_eq!(rejects.len(), 2);
        assert_eq!(rejects[0]["line"], 5);
        assert_eq!(rejects[0]["field"], "personal_number");
        assert_eq!(rejects[0]["record_key"], "UT-9");
        assert_eq!(rejects[1]["field"], "valid_from");
        let table = env.ok(&["rejects"]);
        assert!(table.contains("p.csv:6") && !table.contains("19900101"), "{table}");
    }
);

both_engines!(
    fn json_lines_from_standard_input_are_imported(engine) {
        let env = Env::new(engine, "").unwrap();
        let input = concat!(
            "{\"permit_id\": \"UT-1\", \"person_id\": \"P-1\", \"personal_number\": \"199001011239\", \"ground\": \"study\", \"valid_from\": \"2026-01-15\"}\n",
            "\n",
            "{\"permit_id\": \"UT-2\", \"person_id\": \"P-2\", \"ground\": \"work\", \"valid_from\": \"2026-01-15\", \"employer_org_no\": \"556000-0001\", \"valid_until\": null}\n",
        );
        let r = env.run_with_stdin(&["import", "permits", "--format", "jsonl", "-"], input);
        assert_eq!(r.code(), 0, "{}", r.stderr());
        assert!(r.stdout().contains("2 inserted"), "{}", r.stdout());
        let bad = "{\"permit_id\": \"UT-3\", \"person_id\": \"P-3\", \"ground\": \"study\", \"valid_from\": \"2026-01-15\", \"colour\": \"red\"}\nnot json\n[1]\n";
        let r = env.run_with_stdin(&["import", "permits", "--format", "jsonl", "-"], bad);
        assert_eq!(r.code(), 3);
        let stderr = r.stderr();
        assert!(stderr.contains("-:1: colour: unknown key"), "{stderr}");
        assert!(stderr.contains("-:2: record: is not valid JSON"), "{stderr}");
        assert!(stderr.contains("-:3: record: is not a JSON object"), "{stderr}");
    }
);

both_engines!(
    fn an_unknown_column_is_an_error_on_the_header_line(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = "permit_id,person_id,ground,valid_from,nickname\nUT-1,P-1,study,2026-01-01,Bob\n";
        let r = env.run(&["import", "permits", &env.file("p.csv", csv)]);
        assert_eq!(r.code(), 3);
        assert!(r.stderr().contains("p.csv:1: nickname: unknown column"), "{}", r.stderr());
        let r = env.run(&["import", "permits", &env.file("p.txt", csv)]);
        assert_eq!(r.code(), 2, "{}", r.stderr());
        assert!(r.stderr().contains("--format"), "{}", r.stderr());
        let r = env.run(&["import", "permits", &env.path("missing.csv").display().to_string()]);
        assert_eq!(r.code(), 1);
        assert!(r.stderr().contains("missing.csv"), "{}", r.stderr());
    }
);

both_engines!(
    fn a_personal_number_is_never_stored_or_printed_in_clear(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        env.ok(&["tick", "--now", "2027-06-01"]);
        let dump = env.database_dump();
        for needle in ["199001011239", "19900101-1239", "9001011239", "198112189876"] {
            assert!(!dump.windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} stored in clear");
        }
        let mut printed = String::new();
        for args in [&["tasks", "--state", "all", "--format", "json"][..], &["history", "UT-1"], &["check-config"]] {
            printed.push_str(&env.ok(args));
        }
        assert!(!printed.contains("19900101") && !printed.contains("9001011239"), "{printed}");
    }
);

#[test]
fn importing_twice_concurrently_on_sqlite_serialises_and_loses_nothing() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    env.ok(&["migrate"]);
    let mut csv_a = crate::import::HEADER.to_string();
    let mut csv_b = crate::import::HEADER.to_string();
    for i in 0..3_000 {
        csv_a.push_str(&format!("A-{i},P-{i},,work,2026-01-01,,,,,\n"));
        csv_b.push_str(&format!("B-{i},P-{i},,work,2026-01-01,,,,,\n"));
    }
    let (a, b) = (env.file("a.csv", &csv_a), env.file("b.csv", &csv_b));
    let mut ca =
        env.command(&["import", "permits", &a]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut cb =
        env.command(&["import", "permits", &b]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    assert!(ca.wait().unwrap().success() && cb.wait().unwrap().success());
    assert_eq!(env.run(&["history", "A-2999"]).code(), 0);
    assert_eq!(env.run(&["history", "B-2999"]).code(), 0);
}

fn index_count(env: &Env) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = env.connect();
    let names = permit_followup::storage::bulk::REGISTER_INDEXES
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(",");
    let sql = match env.engine {
        Engine::Sqlite => {
            format!("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'index' AND name IN ({names})")
        }
        Engine::Postgres => format!("SELECT COUNT(*) AS n FROM pg_indexes WHERE indexname IN ({names})"),
    };
    diesel::sql_query(sql).get_result::<N>(&mut conn).unwrap().n
}

both_engines!(
    fn a_bulk_load_rebuilds_the_indexes_and_a_failed_one_leaves_them_in_place(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["migrate"]);
        let expected = permit_followup::storage::bulk::REGISTER_INDEXES.len() as i64;
        assert_eq!(index_count(&env), expected);
        let csv = std::fs::read_to_string(bulk_file(&env, "bulk.csv")).unwrap();
        let bad = csv + "BAD,P-x,,work,2026-13-01,,,,,\n";
        let r = env.run(&["import", "permits", &env.file("bad.csv", &bad)]);
        assert_eq!(r.code(), 3);
        assert_eq!(index_count(&env), expected, "the rollback restores the dropped indexes");
        let out = env.ok(&["import", "permits", &env.path("bulk.csv").to_string_lossy()]);
        assert!(out.contains("60000 inserted"), "{out}");
        assert_eq!(index_count(&env), expected, "indexes rebuilt after the load");
        assert!(env.ok(&["tick", "--now", "2026-12-18"]).contains("created 500 task(s), deferred 59500"));
    }
);

both_engines!(
    fn values_that_could_be_personal_numbers_are_withheld_from_errors_and_unknown_columns_do_not_stop_the_check(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = "permit_id,person_id,ground,valid_from,employer_org_no,nickname\n\
                   UT-1,P-1,work,19900101-1239,5560000001,Bob\n\
                   UT-2,P-2,work,2026-01-01,900101-12399,Al\n";
        let r = env.run(&["import", "permits", &env.file("p.csv", csv)]);
        assert_eq!(r.code(), 3);
        let stderr = r.stderr();
        assert!(stderr.contains("p.csv:1: nickname: unknown column"), "{stderr}");
        assert!(stderr.contains("p.csv:2: valid_from: (value withheld"), "{stderr}");
        assert!(stderr.contains("p.csv:3: employer_org_no: an organisation number is 10 digits"), "{stderr}");
        assert!(!stderr.contains("1239"), "{stderr}");
        // A file without its header row: the first record's values are not echoed as column names.
        let headless = "UT-1,P-1,19900101-1239,work,2026-01-01,,,,,\n";
        let r = env.run(&["import", "permits", &env.file("h.csv", headless)]);
        assert_eq!(r.code(), 3);
        assert!(!r.stderr().contains("1239"), "{}", r.stderr());
    }
);
