//! Navet notification files end to end on both engines: a baseline of a thousand persons, a
//! day's file with each kind of change and the tasks the next tick makes of it, a file with
//! nothing changed, the same file twice, a replaced number that later signals reach the old
//! permits by, a protected identity, partial dates.

use crate::both_engines;
use crate::helpers::{Engine, Env};
use crate::navet_files::{navet_file, number, permits_csv, person, FileInfo, Person};
use serde_json::Value;
use std::collections::BTreeMap;

/// A thousand persons, each with a permit, and their baseline file read on 2026-11-02.
pub fn baseline(engine: Engine) -> (Env, Vec<Person>) {
    let env = Env::new(engine, "").unwrap();
    let persons: Vec<Person> = (0..1_000).map(person).collect();
    let indexed: Vec<(u64, &Person)> = (0..).zip(persons.iter()).collect();
    env.file("permits.csv", &permits_csv(&indexed));
    env.ok(&["import", "permits", &env.path("permits.csv").display().to_string(), "--now", "2026-11-01"]);
    let file = env.file("baseline.xml", &navet_file(&FileInfo::day(1, "20261102"), &persons));
    let out = env.ok(&["import", "navet", &file, "--now", "2026-11-02"]);
    assert!(out.contains("1000 record(s) read: 1000 new person(s)"), "{out}");
    assert!(out.contains("0 signal(s) derived"), "{out}");
    (env, persons)
}

/// Imports `persons` as the file `job` of `effective`, returns what it printed.
pub fn import_day(env: &Env, job: u32, effective: &str, persons: &[Person]) -> String {
    let name = format!("day-{job}.xml");
    let file = env.file(&name, &navet_file(&FileInfo::day(job, effective), persons));
    env.ok(&[
        "import",
        "navet",
        &file,
        "--now",
        &format!("{}-{}-{}", &effective[..4], &effective[4..6], &effective[6..]),
    ])
}

/// The signals listed as JSON.
pub fn signals(env: &Env) -> Vec<Value> {
    serde_json::from_str(&env.ok(&["signals", "--format", "json"])).unwrap()
}

fn kinds(signals: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for s in signals {
        *out.entry(s["kind"].as_str().unwrap().to_string()).or_default() += 1;
    }
    out
}

/// The day's changes: one person for each kind.
fn day_changes(persons: &[Person]) -> Vec<Person> {
    let mut day = Vec::new();
    let mut p = persons[1].clone();
    p.last = "Lindqvist".into();
    day.push(p);
    let mut p = persons[2].clone();
    p.birth = "19620102".into();
    day.push(p);
    let mut p = persons[3].clone();
    p.citizenships = vec!["SE".into()];
    day.push(p);
    let mut p = persons[4].clone();
    p.deregistration = Some(("UV".into(), "20261105".into(), None));
    p.emigration = Some("NO".into());
    day.push(p);
    let mut p = persons[5].clone();
    p.deregistration = Some(("AV".into(), "20261104".into(), None));
    day.push(p);
    let mut p = persons[6].clone();
    p.deregistration = Some(("OB".into(), "20261100".into(), None));
    day.push(p);
    let mut p = persons[7].clone();
    p.deregistration = Some(("GN".into(), "20261103".into(), Some(number(5_000))));
    day.push(p);
    let mut p = persons[8].clone();
    p.emigration = Some("DK".into());
    day.push(p);
    day.push(persons[9].clone()); // unchanged
    day
}

