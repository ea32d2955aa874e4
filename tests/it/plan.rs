//! `plan` against the real thing: for random registers and policies (month-end dates, lead
//! times, capacities including 0 and none, tasks already created in the first week, periods
//! across an ISO-year boundary) the forecast equals, week by week and unit by unit, what real
//! ticks then do on the same database day by day; `--compare` of a configuration with itself
//! differs by nothing; a halved capacity grows the backlog as a hand count says; every format.

use crate::both_engines;
use crate::helpers::{Engine, Env, Rng};
use crate::import::HEADER;
use chrono::{Datelike, Days, NaiveDate, TimeZone};
use permit_followup::domain::calendar::{iso_week_bounds, week_label};
use permit_followup::jobs::plan::{plan, PlanRequest};
use std::collections::BTreeMap;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A random policy for the grounds study and work, and a random register of them.
fn case(rng: &mut Rng) -> (String, String) {
    let spans =
        ["14 days", "1 month", "2 months", "3 months", "6 months", "1 year", "5 weeks", "1 month 3 days"];
    let leads = ["0 days", "3 days", "14 days", "1 month"];
    let caps = ["0", "1", "2", "3", "5", "\"unlimited\""];
    let mut config = String::new();
    for (ground, unit) in [("study", "study"), ("work", "work")] {
        config += &format!(
            "[grounds.{ground}]\nfirst_review_after = \"{}\"\nreview_every = \"{}\"\nlead_time = \"{}\"\n[units.{unit}]\nweekly_capacity = {}\n",
            rng.pick(&spans),
            rng.pick(&spans),
            rng.pick(&leads),
            rng.pick(&caps)
        );
    }
    let mut csv = HEADER.to_string();
    for i in 0..(20 + rng.below(50)) {
        let ground = rng.pick(&["study", "work"]);
        // Month ends are where clamping shows.
        let day = if rng.below(3) == 0 { 28 + rng.below(4) as u32 } else { 1 + rng.below(28) as u32 };
        let month = 1 + rng.below(12) as u32;
        let year = 2025 + rng.below(2) as i32;
        let from = NaiveDate::from_ymd_opt(year, month, day)
            .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, month, 28).unwrap());
        let until = match rng.below(3) {
            0 => (from + Days::new(100 + rng.below(600))).to_string(),
            _ => String::new(),
        };
        let own_unit = if rng.below(5) == 0 { "work" } else { "" };
        csv += &format!("P{i:03},H{i},,{ground},{from},{until},active,{own_unit},,\n");
    }
    (config, csv)
}

/// Real ticks on every day from `from` to `to`: per unit and ISO week, (created, backlog).
fn real_ticks(env: &Env, from: NaiveDate, to: NaiveDate) -> BTreeMap<(String, String), (u32, u32)> {
    let settings = settings(env);
    let store = env.store();
    let mut out: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    for day in from.iter_days().take_while(|d| *d <= to) {
        let now = chrono::Utc.from_utc_datetime(&day.and_hms_opt(11, 0, 0).unwrap());
        let report = permit_followup::jobs::tick::tick(&store, &settings.policy, day, now).unwrap();
        for unit in settings.policy.units.keys() {
            let cell = out.entry((unit.to_string(), week_label(day))).or_default();
            cell.0 += report.periodic.get(unit).copied().unwrap_or(0);
            cell.1 = report.deferred.get(unit).copied().unwrap_or(0);
        }
    }
    out
}

fn settings(env: &Env) -> permit_followup::settings::Settings {
    permit_followup::settings::load(Some(&env.path("conf")), Some(&env.url)).unwrap()
}

fn forecast(env: &Env, from: NaiveDate, to: NaiveDate) -> BTreeMap<(String, String), (u32, u32)> {
    let settings = settings(env);
    let req = PlanRequest { from, to, today: from, signals_from_history: None };
    let (forecast, _) = plan(&env.store(), &settings.policy, req).unwrap();
    forecast
        .weeks
        .into_iter()
        .flat_map(|(unit, weeks)| {
            weeks.into_iter().map(move |w| ((unit.to_string(), week_label(w.week)), (w.created, w.backlog)))
        })
        .collect()
}

