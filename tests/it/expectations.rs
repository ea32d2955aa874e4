//! Expected reports end to end on both engines (docs/REFERENCE.md §13): income feeds declared
//! complete with `--covers`, and the tasks the next tick gives holders who appear in none of
//! them — some reporting and some not, months in a row, a permit begun mid-month, a report
//! under a replaced number, a coverage given twice, a late report, a third missed month as
//! evidence, a new task after a closed one, a term's registrations — and the errors of
//! `--covers` and `[expectations]`.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use serde_json::Value;

/// Work permits W-1 .. W-4 (W-3 begun on 2026-09-15, W-4 held under a number that is later
/// replaced), a study permit S-1 and a refugee permit R-1.
fn register(env: &Env) {
    let csv = format!(
        "{HEADER}\
         W-1,P-1,19851118-7588,work,2025-01-01,2028-01-01,active,,,\n\
         W-2,P-2,19801109-5828,work,2025-01-01,2028-01-01,active,,,\n\
         W-3,P-3,19821011-9767,work,2026-09-15,2028-09-15,active,,,\n\
         W-4,P-4,19880101-4385,work,2025-01-01,,active,,,\n\
         S-1,P-5,19950624-8427,study,2025-08-20,2027-08-20,active,,,Lunds universitet\n\
         S-2,P-6,19950909-7227,study,2025-08-20,2027-08-20,active,,,Lunds universitet\n\
         R-1,P-7,19931224-7431,refugee,2024-01-01,,active,,,\n"
    );
    env.ok(&["import", "permits", &env.file("permits.csv", &csv), "--now", "2026-09-01"]);
}

/// An income feed for `month` with a report (50,000 SEK) of each person of `who` (a person id
/// `P-n`, or a personal number), declared complete for the month.
fn income(env: &Env, month: &str, who: &[&str], now: &str) -> String {
    let lines: Vec<String> = who
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let key = if w.starts_with("P-") { "person_id" } else { "personal_number" };
            format!(
                r#"{{"id": "agi-{month}-{i}", "kind": "income_reported", "{key}": "{w}", "occurred_on": "{now}", "data": {{"amount_sek": 50000, "period": "{month}"}}}}"#
            )
        })
        .collect();
    let file = env.file(&format!("income-{month}.jsonl"), &(lines.join("\n") + "\n"));
    env.ok(&[
        "import",
        "signals",
        &file,
        "--format",
        "jsonl",
        "--covers",
        &format!("income_reported:{month}"),
        "--now",
        now,
    ])
}

fn tick(env: &Env, now: &str) -> String {
    env.ok(&["tick", "--now", now])
}

fn of_cause(env: &Env, cause: &str) -> Vec<Value> {
    env.tasks().into_iter().filter(|t| t["cause"] == cause).collect()
}

fn permits_of(tasks: &[Value]) -> Vec<String> {
    let mut p: Vec<String> = tasks.iter().map(|t| t["permit_id"].as_str().unwrap().to_string()).collect();
    p.sort();
    p
}

