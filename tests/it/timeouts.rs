//! No wait without a bound: a mail server that accepts the connection and then says nothing, a
//! pass waiting for another's lock, a database server that never answers. Each costs one
//! timeout and a clear one-line error, never a hang; digests stay pending and go out later with
//! the same Message-ID; a digest run against a silent server costs one timeout, not one a unit;
//! the daemon ticks every second throughout and stops within its bound on SIGTERM.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::{three_permits, HEADER};
use crate::process::Daemon;
use crate::silent::{Silent, Step};
use crate::smtp_server::TestServer;
use diesel::RunQueryDsl;
use std::time::{Duration, Instant};

fn smtp(port: u16, timeout: u64) -> String {
    format!(
        "[mail]\ntransport = \"smtp\"\nretry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout_seconds = {timeout}\n"
    )
}

const EVERY_SECOND: &str = "[schedule]\ntick = \"* * * * * *\"\ndigest = \"* * * * * *\"\n";

fn pending_digests(env: &Env) -> i64 {
    env.count("SELECT COUNT(*) AS n FROM digests WHERE state = 'pending'")
}

fn message_ids(env: &Env) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        message_id: String,
    }
    let ids: Vec<Id> =
        diesel::sql_query("SELECT message_id FROM digests ORDER BY id").load(&mut env.connect()).unwrap();
    ids.into_iter().map(|i| i.message_id).collect()
}

/// The pending digests go out to a server that works, with the Message-IDs stored before.
fn pending_digests_go_out_unchanged(env: &Env, extra: &str) {
    let (stored, pending) = (message_ids(env), pending_digests(env));
    assert!(pending > 0, "nothing pending");
    let server = TestServer::start(None);
    env.write_config(&format!("{extra}{}", smtp(server.port, 5)));
    env.ok(&["notify"]);
    let received = server.received();
    assert_eq!(received.mails.len(), usize::try_from(pending).unwrap());
    for (_, raw) in &received.mails {
        let raw = String::from_utf8_lossy(raw);
        let id = raw.lines().find_map(|l| l.strip_prefix("Message-ID: <")).unwrap().trim_end_matches('>');
        assert!(stored.iter().any(|s| s == id), "{id} is not a stored Message-ID: {stored:?}");
    }
    assert_eq!(pending_digests(env), 0);
}

both_engines!(
    fn notify_gives_up_on_a_server_silent_at_any_step_in_time_and_keeps_the_digest(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-9,P-9,,family,2020-01-01,,active,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        env.ok(&["tick"]);
        for step in Step::ALL {
            let silent = Silent::start(step);
            env.write_config(&smtp(silent.port, 1));
            let started = Instant::now();
            let r = env.run(&["notify"]);
            assert!(started.elapsed() < Duration::from_secs(4), "silent at {step:?}: {:?}", started.elapsed());
            assert_eq!(r.code(), 1, "silent at {step:?}: {}", r.stderr());
            assert_eq!(r.stderr().lines().count(), 1, "silent at {step:?}: {}", r.stderr());
            let line = r.stderr();
            assert!(line.contains(&format!("127.0.0.1:{}", silent.port)) && line.contains("within 1 s"), "{step:?}: {line}");
            assert_eq!(pending_digests(&env), 1, "silent at {step:?}");
        }
        assert_eq!(message_ids(&env).len(), 1, "one digest, kept across the failures");
        pending_digests_go_out_unchanged(&env, "");
    }
);

/// Six permits long due for review, one in each unit of the shipped configuration: six
/// digests at the first digest run.
fn six_units() -> String {
    let mut csv = HEADER.to_string();
    for (i, ground) in
        ["study", "work", "family", "refugee", "subsidiary_protection", "other"].iter().enumerate()
    {
        csv.push_str(&format!("UT-6{i},P-6{i},,{ground},2020-01-01,,active,,,\n"));
    }
    csv
}

/// The instants of the log lines that hold `needle` (a text log line starts with its time).
fn logged_at(log: &str, needle: &str) -> Vec<chrono::DateTime<chrono::FixedOffset>> {
    log.lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| chrono::DateTime::parse_from_rfc3339(l.split_whitespace().next()?).ok())
        .collect()
}

/// The `seconds=` of each log line that holds `needle`.
fn logged_seconds(log: &str, needle: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains(needle))
        .filter_map(|l| l.split("seconds=").nth(1)?.split_whitespace().next()?.parse().ok())
        .collect()
}

