//! The mail server fails for several digest periods while the daemon runs and new tasks keep
//! coming: first down (connections refused), then refusing (`421`), then silent (no greeting,
//! so every attempt waits out its timeout). Once it is back, everything is delivered, and each
//! digest exactly once.

use crate::both_engines;
use crate::crash::{assert_each_task_in_one_message, mails_in, tasks};
use crate::helpers::Env;
use crate::import::HEADER;
use crate::smtp_front::{Mode, SmtpFront};
use crate::smtp_server::TestServer;
use std::time::{Duration, Instant};

/// How long each failure lasts: several digest periods of two seconds.
const OUTAGE: Duration = Duration::from_secs(5);

fn config(port: u16) -> String {
    format!(
        "[mail]\ntransport = \"smtp\"\nretry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout_seconds = 1\n\
         [schedule]\ntick = \"*/1 * * * * *\"\ndigest = \"*/2 * * * * *\"\n"
    )
}

/// A few permits whose first review is long due: the next tick gives each a task.
fn permits(env: &Env, batch: &str) {
    let mut csv = HEADER.to_string();
    for (i, ground) in ["study", "work", "family"].iter().enumerate() {
        csv.push_str(&format!("{batch}-{i},P-{batch}-{i},,{ground},2024-01-0{},,,,,\n", i + 1));
    }
    env.ok(&["import", "permits", &env.file(&format!("{batch}.csv"), &csv)]);
}

both_engines!(
    fn a_mail_server_down_refusing_or_silent_for_several_periods_gets_everything_once_it_returns(engine) {
        let server = TestServer::start(None);
        let front = SmtpFront::start(server.port);
        let env = Env::new(engine, &config(front.port)).unwrap();
        permits(&env, "A");
        let mut daemon = env.command(&["run"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        for (mode, batch) in [(Mode::Down, "B"), (Mode::Refusing, "C"), (Mode::Silent, "D")] {
            front.set(mode);
            std::thread::sleep(OUTAGE / 2);
            permits(&env, batch);
            std::thread::sleep(OUTAGE / 2);
            assert!(server.received().mails.is_empty(), "nothing gets through while the server is {mode:?}");
        }
        front.set(Mode::Up);
        let start = Instant::now();
        while env.tasks().len() < 12 || env.tasks().iter().any(|t| t["notified"] == false) {
            assert!(start.elapsed() < Duration::from_secs(90), "not everything was delivered after the server returned");
            std::thread::sleep(Duration::from_millis(250));
        }
        std::thread::sleep(Duration::from_secs(3)); // more digest periods: nothing is sent again
        assert!(std::process::Command::new("kill").args(["-TERM", &daemon.id().to_string()]).status().unwrap().success());
        let status = daemon.wait().unwrap();
        let mut log = String::new();
        std::io::Read::read_to_string(daemon.stderr.as_mut().unwrap(), &mut log).unwrap();
        assert_eq!(status.code(), Some(0), "{log}");
        let mails = mails_in(server.received().mails.iter().map(|(_, raw)| raw.clone()));
        let mut ids: Vec<&str> = mails.iter().map(|(id, _)| id.as_str()).collect();
        let sent = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), sent, "each digest was delivered once");
        assert_each_task_in_one_message(&env, &tasks(&env), &mails, "the outage");
        for why in ["unreachable", "421"] {
            assert!(log.contains(why), "the log says {why:?}:\n{log}");
        }
        let failed: Vec<&str> = log.lines().filter(|l| l.contains("digest not sent")).collect();
        if std::env::var_os("SHOW_LOG").is_some() {
            eprintln!("{log}");
        }
        assert!(failed.len() >= 6, "it kept trying through the outage:\n{log}");
        let by = |word: &str| failed.iter().filter(|l| l.contains(word)).count();
        let timeouts = by("no answer within") + by("did not finish within");
        assert!(timeouts >= 2, "attempts on the silent server gave up by themselves:\n{log}");
        eprintln!(
            "mail outage ({engine:?}): {} failed attempts ({} refused connections, {} 421 replies, {} timeouts), {sent} digests delivered once each",
            failed.len(), by("Connection refused"), by("421"), timeouts
        );
        assert!(!log.contains("-unit@localhost"), "no addresses in the log");
    }
);