/// The missed labels of a task's evidence.
fn missed(task: &Value) -> Vec<String> {
    task["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["missed"].as_str().map(str::to_string))
        .collect()
}

both_engines!(
    fn two_months_in_a_row_without_income_make_a_task_for_those_who_reported_in_neither(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        let out = income(&env, "2026-09", &["P-1", "19801109-5828"], "2026-10-12");
        assert!(out.contains("covers income_reported:2026-09=2026-09-01..2026-09-30: now covered"), "{out}");
        tick(&env, "2026-10-13");
        assert!(of_cause(&env, "income_missing").is_empty(), "one month is not two");
        income(&env, "2026-10", &["P-1", "P-2"], "2026-11-12");
        let out = tick(&env, "2026-11-13");
        assert!(out.contains("expected reports missed: income_missing created 1 task(s) (work 1)"), "{out}");
        let tasks = of_cause(&env, "income_missing");
        // W-2 reported in both (in September by number); W-3 began mid-September, so only
        // October counts for it; S-1 and R-1 are not expected to report income.
        assert_eq!(permits_of(&tasks), ["W-4"], "{tasks:#?}");
        let t = &tasks[0];
        assert_eq!(t["occasion"], "2026-10");
        assert_eq!(missed(t), ["2026-09", "2026-10"].map(String::from));
        assert_eq!((t["priority"].as_str(), t["unit"].as_str()), (Some("high"), Some("work")));
        assert_eq!(t["due_on"], "2026-12-13", "the tick's day + 30 days");
        assert_eq!(t["reason"], "No income reported: 2026-09, 2026-10");
        let history = env.ok(&["history", "W-4"]);
        assert!(history.contains("without a report of income_reported (2026-09, 2026-10)"), "{history}");
        assert_eq!(tick(&env, "2026-11-13").lines().find(|l| l.contains("expected")), None, "run twice");
        assert_eq!(of_cause(&env, "income_missing").len(), 1);
        // report counts it under its cause; plan's history counts it among the tasks that are
        // not periodic reviews.
        let report = env.ok(&["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"]);
        let report: Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["tasks_created"]["by_cause"]["income_missing"], 1, "{report:#}");
        let plan = env.ok(&[
            "plan", "--from", "2026-11-16", "--to", "2026-11-29", "--signals-from-history", "1", "--now", "2026-11-16",
            "--format", "json",
        ]);
        let plan: Value = serde_json::from_str(&plan).unwrap();
        let work = &plan["signal_estimate"]["signal_tasks_per_week"]["work"];
        assert!(work.as_f64().is_some_and(|n| n >= 1.0), "{plan:#}");
    }
);

both_engines!(
    fn a_holder_who_began_mid_month_misses_from_the_first_whole_month(engine) {
        let env = Env::new(engine, "[expectations.income_missing]\nmissing_periods = 1\n").unwrap();
        register(&env);
        income(&env, "2026-09", &["P-1", "P-2", "19880101-4385"], "2026-10-12");
        tick(&env, "2026-10-13");
        assert!(of_cause(&env, "income_missing").is_empty(), "W-3 was not valid through September");
        income(&env, "2026-10", &["P-1", "P-2", "19880101-4385"], "2026-11-12");
        tick(&env, "2026-11-13");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-3"]);
    }
);

both_engines!(
    fn a_report_under_a_replaced_number_reaches_the_holder(engine) {
        let env = Env::new(engine, "[expectations.income_missing]\nmissing_periods = 1\n").unwrap();
        register(&env);
        let replaced = r#"{"id": "navet-1", "kind": "birth_date_changed", "personal_number": "19880101-4385", "occurred_on": "2026-09-10", "data": {"new_personal_number": "19880614-0433"}}"#;
        env.ok(&["import", "signals", &env.file("navet.jsonl", &format!("{replaced}\n")), "--now", "2026-09-11"]);
        tick(&env, "2026-09-12");
        income(&env, "2026-09", &["P-1", "P-2", "P-3", "19880614-0433"], "2026-10-12");
        tick(&env, "2026-10-13");
        assert!(of_cause(&env, "income_missing").is_empty(), "the new number is W-4's: {:#?}", env.tasks());
    }
);

both_engines!(
    fn a_coverage_given_twice_is_one_and_other_dates_are_refused(engine) {
        let env = Env::new(engine, "[expectations.income_missing]\nmissing_periods = 1\n").unwrap();
        register(&env);
        income(&env, "2026-09", &["P-1"], "2026-10-12");
        let again = income(&env, "2026-09", &["P-1"], "2026-10-13");
        assert!(again.contains("covered already (import 2)"), "{again}");
        let listed = env.ok(&["coverage", "--format", "json"]);
        let listed: Vec<Value> = serde_json::from_str(&listed).unwrap();
        assert_eq!(listed.len(), 1, "{listed:#?}");
        assert_eq!((listed[0]["from"].as_str(), listed[0]["to"].as_str()), (Some("2026-09-01"), Some("2026-09-30")));
        let empty = env.file("empty.jsonl", "");
        let run = env.run(&["import", "signals", &empty, "--covers", "income_reported:2026-09=2026-09-01..2026-09-29"]);
        assert_eq!(run.code(), 2, "{}", run.stderr());
        assert!(
            run.stderr().contains("income_reported:2026-09 is already covered as 2026-09-01..2026-09-30"),
            "{}",
            run.stderr()
        );
        tick(&env, "2026-10-13");
        tick(&env, "2026-10-14");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-2", "W-4"]);
        let table = env.ok(&["signals"]);
        assert!(table.contains("periods covered: income_reported 2026-09 (see coverage)"), "{table}");
    }
);

