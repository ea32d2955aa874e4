//! Digests end to end on both engines, through a real SMTP server over TCP (mailin-embedded in
//! the test process) and through the file transport: one mail per unit, nothing sent twice,
//! nothing lost when the server is down or refuses a unit, the same Message-ID after a crash.

use crate::both_engines;
use crate::helpers::Env;
use crate::import::HEADER;
use crate::smtp_server::TestServer;
use std::collections::BTreeMap;

/// Two study permits, one work permit and one family permit, all due for review on 2026-07-01.
fn register(env: &Env) {
    let csv = format!(
        "{HEADER}S-1,P-1,,study,2026-01-01,,,,,\nS-2,P-2,,study,2026-01-02,,,,,\nW-1,P-3,,work,2025-07-01,,,,5560000001,\nF-1,P-4,,family,2025-07-02,,,,,\n"
    );
    env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
    assert!(env.ok(&["tick", "--now", "2026-07-01"]).contains("created 4 task(s)"));
}

fn smtp(port: u16, tls: &str) -> String {
    format!("[mail]\ntransport = \"smtp\"\nretry_seconds = 1\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\ntimeout_seconds = 5\n")
}

fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Each received mail's Message-ID and body, decoded enough to find permit ids.
fn mails(server: &TestServer) -> Vec<(Vec<String>, String)> {
    server
        .received()
        .mails
        .iter()
        .map(|(to, raw)| (to.clone(), String::from_utf8_lossy(raw).replace("=\r\n", "")))
        .collect()
}

fn message_id(raw: &str) -> String {
    raw.lines().find_map(|l| l.strip_prefix("Message-ID: ")).unwrap_or_default().to_string()
}

/// The rows of new tasks in a mail's text part (which goes out as 8bit): `(task id, permit id)`
/// of each row before the Overdue section, where later digests list the same tasks again.
pub fn new_task_rows(raw: &str) -> Vec<(String, String)> {
    let text = raw.split("Content-Type: text/html").next().unwrap_or("");
    let new = text.split("\nOVERDUE (").next().unwrap_or("");
    new.lines()
        .filter(|l| l.starts_with("  ") && l[2..].starts_with(|c: char| c.is_ascii_digit()))
        .filter_map(|l| {
            let mut cells = l.split_whitespace();
            Some((cells.next()?.to_string(), cells.next()?.to_string()))
        })
        .collect()
}

/// How often each permit id's task row went out over all mails.
fn deliveries(all: &[(Vec<String>, String)]) -> BTreeMap<String, usize> {
    let mut count: BTreeMap<String, usize> =
        ["S-1", "S-2", "W-1", "F-1"].iter().map(|id| (id.to_string(), 0)).collect();
    for (_, raw) in all {
        for (_, permit) in new_task_rows(raw) {
            *count.entry(permit).or_default() += 1;
        }
    }
    count
}

/// Whether a mail lists `permit` among its new tasks.
fn lists(raw: &str, permit: &str) -> bool {
    new_task_rows(raw).iter().any(|(_, p)| p == permit)
}

fn notified(env: &Env) -> Vec<bool> {
    env.tasks().iter().map(|t| t["notified"].as_bool().unwrap()).collect()
}

both_engines!(
    fn each_unit_gets_one_digest_over_smtp_and_a_second_run_sends_nothing(engine) {
        let server = TestServer::start(None);
        let env = Env::new(engine, &smtp(server.port, "none")).unwrap();
        register(&env);
        let out = env.ok(&["notify", "--now", "2026-07-01"]);
        assert!(out.contains("sent 3 of 3 digest(s)"), "{out}");
        let all = mails(&server);
        assert_eq!(all.len(), 3);
        let study = all.iter().find(|(to, _)| to == &["study-unit@localhost"]).expect("study digest");
        assert!(study.1.contains("Subject: 2 new follow-up tasks for Study permits unit\r\n"), "{}", study.1);
        assert!(study.1.lines().any(|l| l.contains(" S-1 ") && l.contains("2026-07-01  Periodic review")), "{}", study.1);
        assert!(study.1.contains("\r\nOVERDUE (0)\r\n"), "{}", study.1);
        assert!(deliveries(&all).values().all(|n| *n == 1), "{:?}", deliveries(&all));
        assert_eq!(notified(&env), [true; 4]);
        assert!(env.ok(&["notify", "--now", "2026-07-02"]).contains("sent 0 of 0"));
        assert_eq!(mails(&server).len(), 3);
        let history = env.ok(&["history", "S-1"]);
        assert!(history.contains("digest_sent") && history.contains(&message_id(&study.1)), "{history}");
    }
);

