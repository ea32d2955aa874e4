//! Signals end to end on both engines: every kind of the shipped configuration through the
//! example feeds, matching by person id and by personal number (with number replacement),
//! pending → matched → unmatched, duplicates, suppression into an open task, capacity, errors,
//! and no personal number in any output, log or error.

use crate::both_engines;
use crate::helpers::{repo, Env};
use crate::import::HEADER;
use serde_json::Value;

fn example(name: &str) -> String {
    repo(&format!("examples/{name}")).display().to_string()
}

fn import_examples(env: &Env) {
    env.ok(&["import", "permits", &example("permits.csv"), "--now", "2026-11-20"]);
    for feed in
        ["signals-navet-2026-11-20.jsonl", "signals-study-ht2026.jsonl", "signals-income-2026-10.jsonl"]
    {
        env.ok(&["import", "signals", &example(feed), "--now", "2026-11-21"]);
    }
}

fn signal_tasks(env: &Env) -> Vec<Value> {
    env.tasks().into_iter().filter(|t| t["cause"] != "periodic_review").collect()
}

fn find<'a>(tasks: &'a [Value], permit: &str, cause: &str) -> Option<&'a Value> {
    tasks.iter().find(|t| t["permit_id"] == permit && t["cause"] == cause)
}

both_engines!(
    fn every_kind_of_the_example_feeds_becomes_the_expected_task(engine) {
        let env = Env::new(engine, "").unwrap();
        import_examples(&env);
        let out = env.ok(&["tick", "--now", "2026-11-23"]);
        assert!(out.contains("signals: 34 processed"), "{out}");
        let tasks = signal_tasks(&env);
        let expected = [
            ("UT-2024-176829", "name_changed"),
            ("UT-2019-182396", "citizenship_changed"),
            ("UT-2021-147474", "birth_date_changed"),
            ("UT-2025-134730", "emigrated"),
            ("UT-2022-165042", "citizenship_changed"), // by person_id; the person's other permit is expired
            ("UT-2024-195031", "deceased"),
            ("UT-2025-184415", "name_changed"),          // by coordination number
            ("UT-2021-147474", "citizenship_changed"),   // by the replacing number, linked by birth_date_changed
            ("UT-2025-164233", "study_registration_missing"),
            ("UT-2026-147226", "study_registration_missing"),
            ("UT-2025-129280", "study_progress_insufficient"),
            ("UT-2025-132604", "income_reported"),       // 24350 SEK
            ("UT-2025-111774", "income_reported"),       // 28479 SEK: one krona under
            ("UT-2025-121695", "income_reported"),       // another employer
            ("UT-2025-129821", "employment_ended"),
        ];
        for (permit, cause) in expected {
            assert!(find(&tasks, permit, cause).is_some(), "no {cause} task for {permit}");
        }
        assert_eq!(tasks.len(), 22, "{tasks:#?}");
        assert!(find(&tasks, "UT-2025-123492", "income_reported").is_none(), "28480 SEK is at the threshold");
        let t = find(&tasks, "UT-2025-134730", "emigrated").unwrap();
        assert_eq!(t["legal_basis"], "UtlL 7 kap. 7 §");
        assert_eq!(t["priority"], "high");
        assert_eq!(t["due_on"], "2026-12-03", "occurred 2026-11-19 + 14 days");
        assert_eq!(t["occasion"], t["evidence"][0]["signal"]);
        assert_eq!(t["evidence"][0]["kind"], "emigrated");
        let income = find(&tasks, "UT-2025-111774", "income_reported").unwrap();
        assert!(income["reason"].as_str().unwrap().contains("28479 SEK"), "{income}");
        assert_eq!(income["evidence"][0]["data"]["amount_sek"], 28479);
        let history = env.ok(&["history", "UT-2021-147474"]);
        assert!(history.contains("from signal navet-2026-11-20-000012"), "{history}");
        // The unknown person's signal waits; the processed ones are listed as such.
        let pending: Vec<Value> = serde_json::from_str(&env.ok(&["signals", "--state", "pending", "--format", "json"])).unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0]["id"], "navet-2026-11-20-000008");
        assert!(pending[0].get("personal_number").is_none());
        assert!(env.ok(&["tick", "--now", "2026-11-23"]).contains("created 0 task(s)"));
    }
);

