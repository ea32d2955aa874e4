//! The sweep: personal numbers planted in every field of every input a hostile or careless
//! sender could fill — identifiers, the personal-number fields in all their forms, free text,
//! a sole trader's employer number, a signal's data (keys, values, numbers, arrays, nested),
//! column and key names, values in the wrong column, a caseworker's note, a file's name — and
//! then every output read: every command's table and JSON, `history`, `rejects`, the digests
//! over SMTP and as files, and every log line at trace level, of the one-shot commands and of
//! the daemon.
//! Not one of the numbers, in any of its spellings, may appear. The database is read too: none
//! may be stored in clear.

use crate::both_engines;
use crate::helpers::{Env, Run};
use crate::smtp_server::TestServer;
use std::time::{Duration, Instant};

/// A valid 12-digit personal number born on `yyyymmdd` with serial `nnn`: the check digit is
/// the Luhn digit over the last nine.
pub fn number(yyyymmdd: &str, nnn: u32) -> String {
    let nine = format!("{}{nnn:03}", &yyyymmdd[2..]);
    let sum: u32 = nine
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0') * if i % 2 == 0 { 2 } else { 1 };
            if d > 9 {
                d - 9
            } else {
                d
            }
        })
        .sum();
    format!("{yyyymmdd}{nnn:03}{}", (10 - sum % 10) % 10)
}

/// Every spelling of a 12-digit number: with and without the century, with `-`, `+` or none.
pub fn spellings(twelve: &str) -> Vec<String> {
    let (date, serial) = twelve.split_at(8);
    let ten = &twelve[2..];
    vec![
        twelve.to_string(),
        format!("{date}-{serial}"),
        ten.to_string(),
        format!("{}-{serial}", &date[2..]),
        format!("{}+{serial}", &date[2..]),
    ]
}

struct Planted {
    /// The permit holders' numbers (imported in various spellings).
    holders: Vec<String>,
    /// Numbers that only ever appear where they do not belong.
    strays: Vec<String>,
}

fn plant() -> Planted {
    let holders = (0..5).map(|i| number(&format!("1990010{}", i + 1), 120 + i)).collect();
    let strays = (0..12).map(|i| number(&format!("1985{:02}1{}", i % 12 + 1, i % 9 + 1), 300 + i)).collect();
    Planted { holders, strays }
}

fn permits_csv(p: &Planted) -> String {
    let h = &p.holders;
    let s = &p.strays;
    let sole_trader = &s[0][2..];
    [
        format!("permit_id,person_id,personal_number,ground,valid_from,valid_until,status,unit,employer_org_no,institution,{}\n", s[1]),
        format!("UT-1,P-1,{},study,2026-01-01,,,,,Lund; kontakt {},x\n", h[0], s[2]),
        format!("UT-2,P-2,{},work,2025-07-01,,,,{sole_trader},,x\n", spellings(&h[1])[1]),
        format!("UT-3,P-3,{},family,2025-07-01,,,,,,x\n", spellings(&h[2])[2]),
        format!("UT-4,P-4,{},study,2026-01-02,,,,,ring {} eller {},x\n", spellings(&h[3])[3], spellings(&s[3])[4], spellings(&s[3])[2]),
        format!("UT-{},P-9,,study,2026-01-01,,,,,,x\n", s[4]),
        format!("UT-10,P-{},,study,2026-01-01,,,,,,x\n", spellings(&s[5])[3]),
        format!("UT-11,P-11,,study,{},,,,,,x\n", s[6]),
        format!("UT-12,P-12,{}x,study,2026-01-01,,,,,,x\n", s[7]),
    ]
    .concat()
}

fn signals_jsonl(p: &Planted) -> String {
    let (h, s) = (&p.holders, &p.strays);
    let line = |v: serde_json::Value| v.to_string() + "\n";
    [
        line(serde_json::json!({"id": "s-1", "kind": "emigrated", "personal_number": spellings(&h[0])[3], "occurred_on": "2026-06-01",
            "data": {"note": format!("holder {} left with {}", spellings(&h[0])[1], s[8]), s[9].clone(): [spellings(&s[9])[2]],
                     "n": s[10].parse::<u64>().unwrap(), "deep": {"a": [{"b": spellings(&s[10])[4]}]}}})),
        line(serde_json::json!({"id": "s-2", "kind": "birth_date_changed", "personal_number": spellings(&h[1])[4].replace('+', "-"), "occurred_on": "2026-06-01",
            "data": {"new_personal_number": spellings(&s[11])[1]}})),
        line(serde_json::json!({"id": "s-3", "kind": "income_reported", "person_id": "P-2", "occurred_on": "2026-06-01",
            "data": {"employer_org_no": spellings(&s[0])[3], "amount_sek": 100, "period": "2026-05"}})),
        line(serde_json::json!({"id": format!("s-{}", s[8]), "kind": "emigrated", "person_id": "P-1", "occurred_on": "2026-06-01"})),
        line(serde_json::json!({"id": "s-5", "kind": "emigrated", "person_id": format!("P{}", spellings(&s[9])[2]), "occurred_on": "2026-06-01"})),
        line(serde_json::json!({"id": "s-6", "kind": "emigrated", "personal_number": spellings(&s[10])[0].replace('1', "2"), "occurred_on": spellings(&s[10])[1]})),
        line(serde_json::json!({"id": "s-7", "kind": "emigrated", s[11].clone(): 1, "person_id": "P-3", "occurred_on": "2026-06-01"})),
        line(serde_json::json!({"id": "s-8", "kind": "citizenship_changed", "personal_number": spellings(&h[4])[0], "occurred_on": "2026-06-01"})),
    ]
    .concat()
}

