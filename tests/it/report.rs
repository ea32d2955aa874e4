//! `report` against a hand-built history on both engines: tasks created on chosen days, closed
//! with every outcome on chosen days, signals in every state, a digest — and each figure,
//! the median and the 90th percentile included, as a hand count says.

use crate::both_engines;
use crate::helpers::Env;
use crate::import::HEADER;
use serde_json::Value;

/// Six study permits fall due each day Monday to Saturday of five weeks from 2027-03-01,
/// reviewed once a year; `revoked` names one to import as revoked.
fn register(revoked: Option<&str>) -> String {
    let mut csv = HEADER.to_string();
    for week in 0..5 {
        for day in 0..6 {
            let due =
                chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap() + chrono::Days::new(7 * week + day);
            let from = chrono::Datelike::with_year(&due, 2026).unwrap();
            let id = format!("S-{week}{day}");
            let status = if revoked == Some(id.as_str()) { "revoked" } else { "active" };
            csv += &format!("{id},H-{week}{day},,study,{from},,{status},,,\n");
        }
    }
    csv
}

pub const YEARLY: &str =
    "[grounds.study]\nfirst_review_after = \"1 year\"\nreview_every = \"1 year\"\nlead_time = \"0 days\"\n";

fn task_id(env: &Env, permit: &str, cause: &str) -> String {
    env.tasks().iter().find(|t| t["permit_id"] == permit && t["cause"] == cause).unwrap()["id"].to_string()
}

fn signal(id: &str, kind: &str, person: &str, on: &str) -> String {
    format!("{{\"id\":\"{id}\",\"kind\":\"{kind}\",\"person_id\":\"{person}\",\"occurred_on\":\"{on}\"}}\n")
}

/// The history, step by step (the report covers 2027-03-01 to 2027-03-14).
pub fn history(env: &Env) {
    env.ok(&["import", "permits", &env.file("p.csv", &register(None)), "--now", "2027-02-01"]);
    let tick = |day: u32| env.ok(&["tick", "--now", &format!("2027-03-{day:02}")]);
    (1..=4).for_each(|d| {
        tick(d);
    });
    let feed = signal("e-1", "emigrated", "H-00", "2027-03-03")
        + &signal("n-1", "name_changed", "X-1", "2027-03-02");
    env.ok(&["import", "signals", &env.file("s1.jsonl", &feed), "--now", "2027-03-04"]);
    (5..=13).for_each(|d| {
        tick(d);
    });
    env.ok(&[
        "import",
        "signals",
        &env.file("s2.jsonl", &signal("c-1", "citizenship_changed", "X-2", "2027-03-13")),
        "--now",
        "2027-03-14",
    ]);
    for (permit, outcome, on) in [
        ("S-00", "no_action", "2027-03-03"),
        ("S-01", "revocation_initiated", "2027-03-12"),
        ("S-02", "referred", "2027-03-04"),
        ("S-03", "no_action", "2027-03-09"),
        ("S-04", "no_action", "2027-03-20"),
        ("S-05", "referred", "2027-03-07"),
    ] {
        let id = task_id(env, permit, "periodic_review");
        env.ok(&["tasks", "close", &id, "--outcome", outcome, "--note", "checked", "--now", on]);
    }
    env.ok(&["import", "permits", &env.file("p2.csv", &register(Some("S-10"))), "--now", "2027-03-10"]);
    env.ok(&["notify", "--now", "2027-03-08"]);
    env.ok(&["tick", "--now", "2027-04-05"]);
}