both_engines!(
    fn an_unknown_person_waits_is_matched_when_the_permit_arrives_and_else_becomes_unmatched(engine) {
        let env = Env::new(engine, "").unwrap();
        let feed = "{\"id\": \"s-1\", \"kind\": \"emigrated\", \"personal_number\": \"19850312-4565\", \"occurred_on\": \"2026-11-01\"}\n\
                    {\"id\": \"s-2\", \"kind\": \"emigrated\", \"person_id\": \"P-nobody\", \"occurred_on\": \"2026-11-01\"}\n";
        env.ok(&["import", "signals", &env.file("s.jsonl", feed), "--now", "2026-11-02"]);
        assert!(env.ok(&["tick", "--now", "2026-11-02"]).contains("2 still pending"));
        let csv = format!("{HEADER}UT-50,P-50,198503124565,work,2025-01-01,2027-01-01,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-11-10"]);
        let out = env.ok(&["tick", "--now", "2026-11-10"]);
        assert!(out.contains("1 processed") && out.contains("1 still pending"), "{out}");
        assert!(find(&signal_tasks(&env), "UT-50", "emigrated").is_some());
        // Received 2026-11-02 + 30 days = 2026-12-02: the first tick on or after it gives up.
        assert!(env.ok(&["tick", "--now", "2026-12-01"]).contains("1 still pending"));
        assert!(env.ok(&["tick", "--now", "2026-12-02"]).contains("1 now unmatched"));
        let unmatched: Vec<Value> = serde_json::from_str(&env.ok(&["signals", "--state", "unmatched", "--format", "json"])).unwrap();
        assert_eq!(unmatched.len(), 1);
        assert_eq!(unmatched[0]["id"], "s-2");
    }
);

both_engines!(
    fn a_waiting_signal_is_tried_again_once_its_number_is_linked_to_a_person(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-70,P-70,198503124565,work,2025-01-01,2027-01-01,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-11-01"]);
        // A number no permit carries: the signal waits, and a tick with nothing new passes it by.
        let first = "{\"id\": \"s-1\", \"kind\": \"emigrated\", \"personal_number\": \"19900101-1239\", \"occurred_on\": \"2026-11-01\"}\n";
        env.ok(&["import", "signals", &env.file("a.jsonl", first), "--now", "2026-11-02"]);
        assert!(env.ok(&["tick", "--now", "2026-11-02"]).contains("1 still pending"));
        assert!(env.ok(&["tick", "--now", "2026-11-03"]).contains("1 still pending"));
        // The holder's new personal number is that one: linked by this tick, reached by the next.
        let change = "{\"id\": \"s-2\", \"kind\": \"birth_date_changed\", \"personal_number\": \"19850312-4565\", \"occurred_on\": \"2026-11-03\", \"data\": {\"new_personal_number\": \"19900101-1239\"}}\n";
        env.ok(&["import", "signals", &env.file("b.jsonl", change), "--now", "2026-11-04"]);
        let out = env.ok(&["tick", "--now", "2026-11-04"]);
        assert!(out.contains("1 still pending"), "{out}");
        assert!(find(&signal_tasks(&env), "UT-70", "emigrated").is_none());
        let out = env.ok(&["tick", "--now", "2026-11-05"]);
        assert!(out.contains("1 processed") && out.contains("0 still pending"), "{out}");
        assert!(find(&signal_tasks(&env), "UT-70", "emigrated").is_some());
    }
);

both_engines!(
    fn a_signal_received_twice_is_counted_as_a_duplicate_and_ignored(engine) {
        let env = Env::new(engine, "").unwrap();
        let line = "{\"id\": \"dup-1\", \"kind\": \"name_changed\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\"}\n";
        let out = env.ok(&["import", "signals", &env.file("a.jsonl", &line.repeat(2))]);
        assert!(out.contains("1 received, 1 duplicate(s) ignored"), "{out}");
        let out = env.ok(&["import", "signals", &env.file("b.jsonl", line)]);
        assert!(out.contains("0 received, 1 duplicate(s) ignored"), "{out}");
        assert_eq!(env.ok(&["signals"]).matches("dup-1").count(), 1);
    }
);