both_engines!(
    fn a_late_report_changes_nothing_already_created_but_counts_before_the_tick(engine) {
        let env = Env::new(engine, "[expectations.income_missing]\nmissing_periods = 1\n").unwrap();
        register(&env);
        income(&env, "2026-09", &["P-1"], "2026-10-12");
        // W-2's report comes late, but before any tick: it counts.
        let late = r#"{"id": "late-1", "kind": "income_reported", "person_id": "P-2", "occurred_on": "2026-10-20", "data": {"amount_sek": 50000, "period": "2026-09"}}"#;
        env.ok(&["import", "signals", &env.file("late.jsonl", &format!("{late}\n")), "--now", "2026-10-20"]);
        tick(&env, "2026-10-21");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-4"]);
        // W-4's comes after the tick: its task stays.
        let later = r#"{"id": "late-2", "kind": "income_reported", "person_id": "P-4", "occurred_on": "2026-10-25", "data": {"amount_sek": 50000, "period": "2026-09"}}"#;
        env.ok(&["import", "signals", &env.file("later.jsonl", &format!("{later}\n")), "--now", "2026-10-25"]);
        tick(&env, "2026-10-26");
        let tasks = of_cause(&env, "income_missing");
        assert_eq!(permits_of(&tasks), ["W-4"]);
        assert_eq!(tasks[0]["state"], "open");
    }
);

both_engines!(
    fn an_open_task_gains_a_third_month_and_after_closing_two_more_make_a_new_one(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        let everyone_but_w4 = ["P-1", "P-2", "P-3"];
        income(&env, "2026-09", &everyone_but_w4, "2026-10-12");
        income(&env, "2026-10", &everyone_but_w4, "2026-11-12");
        tick(&env, "2026-11-13");
        income(&env, "2026-11", &everyone_but_w4, "2026-12-12");
        let out = tick(&env, "2026-12-13");
        assert!(out.contains("1 open task(s) gained missed periods as evidence"), "{out}");
        let tasks = of_cause(&env, "income_missing");
        assert_eq!(tasks.len(), 1);
        assert_eq!(missed(&tasks[0]), ["2026-09", "2026-10", "2026-11"].map(String::from));
        let id = tasks[0]["id"].to_string();
        env.ok(&["tasks", "close", &id, "--outcome", "no_action", "--note", "Parental leave"]);
        income(&env, "2026-12", &everyone_but_w4, "2027-01-12");
        tick(&env, "2027-01-13");
        assert_eq!(of_cause(&env, "income_missing").len(), 1, "2026-11 was named by the closed task");
        income(&env, "2027-01", &everyone_but_w4, "2027-02-12");
        tick(&env, "2027-02-13");
        let tasks = of_cause(&env, "income_missing");
        assert_eq!(tasks.len(), 2, "{tasks:#?}");
        let new = tasks.iter().find(|t| t["state"] == "open").unwrap();
        assert_eq!(new["occasion"], "2027-01");
        assert_eq!(missed(new), ["2026-12", "2027-01"].map(String::from));
    }
);