both_engines!(
    fn every_figure_of_a_hand_built_history_is_what_a_hand_count_says(engine) {
        let env = Env::new(engine, YEARLY).unwrap();
        history(&env);
        let out = env.ok(&["report", "--from", "2027-03-01", "--to", "2027-03-14", "--format", "json", "--now", "2027-04-06"]);
        let r: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["tasks_created"]["total"], 13, "{out}");
        assert_eq!(r["tasks_created"]["by_cause"]["periodic_review"], 12);
        assert_eq!(r["tasks_created"]["by_cause"]["emigrated"], 1);
        assert_eq!(r["tasks_created"]["by_ground"]["study"], 13);
        assert_eq!(r["tasks_created"]["by_unit"]["study"], 13);
        let closed = &r["tasks_closed"];
        assert_eq!(closed["total"], 6);
        assert_eq!(closed["by_outcome"]["no_action"], 2);
        assert_eq!(closed["by_outcome"]["revocation_initiated"], 1);
        assert_eq!(closed["by_outcome"]["referred"], 2);
        assert_eq!(closed["by_outcome"]["permit_inactive"], 1);
        assert_eq!(closed["by_unit"]["study"]["referred"], 2);
        assert_eq!(r["open_at_end"]["by_unit"]["study"], 7, "S-04 closes after the period");
        assert_eq!(r["overdue_at_end"]["by_unit"]["study"], 6, "the emigration task is due 2027-03-17");
        // Days to close: 2, 10, 1, 5, 1 and 2 (the revoked permit's task) → median 2, p90 10.
        let study = &r["days_to_close"]["by_unit"]["study"];
        assert_eq!((study["tasks"].as_u64(), study["median"].as_f64(), study["p90"].as_i64()), (Some(6), Some(2.0), Some(10)));
        assert_eq!(r["days_to_close"]["by_unit_and_cause"]["study"]["periodic_review"]["p90"], 10);
        let signals = &r["signals"]["by_kind"];
        assert_eq!(r["signals"]["received"], 3);
        assert_eq!((signals["emigrated"]["processed"].as_u64(), signals["emigrated"]["received"].as_u64()), (Some(1), Some(1)));
        assert_eq!(signals["name_changed"]["unmatched"], 1);
        assert_eq!(signals["citizenship_changed"]["pending"], 1);
        assert_eq!(r["digests_sent"]["by_unit"]["study"], 1);
        let weeks: Vec<(String, i64, i64)> = r["weeks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["unit"] == "study")
            .map(|w| (w["week"].as_str().unwrap().to_string(), w["created"].as_i64().unwrap(), w["open"].as_i64().unwrap()))
            .collect();
        assert_eq!(weeks, [("2027-W09".to_string(), 7, 4), ("2027-W10".to_string(), 6, 7)]);
        // The table and the CSV say the same.
        let table = env.ok(&["report", "--from", "2027-03-01", "--to", "2027-03-14"]);
        assert!(table.contains("tasks created: 13") && table.contains("tasks closed: 6"), "{table}");
        assert!(table.contains("at the end of 2027-03-14: 7 open, 6 overdue"), "{table}");
        let csv = env.ok(&["report", "--from", "2027-03-01", "--to", "2027-03-14", "--format", "csv"]);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "figure,unit,ground,cause,outcome,kind,state,week,value");
        assert!(lines.contains(&"tasks_closed,study,,,permit_inactive,,,,1"), "{csv}");
        assert!(lines.contains(&"days_to_close_p90,study,,,,,,,10"), "{csv}");
        assert!(lines.contains(&"week_open,study,,,,,,2027-W10,7"), "{csv}");
    }
);

both_engines!(
    fn a_period_that_runs_backwards_is_a_usage_error_and_an_empty_one_reports_zeros(engine) {
        let env = Env::new(engine, "").unwrap();
        let r = env.run(&["report", "--from", "2027-03-02", "--to", "2027-03-01"]);
        assert_eq!(r.code(), 2, "{}", r.stderr());
        let out = env.ok(&["report", "--from", "2027-03-01", "--to", "2027-03-01", "--format", "json"]);
        let r: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["tasks_created"]["total"], 0);
        assert_eq!(r["tasks_closed"]["by_outcome"]["no_action"], 0, "every outcome is keyed");
    }
);

