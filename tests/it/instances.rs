//! Three daemons on one PostgreSQL database, ticking every second for a minute while permits
//! keep arriving, one of them killed with SIGKILL half-way: each pass runs in one instance at a
//! time, the others skip it, another takes over from the dead one at its next tick, and every
//! due task is created once and mailed in exactly one digest, each digest delivered once.

use crate::helpers::{Engine, Env};
use crate::import::HEADER;
use crate::process::Daemon;
use crate::smtp_server::TestServer;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long the instances run.
const RUN: Duration = Duration::from_secs(60);

/// A batch of permits due at once (valid since 2020, never reviewed): ids `MI{batch}{k}Z`, the
/// trailing letter so that no id is a prefix of another.
fn batch(n: usize) -> String {
    let grounds = ["study", "work", "family", "refugee"];
    let mut csv = HEADER.to_string();
    for (k, ground) in grounds.iter().enumerate() {
        csv.push_str(&format!("MI{n:02}{k}Z,P-{n}-{k},,{ground},2020-01-01,,active,,,\n"));
    }
    csv
}

/// The latest instant each instance logged "tick finished" (text log: the timestamp leads).
fn last_tick(daemon: &Daemon) -> Option<String> {
    daemon
        .log()
        .lines()
        .rev()
        .find(|l| l.contains("tick finished"))
        .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
}

#[test]
#[cfg_attr(not(pg_tests), ignore = "no PostgreSQL: set PERMIT_FOLLOWUP_TEST_PG=postgres://... to run")]
fn three_instances_for_a_minute_one_killed_create_and_mail_every_task_exactly_once() {
    crate::helpers::require_pg_server();
    let server = TestServer::start(None);
    let config = format!(
        "[schedule]\ntick = \"* * * * * *\"\ndigest = \"*/5 * * * * *\"\n[log]\nlevel = \"info,permit_followup=debug\"\n\
         [mail]\ntransport = \"smtp\"\nretry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\ntimeout_seconds = 5\n",
        server.port
    );
    let env = Env::new(Engine::Postgres, &config).unwrap();
    env.ok(&["import", "permits", &env.file("b0.csv", &batch(0))]);
    let mut daemons: Vec<Daemon> = (0..3).map(|_| Daemon::start(env.command(&["run"]))).collect();
    let started = Instant::now();
    let (mut batches, mut killed) = (1, None);
    while started.elapsed() < RUN {
        std::thread::sleep(Duration::from_secs(6));
        env.ok(&["import", "permits", &env.file(&format!("b{batches}.csv"), &batch(batches))]);
        batches += 1;
        if killed.is_none() && started.elapsed() > RUN / 2 {
            // The instance that ticked last, at a second away from the digest runs (every 5 s).
            while chrono::Utc::now().timestamp() % 5 != 2 {
                std::thread::sleep(Duration::from_millis(50));
            }
            let victim = (0..3).max_by_key(|i| last_tick(&daemons[*i])).unwrap();
            daemons[victim].signal("-KILL");
            killed = Some((victim, batches));
        }
    }
    let (victim, batches_before_kill) = killed.expect("one instance was killed");
    let all = batches * 4;
    let start = Instant::now();
    while env.count("SELECT COUNT(*) AS n FROM tasks WHERE notified_at IS NOT NULL")
        < i64::try_from(all).unwrap()
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not every task was mailed: {}",
            env.count("SELECT COUNT(*) AS n FROM tasks")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for (i, daemon) in daemons.iter_mut().enumerate().filter(|(i, _)| *i != victim) {
        daemon.signal("-TERM");
        assert_eq!(
            daemon.wait_exit(Duration::from_secs(20)).code(),
            Some(0),
            "instance {i}:\n{}",
            daemon.log()
        );
    }

    // Every due task once.
    let tasks = env.tasks();
    assert_eq!(tasks.len(), all, "tasks of {batches} batches of 4");
    let mut permits: Vec<&str> = tasks.iter().map(|t| t["permit_id"].as_str().unwrap()).collect();
    permits.sort();
    permits.dedup();
    assert_eq!(permits.len(), all, "a permit with two tasks");

    // Every digest once, every task in exactly one of them.
    let mails: Vec<String> = server
        .received()
        .mails
        .iter()
        .map(|(_, raw)| String::from_utf8_lossy(raw).replace("=\r\n", ""))
        .collect();
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for raw in &mails {
        let id = raw.lines().find_map(|l| l.strip_prefix("Message-ID: ")).expect("a Message-ID").to_string();
        *by_id.entry(id).or_default() += 1;
    }
    assert!(by_id.values().all(|n| *n == 1), "a digest delivered twice: {by_id:?}");
    assert_eq!(
        i64::try_from(by_id.len()).unwrap(),
        env.count("SELECT COUNT(*) AS n FROM digests WHERE state = 'sent'")
    );
    assert_eq!(env.count("SELECT COUNT(*) AS n FROM digests WHERE state <> 'sent'"), 0);
    for permit in &permits {
        let carrying = mails
            .iter()
            .filter(|raw| {
                // The new tasks of the text part; its overdue list repeats tasks of earlier digests.
                let text = raw.split("Content-Type: text/html").next().unwrap_or("");
                text.split("\nOVERDUE (").next().unwrap_or("").contains(&format!(" {permit} "))
            })
            .count();
        assert_eq!(carrying, 1, "{permit} is in {carrying} digests");
    }

    // One instance at a time, the others skipping; the dead one's work taken over.
    let logs: Vec<String> = daemons.iter().map(Daemon::log).collect();
    assert!(
        logs.iter().filter(|l| l.contains("tick finished")).count() >= 2,
        "only one instance ever ticked"
    );
    assert!(
        logs.iter().any(|l| l.contains("tick skipped: another instance is running it")),
        "no instance skipped a tick"
    );
    let after_kill = format!("MI{:02}0Z", batches_before_kill);
    assert!(permits.contains(&after_kill.as_str()), "no task for {after_kill}, imported after the kill");
}
