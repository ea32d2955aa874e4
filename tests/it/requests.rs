//! A request while a pass runs (docs/REFERENCE.md §9): a close, on the command line or over the
//! task API, is a request, not a pass, so a caseworker's close never waits for a catch-up tick —
//! at most for the piece the tick is writing — on either engine. The real binary, a register of
//! 200,000 permits whose reviews all fall due within a month, and closes of tasks the running
//! tick has just created.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Permits in the register, each due by the catch-up day.
const PERMITS: usize = 200_000;

/// How long a close may take, whatever the tick does meanwhile.
const CLOSE_WITHIN: Duration = Duration::from_secs(1);

/// One ground reviewed a year after the permit's start, no capacity limit.
const CONFIG: &str = "[grounds.work]\nfirst_review_after = \"12 months\"\nreview_every = \"12 months\"\n\
                      lead_time = \"14 days\"\nunit = \"work\"\n[units.work]\nweekly_capacity = \"unlimited\"\n";

/// A register whose permits started on the 30 days from 2025-03-01: every first review falls
/// due by 2026-04-01.
fn register() -> String {
    let first = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let mut csv = String::with_capacity(40 * PERMITS);
    csv += HEADER;
    for i in 0..PERMITS {
        let from = first + chrono::Days::new((i % 30) as u64);
        csv += &format!("CU-{i:06},H{i},,work,{from},,active,,,\n");
    }
    csv
}

both_engines!(
    fn a_close_answers_within_a_second_while_a_catch_up_tick_of_200000_reviews_runs(engine) {
        let env = Env::new(engine, CONFIG).unwrap();
        env.ok(&["import", "permits", &env.file("register.csv", &register()), "--now", "2026-01-01"]);
        let mut tick = env
            .command(&["tick", "--now", "2026-04-01"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut closed = Vec::new();
        let started = Instant::now();
        while closed.len() < 3 {
            assert!(started.elapsed() < Duration::from_secs(600), "the tick created no tasks");
            // The newest task of the pieces committed so far.
            let id = env.count("SELECT COALESCE(MAX(id), 0) AS n FROM tasks");
            if id == 0 || closed.contains(&id) {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            let asked = Instant::now();
            let out = env.run(&["tasks", "close", &id.to_string(), "--outcome", "no_action", "--note", "seen"]);
            let took = asked.elapsed();
            assert_eq!(out.code(), 0, "{}", out.stderr());
            assert!(took < CLOSE_WITHIN, "closing task {id} took {took:?} while the tick ran");
            assert!(tick.try_wait().unwrap().is_none(), "the tick ended before close {} came back", closed.len() + 1);
            eprintln!("{engine:?}: task {id} closed in {took:?} while the tick ran");
            closed.push(id);
            std::thread::sleep(Duration::from_millis(500));
        }
        let done = tick.wait_with_output().unwrap();
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        let summary = String::from_utf8_lossy(&done.stdout);
        assert!(summary.contains(&format!("created {PERMITS} task(s)")), "{summary}");
        let still_closed =
            env.count("SELECT COUNT(*) AS n FROM tasks WHERE state = 'closed' AND outcome = 'no_action'");
        assert_eq!(still_closed, closed.len() as i64, "the tick's later pieces left the closes as they were");
        if engine == Engine::Sqlite {
            assert!(env.path("test.db-pass").exists(), "the pass lock's file beside the database");
        }
    }
);

both_engines!(
    fn a_close_over_http_answers_within_a_second_while_a_catch_up_tick_of_200000_reviews_runs(engine) {
        let env = Env::new(engine, CONFIG).unwrap();
        env.ok(&["import", "permits", &env.file("register.csv", &register()), "--now", "2026-01-01"]);
        let secret = crate::api::token(&env, "case-system", "integration", &["work"]);
        // The API's configuration keeps the register's policy (write_config replaces the file).
        let api = crate::api::Api::serve(&env, CONFIG);
        let mut tick = env
            .command(&["tick", "--now", "2026-04-01"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut closed = Vec::new();
        let started = Instant::now();
        while closed.len() < 3 {
            assert!(started.elapsed() < Duration::from_secs(600), "the tick created no tasks");
            let id = env.count("SELECT COALESCE(MAX(id), 0) AS n FROM tasks");
            if id == 0 || closed.contains(&id) {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            let body = serde_json::json!({"outcome": "no_action", "note": "decided"}).to_string();
            let asked = Instant::now();
            let a = api.raw("POST", &format!("/api/v1/tasks/{id}/close"), Some(&secret), &[], body.as_bytes());
            let took = asked.elapsed();
            assert_eq!(a.status, 200, "{}", a.text);
            assert!(took < CLOSE_WITHIN, "closing task {id} over HTTP took {took:?} while the tick ran");
            assert!(tick.try_wait().unwrap().is_none(), "the tick ended before close {} came back", closed.len() + 1);
            eprintln!("{engine:?}: task {id} closed over HTTP in {took:?} while the tick ran");
            closed.push(id);
            std::thread::sleep(Duration::from_millis(500));
        }
        let done = tick.wait_with_output().unwrap();
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        assert!(String::from_utf8_lossy(&done.stdout).contains(&format!("created {PERMITS} task(s)")));
        let still_closed = env.count("SELECT COUNT(*) AS n FROM tasks WHERE state = 'closed' AND closed_by = 'token:case-system'");
        assert_eq!(still_closed, closed.len() as i64);
    }
);