/// A month of several causes closed in several ways (the report covers 2027-03-01 to
/// 2027-03-31): four study permits' periodic reviews, two study holders registered as
/// emigrated, three work holders whose employment ended and who reported no income in the two
/// months the income feeds covered (the shipped expectation `income_missing`).
fn yields_history(env: &Env) {
    let mut csv = HEADER.to_string();
    for i in 1..=4 {
        csv += &format!("S-{i},HS-{i},,study,2026-03-01,,active,,,\n");
    }
    for i in 1..=3 {
        csv += &format!("W-{i},HW-{i},,work,2027-01-01,,active,,556000-000{i},\n");
    }
    env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2027-02-01"]);
    for month in ["2027-01", "2027-02"] {
        let feed = env.file(&format!("income-{month}.jsonl"), "");
        let covers = format!("income_reported:{month}");
        env.ok(&[
            "import",
            "signals",
            &feed,
            "--format",
            "jsonl",
            "--covers",
            &covers,
            "--now",
            "2027-02-28",
        ]);
    }
    env.ok(&["tick", "--now", "2027-03-01"]);
    let mut feed =
        signal("e-1", "emigrated", "HS-1", "2027-03-02") + &signal("e-2", "emigrated", "HS-2", "2027-03-02");
    for i in 1..=3 {
        feed += &format!(
            "{{\"id\":\"w-{i}\",\"kind\":\"employment_ended\",\"person_id\":\"HW-{i}\",\"occurred_on\":\"2027-03-02\",\"data\":{{\"employer_org_no\":\"556000-000{i}\"}}}}\n"
        );
    }
    env.ok(&["import", "signals", &env.file("s.jsonl", &feed), "--now", "2027-03-02"]);
    env.ok(&["tick", "--now", "2027-03-02"]);
    for (permit, cause, outcome, on) in [
        ("S-1", "periodic_review", "no_action", "2027-03-05"),
        ("S-2", "periodic_review", "no_action", "2027-03-11"),
        ("S-3", "periodic_review", "referred", "2027-03-03"),
        ("S-1", "emigrated", "revocation_initiated", "2027-03-09"),
        ("S-2", "emigrated", "no_action", "2027-04-10"),
        ("W-1", "employment_ended", "revocation_initiated", "2027-03-04"),
        ("W-2", "employment_ended", "revocation_initiated", "2027-03-12"),
        ("W-3", "employment_ended", "referred", "2027-03-22"),
        ("W-1", "income_missing", "no_action", "2027-03-08"),
    ] {
        let id = task_id(env, permit, cause);
        env.ok(&["tasks", "close", &id, "--outcome", outcome, "--note", "checked", "--now", on]);
    }
}