both_engines!(
    fn a_month_declared_after_a_later_one_is_judged_as_the_rule_says(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        income(&env, "2026-09", &["P-1", "P-3"], "2026-10-12");
        tick(&env, "2026-10-13");
        assert!(of_cause(&env, "income_missing").is_empty(), "one month is not two");
        // November before October: W-4 missed both of its last two months; W-2 missed
        // September but reported in November, its last month.
        income(&env, "2026-11", &["P-1", "P-2", "P-3"], "2026-12-12");
        tick(&env, "2026-12-13");
        let tasks = of_cause(&env, "income_missing");
        assert_eq!(permits_of(&tasks), ["W-4"], "{tasks:#?}");
        assert_eq!(missed(&tasks[0]), ["2026-09", "2026-11"].map(String::from));
        // October comes late, and W-2 missed it: its last two months are now October and
        // November, and it reported in November; W-4's task named November already.
        income(&env, "2026-10", &["P-1", "P-3"], "2026-12-14");
        let out = tick(&env, "2026-12-15");
        assert!(!out.contains("income_missing created"), "{out}");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-4"]);
        // December, missed by W-2 and W-4: W-2's last two months are November (reported) and
        // December; W-4's open task gains December.
        income(&env, "2026-12", &["P-1", "P-3"], "2027-01-12");
        let out = tick(&env, "2027-01-13");
        assert!(out.contains("1 open task(s) gained missed periods as evidence"), "{out}");
        let tasks = of_cause(&env, "income_missing");
        assert_eq!(permits_of(&tasks), ["W-4"], "{tasks:#?}");
        assert_eq!(missed(&tasks[0]), ["2026-09", "2026-11", "2026-12"].map(String::from));
    }
);

both_engines!(
    fn a_term_without_registration_makes_a_task_and_registrations_make_none_of_their_own(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        let registered = r#"{"id": "ladok-1", "kind": "study_registered", "person_id": "P-5", "occurred_on": "2026-09-02", "data": {"period": "2026-HT"}}"#;
        let file = env.file("ladok.jsonl", &format!("{registered}\n"));
        let out = env.ok(&[
            "import",
            "signals",
            &file,
            "--covers",
            "study_registered:2026-HT=2026-08-31..2027-01-17",
            "--now",
            "2027-01-18",
        ]);
        assert!(out.contains("now covered"), "{out}");
        tick(&env, "2027-01-19");
        let tasks = env.tasks();
        assert!(tasks.iter().all(|t| t["cause"] != "study_registered"), "tasks = false");
        let missing: Vec<&Value> = tasks.iter().filter(|t| t["cause"] == "study_registration_missing_term").collect();
        assert_eq!(missing.len(), 1, "{missing:#?}");
        assert_eq!((missing[0]["permit_id"].as_str(), missing[0]["occasion"].as_str()), (Some("S-2"), Some("2026-HT")));
        let signals = env.ok(&["signals", "--format", "json"]);
        assert!(signals.contains("tasks = false"), "{signals}");
    }
);

both_engines!(
    fn a_feed_with_rejected_records_declares_no_period(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        let bad = r#"{"id": "x-1", "kind": "income_reported", "person_id": "P-1", "occurred_on": "2026-10-12", "data": {"amount_sek": -1}}"#;
        let file = env.file("bad.jsonl", &format!("{bad}\n"));
        let run = env.run(&["import", "signals", &file, "--covers", "income_reported:2026-09", "--skip-invalid"]);
        assert_eq!(run.code(), 3, "{}", run.stderr());
        assert!(run.stderr().contains("the periods of --covers were not declared"), "{}", run.stderr());
        assert!(env.ok(&["coverage"]).contains("0 period(s) covered"));
        let run = env.run(&["import", "signals", &file, "--covers", "income_reported:2026-09"]);
        assert_eq!(run.code(), 3);
        assert!(env.ok(&["coverage"]).contains("0 period(s) covered"));
    }
);