fn smtp(port: u16) -> String {
    format!("[mail]\ntransport = \"smtp\"\n[mail.smtp]\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\ntimeout_seconds = 5\n")
}

/// Runs the binary with logging at trace level and keeps all it printed.
fn traced(env: &Env, args: &[&str], seen: &mut String) -> Run {
    let r = Run(env.command(args).env("PERMIT_FOLLOWUP_LOG", "trace").output().unwrap());
    seen.push_str(&r.stdout());
    seen.push_str(&r.stderr());
    r
}

both_engines!(
    fn no_personal_number_from_any_input_reaches_any_output_log_mail_or_stored_row(engine) {
        let planted = plant();
        let server = TestServer::start(None);
        let env = Env::new(engine, &smtp(server.port)).unwrap();
        let mut seen = String::new();
        let (permits, signals) = (env.file("p.csv", &permits_csv(&planted)), env.file("s.jsonl", &signals_jsonl(&planted)));
        for args in [vec!["import", "permits", &permits], vec!["import", "signals", &signals]] {
            assert_eq!(traced(&env, &args, &mut seen).code(), 3, "{args:?} must reject its bad records");
        }
        for args in [vec!["import", "permits", "--skip-invalid", &permits], vec!["import", "signals", "--skip-invalid", &signals]] {
            assert_eq!(traced(&env, &args, &mut seen).code(), 3, "{args:?}");
        }
        assert_eq!(traced(&env, &["tick", "--now", "2026-07-01"], &mut seen).code(), 0);
        let task = env.tasks()[0]["id"].to_string();
        let note = format!("called {} and {}", spellings(&planted.strays[2])[3], planted.holders[0]);
        assert_eq!(traced(&env, &["tasks", "close", &task, "--outcome", "no_action", "--note", &note], &mut seen).code(), 0);
        assert_eq!(traced(&env, &["notify", "--now", "2026-07-01"], &mut seen).code(), 0, "{seen}");
        // The daemon at trace level: its catch-up tick, a digest over SMTP, then a file digest.
        let csv = format!("{}UT-20,P-20,{},work,2025-07-02,,,,,,x\n", permits_csv(&planted).lines().next().unwrap().to_string() + "\n", planted.holders[4]);
        // A file named with a personal number: named by its marker.
        let named = format!("register-{}.csv", spellings(&planted.strays[5])[1]);
        traced(&env, &["import", "permits", "--skip-invalid", &env.file(&named, &csv)], &mut seen);
        daemon_until_notified(&env, &format!("{}[schedule]\ndigest = \"*/1 * * * * *\"\n", smtp(server.port)), &mut seen);
        for args in [
            vec!["tasks", "--state", "all"],
            vec!["tasks", "--state", "all", "--format", "json"],
            vec!["signals"],
            vec!["signals", "--format", "json"],
            vec!["rejects"],
            vec!["rejects", "--format", "json"],
            vec!["check-config"],
        ] {
            assert_eq!(traced(&env, &args, &mut seen).code(), 0, "{args:?}");
        }
        for id in ["UT-1", "UT-2", "UT-3", "UT-4", "UT-20"] {
            traced(&env, &["history", id], &mut seen);
        }
        for (_, raw) in &server.received().mails {
            seen.push_str(&String::from_utf8_lossy(raw));
        }
        if let Ok(files) = std::fs::read_dir(env.path("outbox")) {
            for f in files {
                seen.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
            }
        }
        assert!(seen.contains("[pn:") && seen.contains("digest sent") && seen.contains("Message-ID"), "the sweep saw the outputs:\n{seen}");
        let stored = String::from_utf8_lossy(&env.database_dump()).into_owned();
        for pn in planted.holders.iter().chain(&planted.strays) {
            for spelling in spellings(pn) {
                assert!(!seen.contains(&spelling), "{spelling} (of {pn}) reached an output:\n{seen}");
                assert!(!stored.contains(&spelling), "{spelling} (of {pn}) is stored in clear");
            }
        }
    }
);

/// Runs the daemon (at trace level) until UT-20 has a task and every open task is notified,
/// then stops it.
fn daemon_until_notified(env: &Env, config: &str, seen: &mut String) {
    env.write_config(config);
    let child = env
        .command(&["run"])
        .env("PERMIT_FOLLOWUP_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let done = |tasks: Vec<serde_json::Value>| {
        tasks.iter().any(|t| t["permit_id"] == "UT-20")
            && !tasks.iter().any(|t| t["state"] == "open" && t["notified"] == false)
    };
    while !done(env.tasks()) {
        assert!(start.elapsed() < Duration::from_secs(30), "the daemon sent no digest");
        std::thread::sleep(Duration::from_millis(200));
    }
    let ok = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(ok.success());
    let out = child.wait_with_output().unwrap();
    seen.push_str(&String::from_utf8_lossy(&out.stdout));
    seen.push_str(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0));
}
