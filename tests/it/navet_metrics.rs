//! `/metrics` counts what Navet files gave: the records read and the signals derived by kind,
//! read from the database after each tick of the daemon (the imports are commands of their own).

use crate::both_engines;
use crate::navet::{baseline, import_day};
use crate::process::{free_port, get, Daemon};
use std::time::{Duration, Instant};

both_engines!(
    fn the_daemon_s_metrics_count_navet_records_read_and_signals_derived(engine) {
        let (env, persons) = baseline(engine);
        let mut day = vec![persons[1].clone(), persons[2].clone()];
        day[0].deregistration = Some(("AV".into(), "20261104".into(), None));
        day[1].citizenships.push("SE".into());
        import_day(&env, 2, "20261106", &day);
        let port = free_port();
        env.write_config(&format!("[schedule]\ntick = \"* * * * * *\"\n[admin]\nlisten = \"127.0.0.1:{port}\"\n"));
        let mut daemon = Daemon::start(env.command(&["run"]));
        let start = Instant::now();
        let body = loop {
            if let Some((200, body)) = get(port, "/metrics") {
                if body.contains("permit_followup_navet_signals_derived") {
                    break body;
                }
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no Navet figures in the metrics");
            std::thread::sleep(Duration::from_millis(200));
        };
        for line in [
            "permit_followup_navet_records_read 1002",
            "permit_followup_navet_signals_derived{kind=\"deceased\"} 1",
            "permit_followup_navet_signals_derived{kind=\"citizenship_changed\"} 1",
        ] {
            assert!(body.lines().any(|l| l == line), "no {line} in:\n{body}");
        }
        daemon.signal("-TERM");
        daemon.wait_exit(Duration::from_secs(20));
    }
);