/// The daemon with six digests due, a mail server silent at `step`, a tick every second and a
/// digest run every second (and retries after 1 s), watched for ten seconds, then stopped.
fn ticks_go_on_while_the_mail_server_is_silent(engine: Engine, step: Step) {
    const TIMEOUT: u64 = 3;
    let silent = Silent::start(step);
    let env = Env::new(engine, &format!("{EVERY_SECOND}{}", smtp(silent.port, TIMEOUT))).unwrap();
    env.ok(&["import", "permits", &env.file("p.csv", &six_units())]);
    let mut daemon = Daemon::start(env.command(&["run"]));
    let start = Instant::now();
    while silent.connections() == 0 {
        assert!(start.elapsed() < Duration::from_secs(20), "no digest run started:\n{}", daemon.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(10));
    let stopping = Instant::now();
    daemon.signal("-TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(20)).code(), Some(0), "{}", daemon.log());
    let stopped_in = stopping.elapsed();
    let log = daemon.log();
    assert!(stopped_in < Duration::from_secs(15), "SIGTERM took {stopped_in:?} (the bound is 15 s):\n{log}");

    // A finished tick at least every 2 s, from the catch-up tick through the digest runs to
    // SIGTERM.
    let ticks = logged_at(&log, "tick finished");
    let runs = logged_at(&log, "digest run finished");
    assert!(runs.len() >= 2, "two digest runs at least in 10 s:\n{log}");
    assert!(ticks.len() >= 10, "{} ticks in 10 s:\n{log}", ticks.len());
    let term = logged_at(&log, "SIGTERM received")[0];
    let gaps: Vec<f64> = ticks
        .iter()
        .chain([&term])
        .collect::<Vec<_>>()
        .windows(2)
        .map(|w| (*w[1] - *w[0]).as_seconds_f64())
        .collect();
    let widest = gaps.iter().copied().fold(0.0, f64::max);
    assert!(widest <= 2.0, "no tick for {widest:.2} s while the mail server was silent:\n{log}");
    assert!(ticks[0] < runs[0], "the catch-up tick comes first:\n{log}");

    // Each run costs one timeout: the first digest waits it out, the other five are not tried.
    let took = logged_seconds(&log, "digest run finished");
    assert!(
        took.iter().all(|s| *s < (TIMEOUT as f64) + 1.5),
        "a run took more than one timeout: {took:?}\n{log}"
    );
    assert!(log.contains("not_tried=5"), "{log}");
    assert!(
        silent.connections() <= runs.len() + 1,
        "{} conversations in {} runs",
        silent.connections(),
        runs.len()
    );
    eprintln!(
        "silent at {step:?} ({engine:?}): {} ticks, widest gap {widest:.2} s; {} digest runs of {took:?} s; SIGTERM to exit {stopped_in:?}",
        ticks.len(),
        runs.len()
    );

    // Every digest stays pending, and goes out unchanged once a server answers.
    assert_eq!(pending_digests(&env), 6);
    pending_digests_go_out_unchanged(&env, "");
}

both_engines!(
    fn ticks_go_on_while_the_mail_server_is_silent_at_the_greeting(engine) {
        ticks_go_on_while_the_mail_server_is_silent(engine, Step::Greeting);
    }
);

both_engines!(
    fn ticks_go_on_while_the_mail_server_is_silent_after_data(engine) {
        ticks_go_on_while_the_mail_server_is_silent(engine, Step::Data);
    }
);

both_engines!(
    fn one_notify_against_a_silent_server_costs_one_timeout_and_leaves_the_other_units_untried(engine) {
        let silent = Silent::start(Step::Greeting);
        let env = Env::new(engine, &smtp(silent.port, 1)).unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &six_units())]);
        env.ok(&["tick"]);
        let started = Instant::now();
        let r = env.run(&["notify"]);
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "six units against a silent server took {took:?}");
        assert_eq!(r.code(), 1, "{}", r.stderr());
        assert_eq!(r.stderr().lines().count(), 1, "{}", r.stderr());
        assert!(r.stdout().contains("sent 0 of 6"), "{}", r.stdout());
        let line = r.stderr();
        assert!(line.contains("1 digest(s) not sent") && line.contains("within 1 s"), "{line}");
        assert!(line.contains("5 digest(s) not tried") && line.contains("the next run tries them"), "{line}");
        assert_eq!(silent.connections(), 1, "one conversation, not one a unit");
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM digests WHERE state = 'pending' AND claimed_until IS NULL"), 6);
        pending_digests_go_out_unchanged(&env, "");
    }
);

