//! The daemon as systemd and a Prometheus server see it: the real binary with its admin
//! endpoint on a free port and a notify socket of the test's own; READY=1 after the catch-up
//! tick, watchdog keep-alives, `/readyz`, `/metrics` parsed as Prometheus text (and checked by
//! `promtool` where it is installed), a reload that
//! moves the endpoint and the log level, a broken reload refused, and SIGTERM ending it with 0.

use crate::both_engines;
use crate::helpers::Env;
use crate::import::three_permits;
use crate::process::{free_port, get, wait_for_status, Daemon, NotifySocket};
use std::time::Duration;

const UNITS: [&str; 6] = ["study", "work", "family", "refugee", "subsidiary_protection", "other"];

fn config(admin: u16, level: &str) -> String {
    format!(
        "[schedule]\ntick = \"* * * * * *\"\ndigest = \"*/2 * * * * *\"\n[admin]\nlisten = \"127.0.0.1:{admin}\"\n[log]\nlevel = \"{level}\"\n"
    )
}

fn scrape(port: u16) -> prometheus_parse::Scrape {
    let (status, body) = get(port, "/metrics").expect("the endpoint answers");
    assert_eq!(status, 200, "{body}");
    promtool_accepts(&body);
    prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_string()))).expect("Prometheus text")
}

/// Prometheus's own checker (`promtool check metrics`: the format and its naming rules), where
/// it is installed (Debian's `prometheus` package; `.ci/run` says whether it ran).
fn promtool_accepts(body: &str) {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        return;
    };
    child.stdin.take().expect("a pipe").write_all(body.as_bytes()).expect("promtool reads");
    let out = child.wait_with_output().expect("promtool ends");
    assert!(
        out.status.success(),
        "promtool check metrics:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn value(v: &prometheus_parse::Value) -> f64 {
    match v {
        prometheus_parse::Value::Counter(x)
        | prometheus_parse::Value::Gauge(x)
        | prometheus_parse::Value::Untyped(x) => *x,
        other => panic!("not a number: {other:?}"),
    }
}

/// The sum of a metric's samples whose labels include `with`.
fn sum(scrape: &prometheus_parse::Scrape, metric: &str, with: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric && with.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| value(&s.value))
        .sum()
}

/// Every label is a configuration word, the version or a bucket bound; none holds ten digits.
fn labels_hold_no_personal_data(scrape: &prometheus_parse::Scrape) {
    for s in &scrape.samples {
        for (k, v) in s.labels.iter() {
            let digits = v.chars().filter(char::is_ascii_digit).count();
            assert!(digits < 10, "{}: label {k}={v}", s.metric);
            match k.as_str() {
                "unit" => assert!(UNITS.contains(&v.as_str()), "{}: unit {v}", s.metric),
                "cause" | "state" | "outcome" | "version" => {}
                other => panic!("{}: unexpected label {other}={v}", s.metric),
            }
        }
    }
}