both_engines!(
    fn permits_imported_or_changed_after_a_period_was_judged_and_a_changed_expectation_are_judged_at_the_next_tick(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        tick(&env, "2026-09-02");
        income(&env, "2026-09", &["P-1", "P-2", "P-3"], "2026-10-12");
        income(&env, "2026-10", &["P-1", "P-2", "P-3"], "2026-11-12");
        tick(&env, "2026-11-13");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-4"]);
        // A permit the register brings after both months were judged, and one whose validity
        // the register moves back: no new coverage, yet the next tick judges both.
        let csv = format!(
            "{HEADER}W-5,P-8,,work,2025-06-01,,active,,,\n\
             W-3,P-3,19821011-9767,work,2026-09-01,2028-09-15,active,,,\n\
             W-6,P-9,,work,2026-08-01,2028-08-01,active,,,\n"
        );
        env.ok(&["import", "permits", &env.file("more.csv", &csv), "--now", "2026-11-14"]);
        let out = tick(&env, "2026-11-14");
        assert!(out.contains("income_missing created 2 task(s)"), "{out}");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-4", "W-5", "W-6"]);
        assert_eq!(tick(&env, "2026-11-14").lines().find(|l| l.contains("expected")), None, "run twice");
        // One missed month now suffices: every holder is judged again, and W-3 (which reported
        // in both months) still has nothing, nor is any month named twice.
        env.write_config("[expectations.income_missing]\nmissing_periods = 1\n");
        let out = tick(&env, "2026-11-15");
        assert!(!out.contains("income_missing created"), "{out}");
        let csv = format!("{HEADER}W-7,P-10,,work,2025-06-01,,active,,,\n");
        env.ok(&["import", "permits", &env.file("one.csv", &csv), "--now", "2026-11-16"]);
        income(&env, "2026-11", &["P-1", "P-2", "P-10"], "2026-12-12");
        let out = tick(&env, "2026-12-13");
        assert!(out.contains("income_missing created 1 task(s)"), "W-3 misses November alone: {out}");
        assert!(out.contains("3 open task(s) gained missed periods as evidence"), "{out}");
    }
);

/// A month's feed processed leaves `signals` vacuumed on PostgreSQL, so that the ticks after
/// it do not walk the index entries of the old pending versions (docs/REFERENCE.md §13.3).
#[test]
#[cfg_attr(not(pg_tests), ignore = "no PostgreSQL: set PERMIT_FOLLOWUP_TEST_PG=postgres://... to run")]
fn a_processed_feed_of_a_month_leaves_signals_vacuumed_on_postgresql() {
    crate::helpers::require_pg_server();
    let env = Env::new(Engine::Postgres, "").unwrap();
    let holders = 50_001;
    let rows: String =
        (0..holders).map(|i| format!("W-{i},P-{i},,work,2025-01-01,2028-01-01,active,,,\n")).collect();
    env.ok(&[
        "import",
        "permits",
        &env.file("permits.csv", &format!("{HEADER}{rows}")),
        "--now",
        "2026-09-01",
    ]);
    let who: Vec<String> = (0..holders).map(|i| format!("P-{i}")).collect();
    let who: Vec<&str> = who.iter().map(String::as_str).collect();
    income(&env, "2026-09", &who, "2026-10-05");
    let vacuumed = "SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'signals' AND schemaname = current_schema()";
    assert_eq!(env.count(vacuumed), 0);
    let out = tick(&env, "2026-10-05");
    assert!(out.contains("signals: 50001 processed"), "{out}");
    assert_eq!(env.count(vacuumed), 1, "the pass that processed them vacuumed signals");
    let dead = "SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'signals' AND schemaname = current_schema()";
    assert_eq!(env.count(dead), 0);
    // Fewer are left to autovacuum.
    income(&env, "2026-10", &who[..10], "2026-11-05");
    tick(&env, "2026-11-05");
    assert_eq!(env.count(vacuumed), 1);
}

#[test]
fn bad_covers_name_the_option_and_import_nothing() {
    let env = Env::new(Engine::Sqlite, "").unwrap();
    register(&env);
    let empty = env.file("empty.jsonl", "");
    for (cover, says) in [
        ("income_reported", "--covers \"income_reported\": expected KIND:LABEL"),
        ("income_reported:2026-HT", "is not a month (YYYY-MM), so its dates are needed"),
        ("income_reported:2026-13", "is not a month"),
        ("salary:2026-09", "unknown kind \"salary\" (not under [signals])"),
        ("income_reported:2026-09=2026-09-30..2026-09-01", "ends (2026-09-01) before it begins (2026-09-30)"),
        ("income_reported:19900101-1239", "label"),
        ("19900101-1239:2026-10", "is not a signal kind's name"),
    ] {
        let run = env.run(&["import", "signals", &empty, "--covers", cover]);
        assert_eq!(run.code(), 2, "{cover}: {}", run.stderr());
        assert!(run.stderr().contains(says), "{cover}: {}", run.stderr());
        assert!(!run.stderr().contains("19900101"), "a personal number is never repeated: {}", run.stderr());
    }
    let run = env.run(&[
        "import",
        "signals",
        &empty,
        "--covers",
        "income_reported:2026-09",
        "--covers",
        "income_reported:2026-09=2026-09-01..2026-09-29",
    ]);
    assert!(run.stderr().contains("is given twice"), "{}", run.stderr());
    assert!(env.ok(&["coverage"]).contains("0 period(s) covered"));
    assert_eq!(env.count("SELECT count(*) AS n FROM imports WHERE kind = 'signals'"), 0);
}