both_engines!(
    fn a_server_that_is_down_loses_nothing_and_later_gets_each_task_exactly_once(engine) {
        let env = Env::new(engine, &smtp(dead_port(), "none")).unwrap();
        register(&env);
        let r = env.run(&["notify", "--now", "2026-07-01"]);
        assert_eq!(r.code(), 1, "{}", r.stdout());
        let stderr = r.stderr();
        assert_eq!(stderr.trim().lines().count(), 1, "one clear line: {stderr}");
        assert!(stderr.contains("unreachable") && stderr.contains("retries"), "{stderr}");
        assert_eq!(notified(&env), [false; 4]);
        let server = TestServer::start(None);
        env.write_config(&smtp(server.port, "none"));
        let out = env.ok(&["notify", "--now", "2026-07-01"]);
        assert!(out.contains("sent 3 of 3"), "{out}");
        assert!(deliveries(&mails(&server)).values().all(|n| *n == 1), "{:?}", deliveries(&mails(&server)));
        assert_eq!(notified(&env), [true; 4]);
    }
);

both_engines!(
    fn a_refused_unit_does_not_block_the_others(engine) {
        let server = TestServer::start(Some("work-unit@"));
        let env = Env::new(engine, &smtp(server.port, "none")).unwrap();
        register(&env);
        let r = env.run(&["notify", "--now", "2026-07-01"]);
        assert_eq!(r.code(), 1);
        assert!(r.stderr().contains("unit work") && r.stderr().contains("550"), "{}", r.stderr());
        assert!(!r.stderr().contains("work-unit@localhost"), "addresses stay out of messages");
        assert!(r.stdout().contains("sent 2 of 3"), "{}", r.stdout());
        let tasks = env.tasks();
        for t in &tasks {
            assert_eq!(t["notified"], t["unit"] != "work", "{t}");
        }
        // The address is fixed; the next run delivers the work digest with its first Message-ID.
        let first_id = {
            let s2 = TestServer::start(None);
            env.write_config(&smtp(s2.port, "none"));
            env.ok(&["notify", "--now", "2026-07-02"]);
            let all = mails(&s2);
            assert_eq!(all.len(), 1);
            assert_eq!(all[0].0, ["work-unit@localhost"]);
            message_id(&all[0].1)
        };
        assert!(first_id.starts_with("<digest-"), "{first_id}");
        assert_eq!(notified(&env), [true; 4]);
    }
);

both_engines!(
    fn starttls_required_against_a_server_without_it_fails_rather_than_sending_in_clear(engine) {
        let server = TestServer::start(None);
        let env = Env::new(engine, &smtp(server.port, "required")).unwrap();
        register(&env);
        let r = env.run(&["notify", "--now", "2026-07-01"]);
        assert_eq!(r.code(), 1);
        assert!(r.stderr().contains("TLS"), "{}", r.stderr());
        assert_eq!(server.received().data_commands, 0, "nothing was sent in clear");
        assert_eq!(notified(&env), [false; 4]);
    }
);

both_engines!(
    fn the_file_transport_writes_one_eml_per_unit_and_a_crash_resends_the_same_message(engine) {
        let env = Env::new(engine, "").unwrap();
        register(&env);
        env.ok(&["notify", "--now", "2026-07-01"]);
        let outbox = env.path("outbox");
        let files = || {
            let mut f: Vec<String> = std::fs::read_dir(&outbox).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
            f.sort();
            f
        };
        let first = files();
        assert_eq!(first.len(), 3, "{first:?}");
        let study = first.iter().find(|f| std::fs::read_to_string(outbox.join(f)).unwrap().contains("Study permits unit")).unwrap();
        let before = std::fs::read_to_string(outbox.join(study)).unwrap();
        // A crash after the mail was accepted but before the tasks were marked notified.
        let mut conn = env.connect();
        use diesel::RunQueryDsl;
        diesel::sql_query("UPDATE digests SET state = 'pending', sent_at = NULL WHERE unit = 'study'").execute(&mut conn).unwrap();
        diesel::sql_query("UPDATE tasks SET notified_at = NULL WHERE unit = 'study'").execute(&mut conn).unwrap();
        assert!(env.ok(&["notify", "--now", "2026-07-03"]).contains("sent 1 of 1"));
        assert_eq!(files(), first, "the same Message-ID, so the same file, not a new message");
        assert_eq!(std::fs::read_to_string(outbox.join(study)).unwrap(), before, "byte for byte the same mail");
        assert_eq!(notified(&env), [true; 4]);
    }
);

both_engines!(
    fn the_daemon_retries_a_failed_digest_until_the_server_accepts_it(engine) {
        let env = Env::new(engine, &(smtp(dead_port(), "none") + "[schedule]\ndigest = \"*/2 * * * * *\"\n")).unwrap();
        register(&env);
        let mut child = env.command(&["run"]).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::piped()).spawn().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(3500));
        assert_eq!(notified(&env), [false; 4]);
        let server = TestServer::start(None);
        env.write_config(&(smtp(server.port, "none") + "[schedule]\ndigest = \"0 0 7 * * Mon-Fri\"\n"));
        assert!(std::process::Command::new("kill").args(["-HUP", &child.id().to_string()]).status().unwrap().success());
        let start = std::time::Instant::now();
        while mails(&server).len() < 3 {
            assert!(start.elapsed() < std::time::Duration::from_secs(30), "not retried");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
        std::thread::sleep(std::time::Duration::from_millis(2500));
        assert!(std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
        let status = child.wait().unwrap();
        let mut log = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
        assert_eq!(status.code(), Some(0), "{log}");
        assert!(deliveries(&mails(&server)).values().all(|n| *n == 1), "{log}");
        assert_eq!(notified(&env), [true; 4]);
        assert!(!log.contains("study-unit@"), "no addresses in the log");
    }
);

