//! The daemon through the binary: catch-up tick at start, scheduled ticks, SIGTERM finishing
//! the running pass and exiting 0; and what stops it at start (a schema it may not migrate, an
//! SQLite file it cannot open), at once and with one line, where waiting would not help.

use crate::both_engines;
use crate::helpers::Env;
use crate::import::three_permits;
use std::time::{Duration, Instant};

fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill").args([sig, &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
}

both_engines!(
    fn the_daemon_catches_up_at_start_and_stops_cleanly_on_sigterm(engine) {
        let env = Env::new(engine, "[schedule]\ntick = \"*/1 * * * * *\"\n").unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let mut child = env
            .command(&["run"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Today is long past every first occasion of the example: the catch-up tick creates them.
        let start = Instant::now();
        while env.tasks().len() < 3 {
            assert!(start.elapsed() < Duration::from_secs(20), "no tasks after 20 s");
            std::thread::sleep(Duration::from_millis(200));
        }
        std::thread::sleep(Duration::from_millis(1500)); // a few scheduled ticks run
        signal(&child, "-HUP"); // reload keeps running
        std::thread::sleep(Duration::from_millis(300));
        signal(&child, "-TERM");
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(start.elapsed() < Duration::from_secs(40), "the daemon did not stop");
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut log = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
        assert_eq!(status.code(), Some(0), "{log}");
        assert!(log.contains("catch-up tick") && log.contains("configuration reloaded") && log.contains("stopped"), "{log}");
        assert_eq!(env.tasks().len(), 3, "scheduled ticks after the catch-up created nothing more");
    }
);

both_engines!(
    fn a_schema_that_may_not_be_migrated_stops_the_daemon_with_one_line(engine) {
        let env = Env::new(engine, "[database]\nmigrate_on_start = false\n").unwrap();
        let started = Instant::now();
        let r = env.run(&["run"]);
        assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
        assert_eq!(r.code(), 1, "{}", r.stderr());
        let last = r.stderr().lines().last().unwrap_or("").to_string();
        assert!(last.contains("is not up to date: run `permit-followup migrate`"), "{}", r.stderr());
    }
);

#[test]
fn an_sqlite_file_that_cannot_be_opened_stops_the_daemon_at_once() {
    let env = Env::new(crate::helpers::Engine::Sqlite, "").unwrap();
    std::fs::write(env.path("not-a-folder"), "").unwrap();
    let url = format!("sqlite://{}", env.path("not-a-folder/x.db").display());
    let out = env.command_at(&url, &["run"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.lines().last().unwrap_or("").contains("cannot create"), "{stderr}");
}

both_engines!(
    fn a_digest_left_pending_by_a_failed_notify_goes_out_from_the_daemons_next_tick(engine) {
        let smtp = |port: u16| {
            format!(
                "[schedule]\ntick = \"* * * * * *\"\ndigest = \"0 0 7 1 1 *\"\n[mail]\ntransport = \"smtp\"\nretry_seconds = 1\n\
                 [mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout_seconds = 5\n"
            )
        };
        let env = Env::new(engine, &smtp(crate::process::free_port())).unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        env.ok(&["tick"]);
        assert_eq!(env.run(&["notify"]).code(), 1, "the mail server is down");
        let server = crate::smtp_server::TestServer::start(None);
        env.write_config(&smtp(server.port));
        let mut daemon = crate::process::Daemon::start(env.command(&["run"]));
        let start = Instant::now();
        while server.received().mails.len() < 3 {
            assert!(start.elapsed() < Duration::from_secs(20), "the pending digests stayed:\n{}", daemon.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        daemon.signal("-TERM");
        assert_eq!(daemon.wait_exit(Duration::from_secs(20)).code(), Some(0), "{}", daemon.log());
        assert_eq!(server.received().mails.len(), 3, "a digest went twice");
    }
);