both_engines!(
    fn a_days_file_gives_each_kind_of_change_its_signal_and_the_tick_its_task(engine) {
        let (env, persons) = baseline(engine);
        let out = import_day(&env, 2, "20261106", &day_changes(&persons));
        assert!(out.contains("9 record(s) read: 0 new person(s), 8 changed, 1 unchanged"), "{out}");
        assert!(out.contains("8 signal(s) derived"), "{out}");
        let listed = signals(&env);
        let expected: BTreeMap<String, usize> = [
            ("name_changed", 1),
            ("birth_date_changed", 1),
            ("citizenship_changed", 1),
            ("emigrated", 2),
            ("deceased", 1),
            ("deregistered", 1),
            ("personal_number_replaced", 1),
        ]
        .into_iter()
        .map(|(k, n)| (k.to_string(), n))
        .collect();
        assert_eq!(kinds(&listed), expected, "{listed:#?}");
        let by_kind = |kind: &str| listed.iter().find(|s| s["kind"] == kind).unwrap().clone();
        let citizenship = by_kind("citizenship_changed");
        assert_eq!(citizenship["data"]["added"], serde_json::json!(["SE"]));
        assert_eq!(citizenship["data"]["removed"], serde_json::json!(["ER"]));
        assert_eq!(citizenship["data"]["navet_file"], "FO01-2.xml");
        assert_eq!(citizenship["data"]["navet_record"], 3);
        assert_eq!(citizenship["occurred_on"], "2026-11-06", "Effektueringsdatum");
        assert_eq!(citizenship["id"], "navet-00000236-FO01-0001-2-001-3-citizenship_changed");
        let deceased = by_kind("deceased");
        assert_eq!((deceased["occurred_on"].as_str(), deceased["data"]["deregistered_on"].as_str()), (Some("2026-11-04"), Some("2026-11-04")));
        let deregistered = by_kind("deregistered");
        assert_eq!(deregistered["data"]["code"], "OB");
        assert_eq!(deregistered["occurred_on"], "2026-11-01", "20261100 is the first of November");
        assert_eq!(by_kind("personal_number_replaced")["data"]["new_personal_number"], "[linked]");
        let table = env.ok(&["signals"]);
        assert!(table.contains("FO01-2.xml"), "{table}");

        let out = env.ok(&["tick", "--now", "2026-11-06"]);
        assert!(out.contains("signals: 8 processed"), "{out}");
        let tasks: Vec<Value> = env.tasks().into_iter().filter(|t| t["cause"] != "periodic_review").collect();
        let got: Vec<(String, String)> = tasks
            .iter()
            .map(|t| (t["permit_id"].as_str().unwrap().to_string(), t["cause"].as_str().unwrap().to_string()))
            .collect();
        for (permit, cause) in [
            ("NF-1", "name_changed"),
            ("NF-2", "birth_date_changed"),
            ("NF-3", "citizenship_changed"),
            ("NF-4", "emigrated"),
            ("NF-5", "deceased"),
            ("NF-6", "deregistered"),
            ("NF-7", "personal_number_replaced"),
            ("NF-8", "emigrated"),
        ] {
            assert!(got.contains(&(permit.to_string(), cause.to_string())), "no {cause} for {permit}: {got:?}");
        }
        assert_eq!(got.len(), 8, "{got:?}");
        let history = env.ok(&["history", "NF-3"]);
        assert!(history.contains("(Navet file FO01-2.xml, record 3)"), "{history}");
        let report = env.ok(&["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"]);
        let report: Value = serde_json::from_str(&report).unwrap();
        assert_eq!(report["signals"]["derived_from_navet"], 8, "{report}");
        assert_eq!(report["signals"]["by_kind"]["emigrated"]["derived_from_navet"], 2, "{report}");
    }
);

both_engines!(
    fn a_file_with_nothing_changed_and_a_file_read_twice_add_nothing(engine) {
        let (env, persons) = baseline(engine);
        let out = import_day(&env, 2, "20261106", &persons[..50]);
        assert!(out.contains("50 record(s) read: 0 new person(s), 0 changed, 50 unchanged"), "{out}");
        assert!(out.contains("0 signal(s) derived"), "{out}");
        let day = day_changes(&persons);
        import_day(&env, 3, "20261107", &day);
        let before = signals(&env).len();
        assert_eq!(before, 8);
        let out = import_day(&env, 3, "20261107", &day);
        assert!(out.contains("0 signal(s) derived"), "{out}");
        assert!(out.contains("9 duplicate(s) ignored"), "{out}");
        assert_eq!(signals(&env).len(), before);
        // The same changes in a later file derive nothing either: they are kept already, and a
        // deregistration gives its signal once.
        let out = import_day(&env, 4, "20261108", &day);
        assert!(out.contains("0 signal(s) derived"), "{out}");
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM navet_files"), 4);
    }
);