both_engines!(
    fn a_unit_gets_one_mail_a_run_however_many_runs_failed_before(engine) {
        let env = Env::new(engine, &smtp(dead_port(), "none")).unwrap();
        register(&env);
        assert_eq!(env.run(&["notify", "--now", "2026-07-01"]).code(), 1);
        // More tasks while the server is down, and another failed run.
        let csv = format!("{HEADER}S-3,P-5,,study,2026-01-03,,,,,\n");
        env.ok(&["import", "permits", &env.file("more.csv", &csv)]);
        env.ok(&["tick", "--now", "2026-07-02"]);
        assert_eq!(env.run(&["notify", "--now", "2026-07-02"]).code(), 1);
        let server = TestServer::start(None);
        env.write_config(&smtp(server.port, "none"));
        assert!(env.ok(&["notify", "--now", "2026-07-03"]).contains("sent 3 of 3"));
        assert_eq!(mails(&server).len(), 3, "one mail per unit, not one per failed run");
        assert!(env.ok(&["notify", "--now", "2026-07-03"]).contains("sent 1 of 1"), "the task that waited goes out next");
        let all = mails(&server);
        assert_eq!(all.len(), 4);
        assert_eq!(all.iter().filter(|(_, raw)| lists(raw, "S-3")).count(), 1);
        assert!(deliveries(&all).values().all(|n| *n == 1));
    }
);

both_engines!(
    fn a_refused_digest_waits_for_a_change_or_an_operator_instead_of_being_retried_on_every_run(engine) {
        let server = TestServer::start(Some("work-unit@"));
        let env = Env::new(engine, &smtp(server.port, "none")).unwrap();
        register(&env);
        let r = env.run(&["notify", "--now", "2026-07-01"]);
        assert_eq!(r.code(), 1);
        assert!(r.stderr().contains("1 digest(s) refused") && r.stderr().contains("unit work") && r.stderr().contains("550"), "{}", r.stderr());
        let tried = server.received().mail_commands;
        // Nothing changed: the refused digest is reported, not sent to the server again.
        let r = env.run(&["notify", "--now", "2026-07-02"]);
        assert_eq!(r.code(), 1);
        assert!(r.stderr().contains("refused") && r.stderr().contains("--retry-refused"), "{}", r.stderr());
        assert_eq!(server.received().mail_commands, tried, "a refused digest is not retried unchanged");
        // An operator asks: tried again, refused again.
        assert_eq!(env.run(&["notify", "--now", "2026-07-02", "--retry-refused"]).code(), 1);
        assert_eq!(server.received().mail_commands, tried + 1);
        // The unit's address is corrected: the digest goes to the new address, with its Message-ID.
        env.write_config(&(smtp(server.port, "none") + "[units.work]\nemail = [\"work-desk@localhost\"]\n"));
        let out = env.ok(&["notify", "--now", "2026-07-03"]);
        assert!(out.contains("sent 1 of 1"), "{out}");
        let all = mails(&server);
        let (to, raw) = all.last().unwrap();
        assert_eq!(to, &["work-desk@localhost"]);
        assert!(lists(raw, "W-1"), "{raw}");
        assert_eq!(notified(&env), [true; 4]);
    }
);

both_engines!(
    fn stored_data_that_does_not_read_is_an_error_naming_the_row(engine) {
        use diesel::RunQueryDsl;
        let env = Env::new(engine, "").unwrap();
        register(&env);
        let mut conn = env.connect();
        diesel::sql_query("UPDATE tasks SET priority = 'whenever' WHERE permit_id = 'S-1'").execute(&mut conn).unwrap();
        let r = env.run(&["tasks"]);
        assert_eq!(r.code(), 1, "{}", r.stdout());
        let stderr = r.stderr();
        assert!(stderr.contains("tasks row") && stderr.contains("priority") && stderr.contains("whenever"), "{stderr}");
        assert_eq!(env.run(&["notify", "--now", "2026-07-01"]).code(), 1, "a digest is never built from a guess");
        diesel::sql_query("UPDATE tasks SET priority = 'normal', evidence = 'not json' WHERE permit_id = 'S-1'").execute(&mut conn).unwrap();
        let stderr = env.run(&["tasks"]).stderr();
        assert!(stderr.contains("evidence") && stderr.contains("not a list of evidence"), "{stderr}");
        diesel::sql_query("UPDATE tasks SET evidence = '[]', unit = '' WHERE permit_id = 'S-1'").execute(&mut conn).unwrap();
        let stderr = env.run(&["tasks"]).stderr();
        assert!(stderr.contains("unit") && stderr.contains("empty"), "{stderr}");
    }
);
