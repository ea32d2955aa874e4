//! The sweep for Navet files: names, dates of birth and numbers (personal, coordination and
//! replacing) planted in a baseline, a day's file with every kind of change, a protected
//! identity, files with bad records and bad structure, and `-` on standard input; then every
//! output read — every command's table and JSON, `history`, `rejects`, `report`, the digests
//! written as files — and every log line at trace level. Not one of them may appear, in any
//! spelling, and none may be stored in clear.

use crate::both_engines;
use crate::helpers::{Env, Run};
use crate::navet_files::{navet_file, number, permits_csv, person, FileInfo, Person};
use crate::privacy_sweep::spellings;

/// Names no output could hold by chance.
const NAMES: &[&str] = &["Zebulonia", "Quintavius", "Xanthippe", "Wolfgangsdotter", "Yxbergström"];

fn planted() -> Vec<Person> {
    (0..5u64)
        .map(|i| {
            let mut p = person(20_000 + i * 611);
            p.first = NAMES[i as usize].into();
            p.last = NAMES[(i as usize + 1) % NAMES.len()].into();
            p.middle = NAMES[(i as usize + 2) % NAMES.len()].into();
            p.birth = format!("1951031{i}");
            p
        })
        .collect()
}

fn traced(env: &Env, args: &[&str], seen: &mut String) -> Run {
    let r = Run(env.command(args).env("PERMIT_FOLLOWUP_LOG", "trace").output().unwrap());
    seen.push_str(&r.stdout());
    seen.push_str(&r.stderr());
    r
}

both_engines!(
    fn no_name_date_of_birth_or_number_from_a_navet_file_reaches_any_output_or_stored_row(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut persons = planted();
        persons[4].coordination = true;
        persons[4].number = {
            let n = &persons[4].number;
            let day: u32 = n[6..8].parse().unwrap();
            let nine = format!("{}{:02}{}", &n[2..6], day + 60, &n[8..11]);
            format!("{}{nine}{}", &n[..2], crate::navet_files::luhn(&nine))
        };
        let indexed: Vec<(u64, &Person)> = (0..).zip(persons.iter()).collect();
        let mut seen = String::new();
        traced(&env, &["import", "permits", &env.file("p.csv", &permits_csv(&indexed)), "--now", "2026-11-01"], &mut seen);
        let base = env.file("base.xml", &navet_file(&FileInfo::day(1, "20261102"), &persons));
        assert_eq!(traced(&env, &["import", "navet", &base, "--now", "2026-11-02"], &mut seen).code(), 0, "{seen}");
        let replacing = number(99_999);
        let mut day = persons.clone();
        day[0].first = "Ignatia".into();
        day[1].birth = "19520101".into();
        day[2].citizenships = vec!["SE".into()];
        day[3].deregistration = Some(("GN".into(), "20261104".into(), Some(replacing.clone())));
        day[4].protected = true;
        day[4].deregistration = Some(("UV".into(), "20261105".into(), None));
        day[4].emigration = Some("NO".into());
        let file = env.file("day.xml", &navet_file(&FileInfo::day(2, "20261106"), &day));
        assert_eq!(traced(&env, &["import", "navet", &file, "--now", "2026-11-06"], &mut seen).code(), 0, "{seen}");
        // Bad records and bad files: their messages name lines and fields, never values.
        let good = navet_file(&FileInfo::day(3, "20261107"), &persons);
        let bad_number = good.replacen(&persons[1].number, &format!("{}9", &persons[1].number[..11]), 1);
        let bad_xml = good.replacen("</Fornamn>", "</Fornamnx>", 1);
        let long_name = good.replacen(NAMES[0], &NAMES[0].repeat(50), 1);
        for (name, content) in [("n.xml", &bad_number), ("x.xml", &bad_xml), ("l.xml", &long_name)] {
            let path = env.file(name, content);
            assert_eq!(traced(&env, &["import", "navet", &path], &mut seen).code(), 3, "{name}: {seen}");
        }
        assert_eq!(traced(&env, &["import", "navet", "--skip-invalid", &env.file("n.xml", &bad_number)], &mut seen).code(), 3);
        let r = env.run_with_stdin(&["import", "navet", "-", "--now", "2026-11-08"], &navet_file(&FileInfo::day(4, "20261108"), &day));
        seen.push_str(&r.stdout());
        seen.push_str(&r.stderr());
        assert_eq!(traced(&env, &["tick", "--now", "2026-11-08"], &mut seen).code(), 0);
        assert_eq!(traced(&env, &["notify", "--now", "2026-11-08"], &mut seen).code(), 0, "{seen}");
        for args in [
            vec!["tasks", "--state", "all"],
            vec!["tasks", "--state", "all", "--format", "json"],
            vec!["signals"],
            vec!["signals", "--format", "json"],
            vec!["rejects"],
            vec!["rejects", "--format", "json"],
            vec!["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "json"],
            vec!["report", "--from", "2026-11-01", "--to", "2026-11-30", "--format", "html"],
        ] {
            assert_eq!(traced(&env, &args, &mut seen).code(), 0, "{args:?}");
        }
        for i in 0..5 {
            traced(&env, &["history", &format!("NF-{i}")], &mut seen);
        }
        for f in std::fs::read_dir(env.path("outbox")).unwrap() {
            seen.push_str(&std::fs::read_to_string(f.unwrap().path()).unwrap());
        }
        assert!(seen.contains("citizenship_changed") && seen.contains("protected identity"), "the sweep saw the outputs:\n{seen}");
        let stored = String::from_utf8_lossy(&env.database_dump()).into_owned();
        let mut secrets: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
        secrets.push("Ignatia".into());
        for p in persons.iter().chain(&day) {
            secrets.extend(spellings(&p.number));
            secrets.push(p.birth.clone());
            secrets.push(format!("{}-{}-{}", &p.birth[..4], &p.birth[4..6], &p.birth[6..]));
        }
        secrets.extend(spellings(&replacing));
        for secret in secrets {
            assert!(!seen.contains(&secret), "{secret} reached an output:\n{seen}");
            assert!(!stored.contains(&secret), "{secret} is stored in clear");
        }
    }
);