both_engines!(
    fn a_replaced_number_and_a_later_change_on_the_new_one_reach_the_old_permit(engine) {
        let (env, persons) = baseline(engine);
        let old = persons[7].clone();
        let mut replaced = old.clone();
        replaced.deregistration = Some(("GN".into(), "20261103".into(), Some(number(5_000))));
        import_day(&env, 2, "20261106", &[replaced]);
        env.ok(&["tick", "--now", "2026-11-06"]);
        // The new number's first record: a new date of birth (why numbers are replaced) and,
        // a day later, a new citizenship; both reach the permit of the old number.
        let mut new = old.clone();
        new.number = number(5_000);
        new.birth = new.number[..8].to_string();
        let out = import_day(&env, 3, "20261107", std::slice::from_ref(&new));
        assert!(out.contains("birth_date_changed: 1"), "{out}");
        new.citizenships.push("SE".into());
        let out = import_day(&env, 4, "20261108", std::slice::from_ref(&new));
        assert!(out.contains("citizenship_changed: 1"), "{out}");
        env.ok(&["tick", "--now", "2026-11-08"]);
        let causes: Vec<String> = env
            .tasks()
            .into_iter()
            .filter(|t| t["permit_id"] == "NF-7")
            .map(|t| t["cause"].as_str().unwrap().to_string())
            .collect();
        for cause in ["personal_number_replaced", "birth_date_changed", "citizenship_changed"] {
            assert!(causes.iter().any(|c| c == cause), "no {cause}: {causes:?}");
        }
    }
);

both_engines!(
    fn a_protected_identity_is_marked_on_its_signals_and_tasks(engine) {
        let (env, persons) = baseline(engine);
        let mut p = persons[11].clone();
        p.protected = true;
        p.deregistration = Some(("UV".into(), String::new(), None));
        import_day(&env, 2, "20261106", &[p]);
        let listed = signals(&env);
        assert_eq!(listed[0]["data"]["protected_identity"], true);
        assert_eq!(listed[0]["occurred_on"], "2026-11-06", "no Avregistreringsdatum: Effektueringsdatum");
        env.ok(&["tick", "--now", "2026-11-06"]);
        let task = env.tasks().into_iter().find(|t| t["permit_id"] == "NF-11").unwrap();
        assert!(task["reason"].as_str().unwrap().ends_with("(protected identity)"), "{task}");
        assert_eq!(task["evidence"][0]["data"]["protected_identity"], true);
    }
);

both_engines!(
    fn partial_dates_fall_on_the_first_of_their_month_or_year(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut a = person(1);
        a.deregistration = Some(("AV".into(), "20261100".into(), None));
        let mut b = person(2);
        b.deregistration = Some(("TA".into(), "20260000".into(), None));
        let mut c = person(3);
        c.birth = "19610000".into();
        c.deregistration = Some(("AN".into(), "00000000".into(), None));
        import_day(&env, 1, "20261106", &[a, b, c]);
        let on: Vec<(String, String)> = signals(&env)
            .iter()
            .map(|s| (s["kind"].as_str().unwrap().into(), s["occurred_on"].as_str().unwrap().into()))
            .collect();
        assert_eq!(
            on,
            [("deceased", "2026-11-01"), ("deregistered", "2026-01-01"), ("deregistered", "2026-11-06")]
                .map(|(k, d)| (k.to_string(), d.to_string()))
        );
    }
);