both_engines!(
    fn what_each_cause_yielded_is_counted_by_cause_unit_and_outcome_in_every_format(engine) {
        let env = Env::new(engine, YEARLY).unwrap();
        yields_history(&env);
        let args = |format: &'static str| ["report", "--from", "2027-03-01", "--to", "2027-03-31", "--format", format, "--now", "2027-04-11"];
        let out = env.ok(&args("json"));
        let r: Value = serde_json::from_str(&out).unwrap();
        let y = &r["yields"];
        // Reviews closed after 4, 10 and 2 days; the third permit's review is still open.
        let review = &y["by_cause"]["periodic_review"];
        assert_eq!(review["closed"], 3, "{out}");
        assert_eq!(review["no_action"], serde_json::json!({"tasks": 2, "share": 0.6667}));
        assert_eq!(review["referred"], serde_json::json!({"tasks": 1, "share": 0.3333}));
        assert_eq!(review["revocation_initiated"], serde_json::json!({"tasks": 0, "share": 0.0}));
        assert_eq!(review["median_days"], 4.0);
        // One emigration closed in the period (7 days), the other after it.
        let emigrated = &y["by_cause"]["emigrated"];
        assert_eq!((emigrated["closed"].as_u64(), emigrated["median_days"].as_f64()), (Some(1), Some(7.0)));
        assert_eq!(emigrated["revocation_initiated"]["share"], 1.0);
        // Employment ended: 2, 10 and 20 days.
        let ended = &y["by_unit_and_cause"]["work"]["employment_ended"];
        assert_eq!(ended["closed"], 3);
        assert_eq!(ended["revocation_initiated"], serde_json::json!({"tasks": 2, "share": 0.6667}));
        assert_eq!(ended["median_days"], 10.0);
        assert_eq!(y["by_cause"]["employment_ended"], *ended, "one unit: the same over all units");
        // A configured cause with nothing closed: zeros, no share, no median.
        let income = &y["by_cause"]["income_reported"];
        assert_eq!((income["closed"].as_u64(), &income["no_action"]["share"], &income["median_days"]), (Some(0), &Value::Null, &Value::Null));
        // An expectation is a cause like any other: one of three tasks closed, after 7 days.
        let missing = &y["by_unit_and_cause"]["work"]["income_missing"];
        assert_eq!((missing["closed"].as_u64(), missing["median_days"].as_f64()), (Some(1), Some(7.0)), "{out}");
        assert_eq!(missing["no_action"], serde_json::json!({"tasks": 1, "share": 1.0}));
        assert_eq!(r["tasks_created"]["by_cause"]["income_missing"], 3);
        // A configured expectation that gave no task is listed with nothing closed.
        assert_eq!(y["by_cause"]["study_registration_missing_term"]["closed"], 0);
        assert!(y["by_cause"].get("study_registered").is_none(), "a kind with tasks = false is no cause");
        assert_eq!(y["by_unit_and_cause"]["study"].as_object().unwrap().len(), 2, "periodic_review and emigrated");
        assert_eq!(y["by_unit_and_cause"]["work"].as_object().unwrap().len(), 2, "employment_ended and income_missing");
        // What was there keeps its keys.
        assert_eq!(r["tasks_closed"]["total"], 8);
        assert_eq!(r["days_to_close"]["by_unit_and_cause"]["work"]["employment_ended"]["median"], 10.0);

        let table = env.ok(&args("table"));
        let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
        assert!(table.contains("what each cause yielded, of the 8 task(s) closed in the period:"), "{table}");
        assert!(rows.contains(&vec!["income_missing", "work", "1", "0", "0.0", "1", "100.0", "0", "0.0", "0", "0.0", "7"]), "{table}");
        assert!(rows.contains(&vec!["periodic_review", "(all)", "3", "0", "0.0", "2", "66.7", "1", "33.3", "0", "0.0", "4"]), "{table}");
        assert!(rows.contains(&vec!["employment_ended", "work", "3", "2", "66.7", "0", "0.0", "1", "33.3", "0", "0.0", "10"]), "{table}");
        assert!(rows.contains(&vec!["income_reported", "(all)", "0", "0", "-", "0", "-", "0", "-", "0", "-", "-"]), "{table}");

        let csv = env.ok(&args("csv"));
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "figure,unit,ground,cause,outcome,kind,state,week,value");
        for line in [
            "yield_closed,,,periodic_review,,,,,3",
            "yield_tasks,study,,emigrated,revocation_initiated,,,,1",
            "yield_share,work,,employment_ended,referred,,,,0.3333",
            "yield_median_days,,,periodic_review,,,,,4",
            "yield_closed,,,income_reported,,,,,0",
            "yield_tasks,work,,income_missing,no_action,,,,1",
        ] {
            assert!(lines.contains(&line), "{line} in {csv}");
        }
        assert!(!csv.contains("yield_share,,,income_reported"), "{csv}");

        for (language, heading, row) in [
            ("en", "8. What each indication yields", "<tr><th scope=\"row\">Employment ended</th><td class=\"text\">all units</td><td>3</td><td>2\u{a0}(66.7%)</td><td>0\u{a0}(0%)</td><td>1\u{a0}(33.3%)</td><td>0\u{a0}(0%)</td><td>10</td></tr>"),
            ("sv", "8. Vad varje indikation ger", "<tr><th scope=\"row\">Periodisk kontroll</th><td class=\"text\">alla enheter</td><td>3</td><td>0\u{a0}(0\u{a0}%)</td><td>2\u{a0}(66,7\u{a0}%)</td><td>1\u{a0}(33,3\u{a0}%)</td><td>0\u{a0}(0\u{a0}%)</td><td>4</td></tr>"),
        ] {
            let html = env.ok(&[&args("html")[..], &["--language", language]].concat());
            assert!(html.contains(heading), "{language}: {heading}");
            assert!(html.contains(row), "{language}: {row} in {html}");
        }
    }
);