both_engines!(
    fn sigterm_breaks_off_a_send_the_mail_server_never_answers(engine) {
        let silent = Silent::start(Step::Data);
        let env = Env::new(engine, &format!("{EVERY_SECOND}{}", smtp(silent.port, 120))).unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let mut daemon = Daemon::start(env.command(&["run"]));
        let start = Instant::now();
        while silent.connections() == 0 {
            assert!(start.elapsed() < Duration::from_secs(20), "no send started:\n{}", daemon.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        let stopping = Instant::now();
        daemon.signal("-TERM");
        assert_eq!(daemon.wait_exit(Duration::from_secs(20)).code(), Some(0), "{}", daemon.log());
        assert!(stopping.elapsed() < Duration::from_secs(5), "SIGTERM took {:?} against a silent server", stopping.elapsed());
        assert!(daemon.log().contains("interrupted"), "{}", daemon.log());
        // Three units: the two digests after the one broken off are not tried, and say why.
        assert_eq!(daemon.log().matches("not tried: sending was stopped").count(), 2, "{}", daemon.log());
        pending_digests_go_out_unchanged(&env, "");
    }
);

/// Holds the pass lock from the test, as another process's pass would, until dropped: on
/// SQLite the lock of the file beside the database, on PostgreSQL the advisory lock.
enum HeldPassLock {
    File(#[allow(dead_code)] std::fs::File),
    Advisory(#[allow(dead_code)] permit_followup::storage::AnyConnection),
}

impl HeldPassLock {
    fn take(env: &Env) -> HeldPassLock {
        env.ok(&["migrate"]);
        match env.engine {
            Engine::Sqlite => {
                let file = std::fs::File::create(env.path("test.db-pass")).unwrap();
                file.lock().unwrap();
                HeldPassLock::File(file)
            }
            Engine::Postgres => {
                let mut c = env.connect();
                diesel::sql_query("SELECT pg_advisory_lock(1885732864)").execute(&mut c).unwrap();
                HeldPassLock::Advisory(c)
            }
        }
    }
}

both_engines!(
    fn a_pass_waiting_for_another_gives_up_at_the_lock_timeout(engine) {
        let env = Env::new(engine, "[database]\nlock_timeout_seconds = 1\n").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let held = HeldPassLock::take(&env);
        let started = Instant::now();
        let r = env.run(&["tick"]);
        assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
        assert_eq!(r.code(), 1, "{}", r.stderr());
        assert_eq!(r.stderr().lines().count(), 1, "{}", r.stderr());
        let expected = if engine == Engine::Sqlite {
            "is locked: another process's pass held it for longer than 1 s (database.lock_timeout_seconds)"
        } else {
            "lock timeout"
        };
        assert!(r.stderr().contains(expected), "{}", r.stderr());
        drop(held);
        assert!(env.ok(&["tick"]).contains("created 3 task(s)"));
    }
);

both_engines!(
    fn the_daemon_stops_within_its_bound_while_a_pass_waits_for_the_lock(engine) {
        let env = Env::new(engine, "").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let _held = HeldPassLock::take(&env);
        let mut daemon = Daemon::start(env.command(&["run"]));
        daemon.wait_for_log("catch-up tick at start", 1, Duration::from_secs(20));
        std::thread::sleep(Duration::from_secs(1));
        let stopping = Instant::now();
        daemon.signal("-TERM");
        assert_eq!(daemon.wait_exit(Duration::from_secs(30)).code(), Some(0), "{}", daemon.log());
        assert!(stopping.elapsed() < Duration::from_secs(15), "SIGTERM took {:?}", stopping.elapsed());
        assert!(daemon.log().contains("left to roll back"), "{}", daemon.log());
    }
);

#[test]
fn a_database_server_that_never_answers_costs_the_connect_timeout() {
    let silent = Silent::start(Step::Greeting);
    let env = Env::new(Engine::Sqlite, "[database]\nconnect_timeout_seconds = 1\n").unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{}/nowhere", silent.port);
    let started = Instant::now();
    let out = env.command_at(&url, &["tick"]).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{}", silent.port)) && stderr.contains("timeout"), "{stderr}");
}