both_engines!(
    fn the_example_file_gives_the_example_register_its_four_tasks(engine) {
        let env = Env::new(engine, "").unwrap();
        let example = |name: &str| crate::helpers::repo(&format!("examples/{name}")).display().to_string();
        env.ok(&["import", "permits", &example("permits.csv"), "--now", "2026-11-01"]);
        let out = env.ok(&["import", "navet", &example("navet-FO01-2026-11-06.xml"), "--now", "2026-11-06"]);
        assert!(out.contains("5 record(s) read: 5 new person(s)") && out.contains("4 signal(s) derived"), "{out}");
        env.ok(&["tick", "--now", "2026-11-06"]);
        let tasks = env.tasks();
        let has = |permit: &str, cause: &str| tasks.iter().any(|t| t["permit_id"] == permit && t["cause"] == cause);
        assert!(has("UT-2024-176829", "emigrated"));
        assert!(has("UT-2024-182436", "deceased"));
        assert!(has("UT-2025-104590", "personal_number_replaced"));
        assert!(has("UT-2023-113229", "deregistered"));
    }
);

both_engines!(
    fn a_first_file_compares_a_person_named_again_batches_later_and_a_replaced_number_with_its_old_one(engine) {
        // A first file is read without looking kept records up (nothing was kept before it),
        // so what the file itself stored must still be found: person 0 again at the end,
        // renamed, and person 7's replacing number, named more than a batch (1,000 records) on.
        let env = Env::new(engine, "").unwrap();
        let mut persons: Vec<Person> = (0..1_200).map(person).collect();
        persons[7].deregistration = Some(("GN".into(), "20261020".into(), Some(number(5_000))));
        let mut renamed = persons[0].clone();
        renamed.last = "Lindqvist".into();
        let mut successor = person(7);
        successor.number = number(5_000);
        successor.birth = successor.number[..8].to_string();
        persons.extend([renamed, successor]);
        let file = env.file("first.xml", &navet_file(&FileInfo::day(1, "20261102"), &persons));
        let out = env.ok(&["import", "navet", &file, "--now", "2026-11-02"]);
        assert!(out.contains("1202 record(s) read: 1200 new person(s), 2 changed"), "{out}");
        let derived = kinds(&signals(&env));
        let expected: BTreeMap<String, usize> =
            [("name_changed", 1), ("personal_number_replaced", 1), ("birth_date_changed", 1)]
                .into_iter()
                .map(|(k, n)| (k.to_string(), n))
                .collect();
        assert_eq!(derived, expected);
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM navet_persons"), 1_201);
    }
);

both_engines!(
    fn a_days_file_changing_more_records_than_a_statement_holds_keeps_what_it_set_and_cleared(engine) {
        // PostgreSQL replaces kept records a thousand a statement: 1,200 changed cross that
        // edge, each with a column set (emigration to Denmark) or cleared (an emigration to
        // Norway no longer recorded) and a changed name. The same records read again the next
        // day are unchanged, so every one was stored as the file had it.
        let env = Env::new(engine, "").unwrap();
        let mut persons: Vec<Person> = (0..1_200).map(person).collect();
        for p in &mut persons[600..] {
            p.emigration = Some("NO".into());
        }
        let file = env.file("first.xml", &navet_file(&FileInfo::day(1, "20261102"), &persons));
        let out = env.ok(&["import", "navet", &file, "--now", "2026-11-02"]);
        assert!(out.contains("1200 record(s) read: 1200 new person(s)"), "{out}");
        let day: Vec<Person> = persons
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut p = p.clone();
                p.emigration = if i < 600 { Some("DK".into()) } else { None };
                p.last = "Lindqvist".into();
                p
            })
            .collect();
        let out = import_day(&env, 2, "20261106", &day);
        assert!(out.contains("1200 record(s) read: 0 new person(s), 1200 changed, 0 unchanged"), "{out}");
        let out = import_day(&env, 3, "20261107", &day);
        assert!(out.contains("1200 record(s) read: 0 new person(s), 0 changed, 1200 unchanged"), "{out}");
        assert!(out.contains("0 signal(s) derived"), "{out}");
    }
);