both_engines!(
    fn the_forecast_is_exactly_what_real_ticks_then_do_for_random_registers_and_policies(engine) {
        // PERMIT_FOLLOWUP_PLAN_CASES=500 runs a longer search.
        let default = if engine == Engine::Sqlite { 12 } else { 6 };
        let cases: u64 = std::env::var("PERMIT_FOLLOWUP_PLAN_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default);
        let (mut created, mut deferred) = (0, 0);
        for seed in 1..=cases {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (seed * 0x1000_0001));
            let (config, csv) = case(&mut rng);
            let env = Env::new(engine, &config).unwrap();
            env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2025-12-01"]);
            // From a day in late December of 2025 or 2026, across the ISO-year boundary.
            let from = NaiveDate::from_ymd_opt(2025 + rng.below(2) as i32, 12, 10 + rng.below(20) as u32).unwrap();
            let to = from + Days::new(30 + rng.below(90));
            // Half the cases change the study policy after the import: the stored dates are then
            // recomputed by the first tick, and must be by the forecast.
            let config = if rng.below(2) == 0 {
                let change = "[grounds.study]\nreview_every = \"7 weeks\"\nlead_time = \"9 days\"\n";
                std::fs::write(env.path("conf/20-change.toml"), change).unwrap();
                format!("{config}then: {change}")
            } else {
                config
            };
            // A tick earlier in the first week: its tasks count against that week's capacity.
            let before = from - Days::new(1);
            if iso_week_bounds(before).0 == iso_week_bounds(from).0 {
                real_ticks(&env, before, before);
            }
            let predicted = forecast(&env, from, to);
            let happened = real_ticks(&env, from, to);
            assert_eq!(predicted, happened, "seed {seed}, {from} to {to}, config:\n{config}");
            created += happened.values().map(|c| c.0).sum::<u32>();
            deferred += happened.values().map(|c| c.1).sum::<u32>();
            assert!(to.year() > from.year());
        }
        // Not vacuous: the cases create tasks and defer some.
        assert!(created > 50 && deferred > 10, "created {created}, deferred {deferred}");
    }
);

/// Six study permits fall due each working day Monday to Saturday of five weeks from
/// 2027-03-01 (30 in all), reviewed once a year.
fn steady_register(env: &Env) {
    let mut csv = HEADER.to_string();
    for week in 0..5u64 {
        for day in 0..6u64 {
            let due = d("2027-03-01") + Days::new(7 * week + day);
            let from = due.with_year(due.year() - 1).unwrap();
            csv += &format!("S-{week}{day},H-{week}{day},,study,{from},,active,,,\n");
        }
    }
    env.ok(&["import", "permits", &env.file("steady.csv", &csv), "--now", "2027-02-01"]);
}

const YEARLY: &str =
    "[grounds.study]\nfirst_review_after = \"1 year\"\nreview_every = \"1 year\"\nlead_time = \"0 days\"\n";

fn weeks_of(json: &serde_json::Value, unit: &str, key: &str) -> Vec<i64> {
    json["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["unit"] == unit)
        .map(|w| w[key].as_i64().unwrap())
        .collect()
}

both_engines!(
    fn halving_a_units_capacity_shows_the_backlog_a_hand_count_expects(engine) {
        let env = Env::new(engine, &format!("{YEARLY}[units.study]\nweekly_capacity = 6\n")).unwrap();
        steady_register(&env);
        let halved = env.file("halved.toml", &format!("{YEARLY}[units.study]\nweekly_capacity = 3\n"));
        let out = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-05-09", "--compare", &halved, "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["estimate"], false);
        assert_eq!(weeks_of(&json, "study", "created"), [6, 6, 6, 6, 6, 0, 0, 0, 0, 0]);
        assert_eq!(weeks_of(&json, "study", "backlog"), [0; 10]);
        assert_eq!(weeks_of(&json, "study", "proposed_created"), [3; 10]);
        assert_eq!(weeks_of(&json, "study", "proposed_backlog"), [3, 6, 9, 12, 15, 12, 9, 6, 3, 0]);
        assert_eq!(weeks_of(&json, "study", "difference_backlog"), [3, 6, 9, 12, 15, 12, 9, 6, 3, 0]);
        assert_eq!(weeks_of(&json, "study", "difference_created"), [-3, -3, -3, -3, -3, 3, 3, 3, 3, 3]);
        let first = &json["weeks"].as_array().unwrap().iter().find(|w| w["unit"] == "study").unwrap()["week"];
        assert_eq!(first, "2027-W09");
        let study = json["units"].as_array().unwrap().iter().find(|u| u["unit"] == "study").unwrap().clone();
        assert_eq!(study["name"], "Study permits unit");
        assert_eq!(study["current"]["created"], 30);
        assert_eq!(study["current"]["backlog_stops_growing"], "2027-W09");
        assert_eq!(study["proposed"]["peak_backlog"], 15);
        assert_eq!(study["proposed"]["backlog_stops_growing"], "2027-W13");
        // The table says the same, with the summary line per unit.
        let table = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-05-09", "--compare", &halved]);
        let line = table.lines().find(|l| l.starts_with("study ") && l.contains("Study permits unit")).unwrap();
        let cells: Vec<&str> = line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(cells[2..], ["30", "0", "no backlog", "30", "15", "2027-W13"], "{table}");
        // Nothing was written: a real tick still finds every review due.
        assert!(env.ok(&["tick", "--now", "2027-03-06"]).contains("created 6 task(s)"));
    }
);

