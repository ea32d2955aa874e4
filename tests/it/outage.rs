//! PostgreSQL going away under the daemon, played by a TCP proxy in the test process (the shared
//! server is never touched): unreachable at start and while running, the daemon logs it, waits
//! with back-off, answers `/readyz` 503 with the reason, and resumes when the database is back —
//! the same process, nothing lost, nothing twice.

use crate::helpers::{Engine, Env};
use crate::import::{three_permits, HEADER};
use crate::process::{free_port, wait_for_status, Daemon, NotifySocket};
use crate::proxy::Proxy;
use std::time::Duration;

/// The parts of the environment's URL: `scheme://user`, `host:port`, the database.
fn parts(env: &Env) -> (String, String, String) {
    let (scheme_user, rest) = env.url.rsplit_once('@').expect("user@host in the test URL");
    let (host_port, database) = rest.split_once('/').expect("a database in the test URL");
    let host_port = if host_port.contains(':') { host_port.to_string() } else { format!("{host_port}:5432") };
    (scheme_user.to_string(), host_port, database.to_string())
}

#[test]
#[cfg_attr(not(pg_tests), ignore = "no PostgreSQL: set PERMIT_FOLLOWUP_TEST_PG=postgres://... to run")]
fn the_daemon_waits_for_postgresql_reports_why_it_is_unready_and_resumes_without_a_restart() {
    crate::helpers::require_pg_server();
    let admin = free_port();
    let env = Env::new(
        Engine::Postgres,
        &format!("[schedule]\ntick = \"* * * * * *\"\n[admin]\nlisten = \"127.0.0.1:{admin}\"\n"),
    )
    .unwrap();
    env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
    let (scheme_user, server, database) = parts(&env);
    let mut proxy = Proxy::closed(&server);
    let url = format!("{scheme_user}@127.0.0.1:{}/{database}", proxy.port);
    let notify = NotifySocket::bind(env.dir.path());
    let mut command = env.command_at(&url, &["run"]);
    command.env("NOTIFY_SOCKET", &notify.path);
    let mut daemon = Daemon::start(command);

    // Unreachable at start: waited for, not ready, and why.
    let body = wait_for_status(admin, "/readyz", 503, Duration::from_secs(15));
    daemon.wait_for_log("database unreachable at start", 1, Duration::from_secs(15));
    let body = if body.contains("database unreachable") {
        body
    } else {
        wait_for_status(admin, "/readyz", 503, Duration::from_secs(5))
    };
    assert!(body.contains("database unreachable") || body.contains("starting"), "{body}");
    assert_eq!(notify.count("READY=1"), 0);
    proxy.open();
    notify.wait_for("READY=1", 1, Duration::from_secs(40));
    wait_for_status(admin, "/readyz", 200, Duration::from_secs(10));
    assert_eq!(env.tasks().len(), 3);

    // Lost while running: every connection cut, the port closed.
    proxy.close();
    let body = wait_for_status(admin, "/readyz", 503, Duration::from_secs(20));
    assert!(body.contains("database unreachable"), "{body}");
    daemon.wait_for_log("database unreachable; trying again", 1, Duration::from_secs(5));
    let csv = format!("{HEADER}UT-4,P-4,,family,2020-01-01,,active,,,\n");
    env.ok(&["import", "permits", &env.file("p4.csv", &csv)]);
    std::thread::sleep(Duration::from_secs(2));
    proxy.open();
    wait_for_status(admin, "/readyz", 200, Duration::from_secs(45));
    daemon.wait_for_log("database reachable again", 1, Duration::from_secs(5));
    let start = std::time::Instant::now();
    while env.tasks().len() < 4 {
        assert!(start.elapsed() < Duration::from_secs(15), "the new permit got no task:\n{}", daemon.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(daemon.running(), "the daemon restarted:\n{}", daemon.log());
    let mut permits: Vec<String> =
        env.tasks().iter().map(|t| t["permit_id"].as_str().unwrap().to_string()).collect();
    permits.sort();
    assert_eq!(permits, ["UT-1", "UT-2", "UT-3", "UT-4"], "one task a permit");
    daemon.signal("-TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(20)).code(), Some(0), "{}", daemon.log());
}

#[test]
fn sigterm_ends_the_wait_for_a_postgresql_that_never_comes() {
    let admin = free_port();
    let env = Env::new(Engine::Sqlite, &format!("[admin]\nlisten = \"127.0.0.1:{admin}\"\n")).unwrap();
    let url = format!("postgres://postgres@127.0.0.1:{}/nowhere", free_port());
    let mut daemon = Daemon::start(env.command_at(&url, &["run"]));
    daemon.wait_for_log("database unreachable at start", 2, Duration::from_secs(15));
    let body = wait_for_status(admin, "/readyz", 503, Duration::from_secs(5));
    assert!(body.contains("database unreachable") && body.contains("Connection refused"), "{body}");
    let stopping = std::time::Instant::now();
    daemon.signal("-TERM");
    assert_eq!(daemon.wait_exit(Duration::from_secs(15)).code(), Some(0), "{}", daemon.log());
    assert!(stopping.elapsed() < Duration::from_secs(5), "{:?}", stopping.elapsed());
}
