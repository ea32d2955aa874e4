//! The command line reads the same way everywhere (docs/REFERENCE.md §7): every list has a
//! header and a count line, a unit nobody knows is a usage error naming it, closing a task that
//! cannot be closed says why with exit status 2, and `check-config` shows every section it
//! checked.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::import::{three_permits, HEADER};

/// Three permits imported, one of them with an invalid sibling kept as a reject, and ticked.
fn world(env: &Env) -> String {
    let csv = three_permits() + "UT-9,P-9,,study,20260101,,,,,\n";
    assert_eq!(env.run(&["import", "permits", "--skip-invalid", &env.file("p.csv", &csv)]).code(), 3);
    env.ok(&["tick", "--now", "2026-07-01"]);
    env.tasks()[0]["id"].to_string()
}

/// The first line and the last line of a command's output.
fn first_and_last(out: &str) -> (&str, &str) {
    (out.lines().next().unwrap_or(""), out.lines().last().unwrap_or(""))
}

both_engines!(
    fn every_list_command_prints_a_header_and_a_count_line(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env);
        let lists: [(&[&str], &str, &str); 5] = [
            (&["tasks"], "ID  PERMIT", " task(s)"),
            (&["tasks", "--permit", "NOSUCH"], "ID  PERMIT", "0 task(s)"),
            (&["signals"], "ID  KIND", "0 signal(s)"),
            (&["rejects"], "IMPORT  WHERE", "1 reject(s)"),
            (&["history", "UT-1"], "AT (UTC)", " event(s)"),
        ];
        for (args, header, count) in lists {
            let out = env.ok(args);
            let (first, last) = first_and_last(&out);
            assert!(first.starts_with(header), "{args:?} starts with {first:?}");
            assert!(last.ends_with(count) && last.split(' ').next().unwrap().parse::<u32>().is_ok(), "{args:?} ends with {last:?}");
        }
        assert!(env.ok(&["history", "UT-1"]).ends_with("\n2 event(s)\n"));
        assert!(env.ok(&["rejects"]).contains("p.csv:5  valid_from  UT-9"), "the reject's record id");
    }
);

both_engines!(
    fn tasks_of_a_unit_nobody_knows_is_a_usage_error_naming_it(engine) {
        let env = Env::new(engine, "").unwrap();
        world(&env);
        let r = env.run(&["tasks", "--unit", "NOSUCH"]);
        assert_eq!(r.code(), 2, "{}", r.stdout());
        assert!(r.stderr().contains("unknown unit \"NOSUCH\"") && r.stderr().contains("study"), "{}", r.stderr());
        assert_eq!(r.stdout(), "", "no empty table");
        // A unit taken out of the configuration while its tasks remain: they are listed.
        let seasonal = "[units.seasonal]\nname = \"Seasonal\"\nemail = [\"s@localhost\"]\n";
        env.write_config(seasonal);
        let csv = format!("{HEADER}UT-5,P-5,,work,2025-01-01,,,seasonal,,\n");
        env.ok(&["import", "permits", &env.file("s.csv", &csv)]);
        env.ok(&["tick", "--now", "2026-07-01"]);
        env.write_config("");
        let out = env.ok(&["tasks", "--unit", "seasonal"]);
        assert!(out.contains("UT-5") && out.ends_with("1 task(s)\n"), "{out}");
    }
);

both_engines!(
    fn closing_an_unknown_or_closed_task_is_exit_two_saying_what_to_do(engine) {
        let env = Env::new(engine, "").unwrap();
        let id = world(&env);
        let r = env.run(&["tasks", "close", "9999", "--outcome", "referred", "--note", "x"]);
        assert_eq!((r.code(), r.stdout().as_str()), (2, ""));
        assert_eq!(r.stderr().trim(), "permit-followup: no task 9999; `permit-followup tasks --state all` lists every task");
        let open = env.ok(&["tasks"]);
        let row: Vec<&str> = open.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!((row[6], row[7]), ("open", "-"), "{open}");
        env.ok(&["tasks", "close", &id, "--outcome", "no_action", "--note", "Studies confirmed"]);
        let r = env.run(&["tasks", "close", &id, "--outcome", "referred", "--note", "again"]);
        assert_eq!(r.code(), 2);
        assert_eq!(r.stderr().trim(), format!("permit-followup: task {id} is already closed (no_action); its outcome is kept"));
        // Closed tasks show their state and their outcome, each in its own column.
        let out = env.ok(&["tasks", "--state", "closed"]);
        let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["ID", "PERMIT", "CAUSE", "UNIT", "PRIORITY", "DUE", "STATE", "OUTCOME", "REASON"]);
        let row: Vec<&str> = out.lines().nth(1).unwrap().split_whitespace().collect();
        assert_eq!((row[0], row[6], row[7]), (id.as_str(), "closed", "no_action"), "{out}");
    }
);

#[test]
fn check_config_shows_every_section_it_validates() {
    let env = Env::new(Engine::Sqlite, "[log]\nformat = \"json\"\n[admin]\nlisten = \"127.0.0.1:9999\"\n[units.work]\ncase_url = \"https://case.example/p/{permit_id}\"\n").unwrap();
    let out = env.ok(&["check-config"]);
    for line in [
        "admin: health and metrics on 127.0.0.1:9999",
        "log: JSON lines, level \"info\"",
        "privacy: key file ",
        "digests: overdue list of at most 20 task(s); case links for 1 of 6 unit(s)",
        "mail: files in ",
        "income_reported: threshold a month, by the permit's valid_from: 27360 SEK from 2023-11-01, 28480 SEK from 2024-06-01; income from another employer than the permit's makes a task",
    ] {
        assert!(out.lines().any(|l| l.starts_with(line)), "{line:?} missing:\n{out}");
    }
    assert!(
        out.lines().any(|l| l.starts_with("work ") && l.ends_with("https://case.example/p/{permit_id}")),
        "{out}"
    );
    // mail.case_url for every unit but one that turns it off with "".
    let both = "[mail]\ncase_url = \"https://c.example/{permit_id}\"\n[units.study]\ncase_url = \"\"\n";
    let out = Env::new(Engine::Sqlite, both).unwrap().ok(&["check-config"]);
    assert!(out.contains("case links for 5 of 6 unit(s)"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("study ") && l.ends_with(" -")), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("family ") && l.ends_with("https://c.example/{permit_id}")),
        "{out}"
    );
}
