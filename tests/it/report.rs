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