both_engines!(
    fn signals_for_a_permit_with_an_open_task_of_the_same_kind_become_its_evidence(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-60,P-60,,work,2025-01-01,2027-01-01,,,5560000001,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        let mut feed = String::new();
        for (i, month) in ["2026-08", "2026-09", "2026-10"].iter().enumerate() {
            feed.push_str(&format!("{{\"id\": \"agi-{i}\", \"kind\": \"income_reported\", \"person_id\": \"P-60\", \"occurred_on\": \"{month}-28\", \"data\": {{\"employer_org_no\": \"5560000001\", \"amount_sek\": 12000, \"period\": \"{month}\"}}}}\n"));
        }
        env.ok(&["import", "signals", &env.file("s.jsonl", &feed)]);
        let out = env.ok(&["tick", "--now", "2026-11-02"]);
        assert!(out.contains("3 processed (2 added to open tasks as evidence)"), "{out}");
        let tasks = signal_tasks(&env);
        assert_eq!(tasks.len(), 1, "one task for three low-income reports");
        let evidence = tasks[0]["evidence"].as_array().unwrap();
        assert_eq!(evidence.iter().map(|e| e["signal"].as_str().unwrap()).collect::<Vec<_>>(), ["agi-0", "agi-1", "agi-2"]);
        assert!(env.ok(&["history", "UT-60"]).contains("signal_attached"));
        // A report in a later tick joins the stored open task too.
        let later = "{\"id\": \"agi-late\", \"kind\": \"income_reported\", \"person_id\": \"P-60\", \"occurred_on\": \"2026-11-05\", \"data\": {\"employer_org_no\": \"5560000001\", \"amount_sek\": 100}}\n";
        env.ok(&["import", "signals", &env.file("late.jsonl", later)]);
        assert!(env.ok(&["tick", "--now", "2026-11-06"]).contains("1 processed (1 added to open tasks as evidence)"));
        let tasks = signal_tasks(&env);
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0]["evidence"].as_array().unwrap().len(), 4);
        assert_eq!(tasks[0]["evidence"][3]["signal"], "agi-late");
        // Once closed, the next report makes a new task.
        let id = tasks[0]["id"].to_string();
        env.ok(&["tasks", "close", &id, "--outcome", "referred", "--note", "sent to the work-permit unit"]);
        let next = "{\"id\": \"agi-3\", \"kind\": \"income_reported\", \"person_id\": \"P-60\", \"occurred_on\": \"2026-11-28\", \"data\": {\"employer_org_no\": \"5560000001\", \"amount_sek\": 12000}}\n";
        env.ok(&["import", "signals", &env.file("s2.jsonl", next)]);
        env.ok(&["tick", "--now", "2026-12-01"]);
        assert_eq!(signal_tasks(&env).len(), 2);
    }
);