both_engines!(
    fn the_service_reports_to_systemd_serves_health_and_metrics_reloads_and_stops(engine) {
        let (first, second) = (free_port(), free_port());
        let env = Env::new(engine, &config(first, "info")).unwrap();
        env.ok(&["import", "permits", &env.file("p.csv", &three_permits())]);
        let notify = NotifySocket::bind(env.dir.path());
        let mut command = env.command(&["run"]);
        command.env("NOTIFY_SOCKET", &notify.path).env("WATCHDOG_USEC", "2000000").env_remove("WATCHDOG_PID");
        let started = chrono::Utc::now().timestamp();
        let mut daemon = Daemon::start(command);

        // READY=1 only once the catch-up tick has created the three due tasks.
        notify.wait_for("READY=1", 1, Duration::from_secs(30));
        assert_eq!(env.tasks().len(), 3, "READY=1 before the catch-up tick finished");
        let before_ready: Vec<String> = notify.messages().into_iter().take_while(|m| !m.contains("READY=1")).collect();
        assert!(before_ready.iter().any(|m| m.contains("STATUS=catch-up tick")), "{before_ready:#?}");
        assert_eq!(get(first, "/healthz"), Some((200, "ok\n".into())));
        assert_eq!(wait_for_status(first, "/readyz", 200, Duration::from_secs(10)), "ready\n");

        // Figures, once a digest run has sent the units' digests (file transport).
        let start = std::time::Instant::now();
        let metrics = loop {
            let m = scrape(first);
            if sum(&m, "permit_followup_digests_sent_total", &[]) >= 3.0 {
                break m;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no digests in the metrics");
            std::thread::sleep(Duration::from_millis(200));
        };
        labels_hold_no_personal_data(&metrics);
        assert_eq!(sum(&metrics, "permit_followup_tasks_created_total", &[("cause", "periodic_review")]), 3.0);
        assert_eq!(sum(&metrics, "permit_followup_tasks_created_total", &[("unit", "study")]), 1.0);
        assert_eq!(sum(&metrics, "permit_followup_tasks_open", &[]), 3.0);
        assert_eq!(sum(&metrics, "permit_followup_tasks_open", &[("unit", "other")]), 0.0);
        assert_eq!(sum(&metrics, "permit_followup_signals", &[("state", "pending")]), 0.0);
        assert_eq!(sum(&metrics, "permit_followup_database_up", &[]), 1.0);
        assert_eq!(sum(&metrics, "permit_followup_build_info", &[("version", env!("CARGO_PKG_VERSION"))]), 1.0);
        assert!(sum(&metrics, "permit_followup_last_tick_success_timestamp_seconds", &[]) >= started as f64);
        assert!(sum(&metrics, "permit_followup_last_digest_success_timestamp_seconds", &[]) >= started as f64);
        assert!(sum(&metrics, "permit_followup_ticks_total", &[("outcome", "ran")]) >= 1.0);
        for histogram in ["permit_followup_tick_duration_seconds", "permit_followup_digest_duration_seconds"] {
            let h = metrics.samples.iter().find(|s| s.metric == histogram).unwrap_or_else(|| panic!("no {histogram}"));
            assert!(matches!(h.value, prometheus_parse::Value::Histogram(_)), "{histogram}: {:?}", h.value);
        }
        notify.wait_for("WATCHDOG=1", 3, Duration::from_secs(10));

        // A changed configuration: the endpoint moves, the log level follows; the database
        // keys and the log format wait for the next start.
        env.write_config(&format!("{}[database]\nlock_timeout_seconds = 119\n", config(second, "debug").replace("[log]\n", "[log]\nformat = \"json\"\n")));
        let ready_before = notify.count("READY=1");
        daemon.signal("-HUP");
        notify.wait_for("READY=1", ready_before + 1, Duration::from_secs(10));
        let reloading = notify.messages().into_iter().find(|m| m.contains("RELOADING=1")).expect("RELOADING=1");
        let usec = reloading.lines().find_map(|l| l.strip_prefix("MONOTONIC_USEC=")).expect("MONOTONIC_USEC");
        assert!(usec.parse::<u64>().unwrap() > 0, "{reloading}");
        daemon.wait_for_log("configuration reloaded", 1, Duration::from_secs(5));
        assert_eq!(wait_for_status(second, "/readyz", 200, Duration::from_secs(10)), "ready\n");
        assert_eq!(get(first, "/healthz"), None, "the old address still answers");
        daemon.wait_for_log("tick pass written", 1, Duration::from_secs(10));
        assert!(daemon.log().contains("[database] settings changed; they take effect at the next start"), "{}", daemon.log());
        assert!(daemon.log().contains("log.format changed; it takes effect at the next start"), "{}", daemon.log());

        // An address that is taken: the endpoint stays where it is.
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let taken_port = taken.local_addr().unwrap().port();
        env.write_config(&config(taken_port, "debug"));
        let ready_before = notify.count("READY=1");
        daemon.signal("-HUP");
        notify.wait_for("READY=1", ready_before + 1, Duration::from_secs(10));
        daemon.wait_for_log(&format!("the admin endpoint stays on 127.0.0.1:{second}"), 1, Duration::from_secs(5));
        assert_eq!(get(second, "/readyz").map(|r| r.0), Some(200));
        drop(taken);

        // A broken one is refused; the one in force goes on.
        env.write_config("[schedule]\ntick = \"every minute\"\n");
        let ready_before = notify.count("READY=1");
        daemon.signal("-HUP");
        notify.wait_for("READY=1", ready_before + 1, Duration::from_secs(10));
        daemon.wait_for_log("configuration reload failed", 1, Duration::from_secs(5));
        assert!(daemon.log().contains("schedule.tick"), "{}", daemon.log());
        assert_eq!(get(second, "/readyz").map(|r| r.0), Some(200));

        daemon.signal("-TERM");
        let status = daemon.wait_exit(Duration::from_secs(20));
        assert_eq!(status.code(), Some(0), "{}", daemon.log());
        assert_eq!(notify.count("STOPPING=1"), 1, "{:#?}", notify.messages());
        assert!(daemon.log().contains("stopped"), "{}", daemon.log());
        assert_eq!(get(second, "/healthz"), None, "the endpoint outlived the daemon");
    }
);