both_engines!(
    fn a_configuration_compared_with_itself_differs_by_nothing(engine) {
        let env = Env::new(engine, &format!("{YEARLY}[units.study]\nweekly_capacity = 4\n")).unwrap();
        steady_register(&env);
        let out = env.ok(&["plan", "--from", "2027-02-22", "--to", "2027-04-30", "--compare", env.path("conf").to_str().unwrap(), "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let weeks = json["weeks"].as_array().unwrap();
        assert!(weeks.len() >= 6 * 10, "every unit, every week");
        assert!(weeks.iter().all(|w| w["difference_created"] == 0 && w["difference_backlog"] == 0), "{out}");
        assert!(weeks.iter().any(|w| w["backlog"].as_i64().unwrap() > 0), "the capacity of 4 defers some");
    }
);

both_engines!(
    fn the_forecast_reads_as_csv_for_a_spreadsheet(engine) {
        let evil = "unit = \"=cmd\"\n[units.\"=cmd\"]\nname = \"Evil\"\nemail = [\"e@localhost\"]\n";
        let env = Env::new(engine, &format!("{YEARLY}{evil}")).unwrap();
        steady_register(&env);
        let out = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-03-14", "--format", "csv"]);
        let lines: Vec<&str> = out.split("\r\n").collect();
        assert_eq!(lines[0], "unit,week,created,backlog,figures");
        assert!(lines.contains(&"'=cmd,2027-W09,6,0,exact"), "a formula is never run: {out}");
        assert!(lines.contains(&"study,2027-W10,0,0,exact"), "{out}");
        assert!(!out.contains("\n=cmd"));
        let estimate = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-03-14", "--format", "csv", "--signals-from-history", "4"]);
        assert!(estimate.split("\r\n").skip(1).filter(|l| !l.is_empty()).all(|l| l.ends_with(",estimate")), "{estimate}");
    }
);

both_engines!(
    fn signal_tasks_of_recent_weeks_are_reserved_against_capacity_and_the_figures_say_estimate(engine) {
        let env = Env::new(engine, &format!("{YEARLY}[units.study]\nweekly_capacity = 6\n")).unwrap();
        steady_register(&env);
        // Eight emigrations of study permit holders, in the two weeks before 2027-03-01.
        let feed: String = (0..8)
            .map(|i| format!("{{\"id\":\"s-{i}\",\"kind\":\"emigrated\",\"person_id\":\"H-{}{}\",\"occurred_on\":\"2027-02-16\"}}\n", i % 5, i % 6))
            .collect();
        env.ok(&["import", "signals", &env.file("s.jsonl", &feed), "--now", "2027-02-16"]);
        assert!(env.ok(&["tick", "--now", "2027-02-16"]).contains("created 8 task(s)"));
        let out = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-03-14", "--signals-from-history", "2", "--now", "2027-03-01", "--format", "json"]);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(json["estimate"], true);
        assert_eq!(json["signal_estimate"]["signal_tasks_per_week"]["study"], 4.0);
        assert_eq!(json["signal_estimate"]["history_from"], "2027-02-15");
        assert_eq!(weeks_of(&json, "study", "created"), [2, 2], "6 a week, 4 of them held for signals");
        assert_eq!(weeks_of(&json, "study", "backlog"), [4, 8]);
        let table = env.ok(&["plan", "--from", "2027-03-01", "--to", "2027-03-14", "--signals-from-history", "2", "--now", "2027-03-01"]);
        assert!(table.contains("an estimate"), "{table}");
        let r = env.run(&["plan", "--from", "2027-03-01", "--to", "2027-03-14", "--signals-from-history", "0"]);
        assert_eq!(r.code(), 2, "{}", r.stderr());
    }
);

both_engines!(
    fn a_period_that_runs_backwards_or_a_bad_date_is_a_usage_error(engine) {
        let env = Env::new(engine, "").unwrap();
        for args in [["--from", "2027-03-01", "--to", "2027-02-01"], ["--from", "2027-02-30", "--to", "2027-03-01"], ["--from", "2027-01-01", "--to", "2040-01-01"]] {
            let r = env.run(&[&["plan"][..], &args[..]].concat());
            assert_eq!(r.code(), 2, "{args:?}: {}", r.stderr());
            assert_eq!(r.stderr().trim().lines().count(), 1, "{}", r.stderr());
        }
        let r = env.run(&["plan", "--from", "2027-03-01", "--to", "2027-03-02", "--compare", env.path("nope.toml").to_str().unwrap()]);
        assert_eq!(r.code(), 2);
        assert!(r.stderr().contains("--compare") && r.stderr().contains("nope.toml"), "{}", r.stderr());
    }
);