#[test]
fn check_config_names_the_key_of_a_bad_expectation() {
    for (extra, says) in [
        ("[expectations.x]\nkind = \"salary\"", "expectations.x.kind: unknown kind \"salary\""),
        ("[expectations.x]\ngrounds = [\"space\"]", "expectations.x.grounds: unknown ground \"space\""),
        ("[expectations.x]\ndue_within = \"soon\"", "expectations.x.due_within"),
        (
            "[expectations.x]\nmissing_periods = 0",
            "expectations.x.missing_periods: 0 is not a count of 1 or more",
        ),
        ("[expectations.x]\npriority = \"asap\"", "expectations.x.priority"),
        ("[expectations.income_reported]\n", "must not be a signal kind or periodic_review"),
        ("[expectations.periodic_review]\n", "must not be a signal kind or periodic_review"),
    ] {
        let whole = "kind = \"income_reported\"\ngrounds = [\"work\"]\nmissing_periods = 2\npriority = \"high\"\nreason = \"r\"\ndue_within = \"30 days\"\nlegal_basis = \"l\"\n";
        // The test's keys win over the whole table's, key by key.
        let (head, own) = extra.split_once('\n').unwrap_or((extra, ""));
        let mut lines: Vec<&str> = own.lines().collect();
        for line in whole.lines() {
            let key = line.split(" =").next().unwrap();
            if !lines.iter().any(|l| l.starts_with(&format!("{key} ="))) {
                lines.push(line);
            }
        }
        let env = Env::new(Engine::Sqlite, &format!("{head}\n{}\n", lines.join("\n"))).unwrap();
        let run = env.run(&["check-config"]);
        assert_ne!(run.code(), 0, "{extra}");
        assert!(run.stderr().contains(says), "{extra}: {}", run.stderr());
    }
    let env = Env::new(Engine::Sqlite, "").unwrap();
    let out = env.ok(&["check-config"]);
    assert!(out.contains("income_missing                   income_reported   work     2"), "{out}");
    assert!(out.contains("study_registered: makes no task of its own (tasks = false)"), "{out}");
}

both_engines!(
    /// A month's income feed is large and the next tick's anti-join reads it at once: on
    /// PostgreSQL the import leaves the planner's statistics of `signals` fresh, not waiting for
    /// autovacuum; a small feed leaves them to it.
    fn a_large_feed_leaves_the_statistics_of_signals_fresh(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        let analyzed = "SELECT COUNT(*) AS n FROM pg_stats WHERE tablename = 'signals' AND schemaname = current_schema()";
        income(&env, "2026-09", &["P-1", "P-2"], "2026-10-05");
        if engine == Engine::Postgres {
            assert_eq!(env.count(analyzed), 0, "two reports are left to autovacuum");
        }
        let many: Vec<String> = (0..10_001).map(|i| format!("P-{}", 100 + i)).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let out = income(&env, "2026-10", &many, "2026-11-05");
        assert!(out.contains("10001 received"), "{out}");
        if engine == Engine::Postgres {
            assert!(env.count(analyzed) > 0, "the statistics of signals were refreshed");
        }
        // The tick judges on them: only W-4's holder missed both months it was expected in.
        tick(&env, "2026-11-05");
        assert_eq!(permits_of(&of_cause(&env, "income_missing")), ["W-4"]);
    }
);