both_engines!(
    fn the_employer_check_can_be_switched_off(engine) {
        let env = Env::new(engine, "[signals.income_reported]\ncheck_employer = false\n").unwrap();
        let csv = format!("{HEADER}UT-70,P-70,,work,2025-01-01,2027-01-01,,,5560000001,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        let feed = "{\"id\": \"agi-x\", \"kind\": \"income_reported\", \"person_id\": \"P-70\", \"occurred_on\": \"2026-10-28\", \"data\": {\"employer_org_no\": \"5569999999\", \"amount_sek\": 40000}}\n";
        env.ok(&["import", "signals", &env.file("s.jsonl", feed)]);
        env.ok(&["tick", "--now", "2026-11-02"]);
        assert!(signal_tasks(&env).is_empty());
        env.write_config("");
        let feed2 = feed.replace("agi-x", "agi-y");
        env.ok(&["import", "signals", &env.file("s2.jsonl", &feed2)]);
        env.ok(&["tick", "--now", "2026-11-03"]);
        assert_eq!(signal_tasks(&env).len(), 1);
    }
);

both_engines!(
    fn signal_tasks_are_never_held_back_but_count_against_capacity(engine) {
        let env = Env::new(engine, "[units.study]\nweekly_capacity = 1\n").unwrap();
        let csv = format!("{HEADER}S-1,P-1,,study,2026-01-01,,,,,\nS-2,P-2,,study,2026-01-01,,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        let feed = "{\"id\": \"l-1\", \"kind\": \"study_registration_missing\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-06-20\"}\n\
                    {\"id\": \"l-2\", \"kind\": \"study_registration_missing\", \"person_id\": \"P-2\", \"occurred_on\": \"2026-06-20\"}\n";
        env.ok(&["import", "signals", &env.file("s.jsonl", feed)]);
        // Both periodic reviews (occasion 2026-07-01) are due too; the signals take the week.
        let out = env.ok(&["tick", "--now", "2026-06-22"]);
        assert!(out.contains("created 2 task(s), deferred 2"), "{out}");
        assert_eq!(signal_tasks(&env).len(), 2);
    }
);

both_engines!(
    fn invalid_signals_are_reported_by_line_and_field_and_nothing_is_imported(engine) {
        let env = Env::new(engine, "").unwrap();
        let feed = [
            "{\"id\": \"ok-1\", \"kind\": \"emigrated\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\"}",
            "{\"kind\": \"emigrated\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\"}",
            "{\"id\": \"e-3\", \"kind\": \"abducted\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\"}",
            "{\"id\": \"e-4\", \"kind\": \"emigrated\", \"occurred_on\": \"2026-11-01\"}",
            "{\"id\": \"e-5\", \"kind\": \"emigrated\", \"personal_number\": \"19900101-1238\", \"occurred_on\": \"2026-11-01\"}",
            "{\"id\": \"e-6\", \"kind\": \"emigrated\", \"person_id\": \"P-1\", \"occurred_on\": \"yesterday\"}",
            "{\"id\": \"e-7\", \"kind\": \"income_reported\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\", \"data\": {\"amount_sek\": \"lots\"}}",
            "{\"id\": \"e-8\", \"kind\": \"emigrated\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\", \"data\": [1]}",
            "{\"id\": \"e-9\", \"kind\": \"birth_date_changed\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\", \"data\": {\"new_personal_number\": \"19900101-1238\"}}",
            "{\"id\": \"e-10\", \"kind\": \"emigrated\", \"person_id\": \"P-1\", \"occurred_on\": \"2026-11-01\", \"source\": \"x\"}",
        ]
        .join("\n");
        let r = env.run(&["import", "signals", &env.file("s.jsonl", &feed)]);
        assert_eq!(r.code(), 3);
        let stderr = r.stderr();
        for expected in [
            "s.jsonl:2: id: is required",
            "s.jsonl:3: kind: unknown kind \"abducted\"",
            "s.jsonl:4: person_id: person_id or personal_number is required",
            "s.jsonl:5: personal_number: the personal number fails the Luhn check",
            "s.jsonl:6: occurred_on: \"yesterday\" is not a date",
            "s.jsonl:7: data.amount_sek: must be a number",
            "s.jsonl:8: data: must be a JSON object",
            "s.jsonl:9: data.new_personal_number: the personal number fails the Luhn check",
            "s.jsonl:10: source: unknown key",
        ] {
            assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
        }
        assert!(!stderr.contains("19900101"), "{stderr}");
        assert!(env.ok(&["signals"]).contains("0 signal(s)"), "nothing was imported");
        let r = env.run(&["import", "signals", "--skip-invalid", &env.file("s.jsonl", &feed)]);
        assert_eq!(r.code(), 3);
        assert!(env.ok(&["signals"]).contains("ok-1"));
        assert!(env.ok(&["rejects"]).contains("e-9"));
    }
);

both_engines!(
    fn a_personal_number_never_appears_in_any_output_or_log(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut outputs = String::new();
        for args in [
            vec!["import", "permits", &example("permits.csv")],
            vec!["import", "signals", &example("signals-navet-2026-11-20.jsonl")],
            vec!["tick", "--now", "2026-11-23"],
            vec!["tasks", "--state", "all", "--format", "json"],
            vec!["signals", "--format", "json"],
            vec!["signals"],
            vec!["history", "UT-2021-147474"],
        ] {
            let args: Vec<&str> = args.iter().map(|s| &**s).collect();
            let r = crate::helpers::Run(env.command(&args).env("PERMIT_FOLLOWUP_LOG", "trace").output().unwrap());
            assert_eq!(r.code(), 0, "{args:?}: {}", r.stderr());
            outputs.push_str(&r.stdout());
            outputs.push_str(&r.stderr());
        }
        let numbers = std::fs::read_to_string(repo("examples/signals-navet-2026-11-20.jsonl")).unwrap()
            + &std::fs::read_to_string(repo("examples/permits.csv")).unwrap();
        let mut checked = 0;
        for pn in numbers.split(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+')).filter(|w| w.len() >= 12 && w.len() <= 13) {
            let digits: String = pn.chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 12 || digits.starts_with("55") {
                continue;
            }
            checked += 1;
            assert!(!outputs.contains(pn) && !outputs.contains(&digits) && !outputs.contains(&digits[2..]), "{pn} leaked");
        }
        assert!(checked > 50, "only {checked} numbers checked");
        let dump = env.database_dump();
        assert!(!dump.windows(12).any(|w| w == b"198806140433"), "the replacing number is stored in clear");
    }
);

both_engines!(
    fn a_personal_number_in_any_data_field_is_never_kept(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-80,P-80,,work,2025-01-01,2027-01-01,,,9001011239,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        let feed = "{\"id\": \"n-1\", \"kind\": \"name_changed\", \"person_id\": \"P-80\", \"occurred_on\": \"2026-11-01\", \"data\": {\"old_personal_number\": \"19850312-4565\", \"nested\": [\"198503124565\"]}}\n\
                    {\"id\": \"n-2\", \"kind\": \"income_reported\", \"person_id\": \"P-80\", \"occurred_on\": \"2026-11-01\", \"data\": {\"employer_org_no\": \"900101-1239\", \"amount_sek\": 50000}}\n";
        env.ok(&["import", "signals", &env.file("s.jsonl", feed)]);
        env.ok(&["tick", "--now", "2026-11-02"]);
        let out = env.ok(&["signals", "--format", "json"]) + &env.ok(&["tasks", "--state", "all", "--format", "json"]);
        assert!(out.contains("[pn:"), "the number is replaced by its marker: {out}");
        for needle in ["4565", "9001011239", "900101-1239"] {
            assert!(!out.contains(needle), "{needle} shown:\n{out}");
            assert!(!env.database_dump().windows(needle.len()).any(|w| w == needle.as_bytes()), "{needle} stored");
        }
        // The sole trader's number is stored hashed, the same way on the permit and the signal:
        // the income from the permit's own employer makes no task.
        let signals: Vec<Value> = serde_json::from_str(&env.ok(&["signals", "--format", "json"])).unwrap();
        assert_eq!(signals[1]["outcome"], "no task: the rule's conditions are not met (income at or above the threshold, from the permit's employer)");
        assert_eq!(signals[0]["outcome"], "1 task(s) created");
    }
);

both_engines!(
    fn after_a_number_replacement_both_numbers_reach_the_person_even_once_the_register_has_the_new_one(engine) {
        let env = Env::new(engine, "").unwrap();
        let old = "19850312-4565";
        let new = "19850612-0000";
        let new = (0..10).map(|c| format!("{}{c}", &new[..12])).find(|n| permit_followup::domain::personal_number::PersonalNumber::parse(n, chrono::NaiveDate::MAX).is_ok()).unwrap();
        let csv = format!("{HEADER}W-1,P-1,{old},work,2025-01-01,2027-01-01,,,5560000001,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv)]);
        let change = format!("{{\"id\": \"b-1\", \"kind\": \"birth_date_changed\", \"personal_number\": \"{old}\", \"occurred_on\": \"2026-10-01\", \"data\": {{\"new_personal_number\": \"{new}\"}}}}\n");
        env.ok(&["import", "signals", &env.file("b.jsonl", &change)]);
        env.ok(&["tick", "--now", "2026-10-02"]);
        // The register now carries the new number.
        env.ok(&["import", "permits", &env.file("p2.csv", &csv.replace(old, &new))]);
        let later = format!("{{\"id\": \"e-1\", \"kind\": \"emigrated\", \"personal_number\": \"{old}\", \"occurred_on\": \"2026-10-05\"}}\n{{\"id\": \"c-1\", \"kind\": \"citizenship_changed\", \"personal_number\": \"{new}\", \"occurred_on\": \"2026-10-05\"}}\n");
        env.ok(&["import", "signals", &env.file("e.jsonl", &later)]);
        let out = env.ok(&["tick", "--now", "2026-10-06"]);
        assert!(out.contains("2 processed"), "{out}");
        let tasks = signal_tasks(&env);
        assert!(find(&tasks, "W-1", "emigrated").is_some() && find(&tasks, "W-1", "citizenship_changed").is_some());
    }
);

both_engines!(
    fn a_feed_longer_than_a_batch_is_decided_as_one_feed(engine) {
        // A tick decides pending signals 10,000 at a time, in order of receipt. What one batch
        // wrote, the next sees: the task of an income report that a later report, in the next
        // batch, joins as evidence; a number linked at the end of one batch that a signal early
        // in the next reaches its person by.
        let env = Env::new(engine, "").unwrap();
        let csv = format!(
            "{HEADER}UT-60,P-60,,work,2025-01-01,2027-01-01,,,5560000001,\nUT-70,P-70,198503124565,work,2025-01-01,2027-01-01,,,,\n"
        );
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-11-01"]);
        let income = |id: &str, month: &str| format!("{{\"id\": \"{id}\", \"kind\": \"income_reported\", \"person_id\": \"P-60\", \"occurred_on\": \"{month}-28\", \"data\": {{\"employer_org_no\": \"5560000001\", \"amount_sek\": 12000, \"period\": \"{month}\"}}}}\n");
        let mut feed = income("agi-1", "2026-09");
        for i in 0..9_998 {
            feed.push_str(&format!("{{\"id\": \"wait-{i}\", \"kind\": \"name_changed\", \"person_id\": \"NOBODY-{i}\", \"occurred_on\": \"2026-10-01\"}}\n"));
        }
        feed.push_str("{\"id\": \"link\", \"kind\": \"birth_date_changed\", \"personal_number\": \"19850312-4565\", \"occurred_on\": \"2026-10-02\", \"data\": {\"new_personal_number\": \"19900101-1239\"}}\n");
        feed.push_str(&income("agi-2", "2026-10"));
        feed.push_str("{\"id\": \"away\", \"kind\": \"emigrated\", \"personal_number\": \"19900101-1239\", \"occurred_on\": \"2026-10-03\"}\n");
        env.ok(&["import", "signals", &env.file("s.jsonl", &feed), "--now", "2026-11-02"]);
        let out = env.ok(&["tick", "--now", "2026-11-02"]);
        assert!(out.contains("signals: 4 processed (1 added to open tasks as evidence), 9998 still pending"), "{out}");
        let tasks = signal_tasks(&env);
        let income = find(&tasks, "UT-60", "income_reported").expect("the income task");
        let evidence: Vec<&str> =
            income["evidence"].as_array().unwrap().iter().map(|e| e["signal"].as_str().unwrap()).collect();
        assert_eq!(evidence, ["agi-1", "agi-2"]);
        assert!(find(&tasks, "UT-70", "emigrated").is_some(), "reached by the number linked a batch before");
        assert_eq!(tasks.len(), 3, "{tasks:#?}");
    }
);

both_engines!(
    fn exactly_a_batch_of_pending_signals_is_decided_in_one_tick(engine) {
        // Ten thousand pending signals fill one batch; the tick then looks for more, finds none,
        // and decides each once.
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-60,P-60,,work,2025-01-01,2027-01-01,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-11-01"]);
        let mut feed = String::new();
        for i in 0..9_999 {
            feed.push_str(&format!("{{\"id\": \"wait-{i}\", \"kind\": \"name_changed\", \"person_id\": \"NOBODY-{i}\", \"occurred_on\": \"2026-10-01\"}}\n"));
        }
        feed.push_str("{\"id\": \"away\", \"kind\": \"emigrated\", \"person_id\": \"P-60\", \"occurred_on\": \"2026-10-03\"}\n");
        env.ok(&["import", "signals", &env.file("s.jsonl", &feed), "--now", "2026-11-02"]);
        let out = env.ok(&["tick", "--now", "2026-11-02"]);
        assert!(out.contains("signals: 1 processed (0 added to open tasks as evidence), 9999 still pending"), "{out}");
        let out = env.ok(&["tick", "--now", "2026-11-03"]);
        assert!(out.contains("signals: 0 processed (0 added to open tasks as evidence), 9999 still pending"), "{out}");
        assert_eq!(signal_tasks(&env).len(), 1);
    }
);

both_engines!(
    fn a_signal_waiting_for_a_number_linked_in_one_batch_waits_for_the_next_tick(engine) {
        // A waiting signal whose number a batch links is tried at the next tick, as it would be
        // had every signal been decided in one batch; not by a later batch of the same tick.
        let env = Env::new(engine, "").unwrap();
        let csv = format!("{HEADER}UT-70,P-70,198503124565,work,2025-01-01,2027-01-01,,,,\n");
        env.ok(&["import", "permits", &env.file("p.csv", &csv), "--now", "2026-10-01"]);
        // A number replaced, its old number (19900101-1239) known to nobody yet, and ten
        // thousand signals, given up in the tick that processes it, filling its first batch.
        let mut feed = "{\"id\": \"later\", \"kind\": \"birth_date_changed\", \"personal_number\": \"19900101-1239\", \"occurred_on\": \"2026-09-30\", \"data\": {\"new_personal_number\": \"19910101-1238\"}}\n".to_string();
        for i in 0..10_000 {
            feed.push_str(&format!("{{\"id\": \"wait-{i}\", \"kind\": \"name_changed\", \"person_id\": \"NOBODY-{i}\", \"occurred_on\": \"2026-09-30\"}}\n"));
        }
        env.ok(&["import", "signals", &env.file("a.jsonl", &feed), "--now", "2026-10-01"]);
        let out = env.ok(&["tick", "--now", "2026-10-01"]);
        assert!(out.contains("10001 still pending"), "{out}");
        // Under the newest number, known to nobody yet: waits.
        let away = "{\"id\": \"away\", \"kind\": \"emigrated\", \"personal_number\": \"19910101-1238\", \"occurred_on\": \"2026-10-19\"}\n";
        env.ok(&["import", "signals", &env.file("b.jsonl", away), "--now", "2026-10-20"]);
        let out = env.ok(&["tick", "--now", "2026-10-20"]);
        assert!(out.contains("10002 still pending"), "{out}");
        // The holder's number replaced by the first signal's old one: that one reaches the holder.
        let first = "{\"id\": \"first\", \"kind\": \"birth_date_changed\", \"personal_number\": \"19850312-4565\", \"occurred_on\": \"2026-10-20\", \"data\": {\"new_personal_number\": \"19900101-1239\"}}\n";
        env.ok(&["import", "signals", &env.file("c.jsonl", first), "--now", "2026-10-21"]);
        let out = env.ok(&["tick", "--now", "2026-10-21"]);
        assert!(out.contains("signals: 1 processed"), "{out}");
        // Thirty days after the first feed: its first signal now reaches the holder and links
        // the newest number in the first batch; the rest are given up; `away` waits a tick.
        let out = env.ok(&["tick", "--now", "2026-10-31"]);
        assert!(out.contains("signals: 1 processed (1 added to open tasks as evidence), 1 still pending, 10000 now unmatched"), "{out}");
        assert!(find(&signal_tasks(&env), "UT-70", "emigrated").is_none());
        let out = env.ok(&["tick", "--now", "2026-11-01"]);
        assert!(out.contains("signals: 1 processed"), "{out}");
        assert!(find(&signal_tasks(&env), "UT-70", "emigrated").is_some());
    }
);
