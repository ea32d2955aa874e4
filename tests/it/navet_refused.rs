//! Navet files refused whole, through the real binary on both engines: each is reported as
//! `FILE:LINE: FIELD: reason` with exit status 3, and nothing of it is kept; `--skip-invalid`
//! keeps the valid records of a file whose records alone are at fault.

use crate::both_engines;
use crate::helpers::Env;
use crate::navet_files::{header, navet_file, person, record, FileInfo, FOOTER};
use std::io::Write;
use std::process::Stdio;

/// A file of three persons.
fn good() -> String {
    navet_file(&FileInfo::day(1, "20261106"), &[person(1), person(2), person(3)])
}

/// Asserts that `content` is refused with a line naming `line` and `field` whose reason holds
/// `reason`, and that nothing was kept.
fn assert_refused(env: &Env, content: &[u8], line: u64, field: &str, reason: &str) {
    let path = env.path("bad.xml");
    std::fs::write(&path, content).unwrap();
    let file = path.display().to_string();
    let r = env.run(&["import", "navet", &file, "--now", "2026-11-06"]);
    assert_eq!(r.code(), 3, "{field}: {}", r.stderr());
    let expected = format!("{file}:{line}: {field}: ");
    let first = r.stderr().lines().next().unwrap_or_default().to_string();
    assert!(
        first.starts_with(&expected) && first.contains(reason),
        "wanted {expected}…{reason}…, got:\n{}",
        r.stderr()
    );
    assert!(r.stderr().contains("nothing was imported"), "{}", r.stderr());
    for table in ["navet_persons", "navet_files", "signals", "imports"] {
        assert_eq!(env.count(&format!("SELECT COUNT(*) AS n FROM {table}")), 0, "{table} after {field}");
    }
}

both_engines!(
    fn a_file_that_cannot_be_read_whole_is_refused_and_nothing_kept(engine) {
        let env = Env::new(engine, "").unwrap();
        let g = good();
        let lines = |s: &str, needle: &str| s[..s.find(needle).unwrap()].matches('\n').count() as u64 + 1;
        assert_refused(&env, g.replace("</Namn>", "</Name>").as_bytes(), lines(&g, "</Namn>"), "file", "not well-formed");
        let dtd = g.replacen("<Navetavisering>", "<!DOCTYPE Navetavisering [<!ENTITY e SYSTEM \"/etc/passwd\">]>\n<Navetavisering>", 1);
        assert_refused(&env, dtd.as_bytes(), 2, "file", "DTD");
        let other = g.replace("Navetavisering>", "Avisering>");
        assert_refused(&env, other.as_bytes(), 2, "file", "the root is \"Avisering\"");
        assert_refused(&env, &g.as_bytes()[..g.len() / 2], g[..g.len() / 2].matches('\n').count() as u64 + 1, "file", "truncated");
        let mut latin = g.clone().into_bytes();
        let at = latin.windows(6).position(|w| w == b"Bj\xc3\xb6rn").unwrap();
        latin.splice(at + 2..at + 4, [0xf6]);
        assert_refused(&env, &latin, lines(&g, "Björn"), "file", "not UTF-8");
        let deep = g.replace("<Personpost>", &format!("{}<Personpost>", "<x>".repeat(40)));
        assert_refused(&env, deep.as_bytes(), lines(&g, "<Personpost>"), "file", "more than 32 deep");
        let fewer = g.replace("<AntalPoster>3<", "<AntalPoster>4<");
        assert_refused(&env, fewer.as_bytes(), lines(&g, "<AntalPoster>"), "AntalPoster", "says 4 record(s), the file holds 3");
        let more = g.replace("<AntalPoster>3<", "<AntalPoster>2<");
        assert_refused(&env, more.as_bytes(), lines(&g, "<AntalPoster>"), "AntalPoster", "says 2 record(s), the file holds 3");
        let no_id = g.replace("<BestallningsId>00000236-FO01-0001</BestallningsId>", "");
        assert_refused(&env, no_id.as_bytes(), lines(&g, "<Folkbokforingsposter>"), "BestallningsId", "is required");
        let bad_date = g.replace("<Effektueringsdatum>20261106<", "<Effektueringsdatum>20261306<");
        assert_refused(&env, bad_date.as_bytes(), lines(&g, "<Effektueringsdatum>"), "Effektueringsdatum", "not a date");
        assert_refused(&env, b"", 1, "file", "no Navetavisering");
    }
);

both_engines!(
    fn a_record_without_a_valid_person_id_refuses_the_file_unless_skip_invalid(engine) {
        let env = Env::new(engine, "").unwrap();
        let g = good();
        let luhn = g.replacen(&person(2).number, &format!("{}0", &person(2).number[..11]), 1);
        let luhn = if luhn.contains(&person(2).number) { g.replacen(&person(2).number, &format!("{}1", &person(2).number[..11]), 1) } else { luhn };
        let line = |s: &str| g[..g.find(s).unwrap()].matches('\n').count() as u64 + 1;
        assert_refused(&env, luhn.as_bytes(), line(&person(2).number), "PersonId", "Luhn");
        let missing = g.replacen(&format!("<PersonId><PersonNr>{}</PersonNr></PersonId>", person(3).number), "<PersonId/>", 1);
        assert_refused(&env, missing.as_bytes(), line(&format!("<PersonId><PersonNr>{}", person(3).number)) - 3, "PersonId", "is required");
        let short = g.replacen(&person(1).number, &person(1).number[2..], 1);
        assert_refused(&env, short.as_bytes(), line(&person(1).number), "PersonId", "12 digits");
        let errors = env.run(&["import", "navet", &env.file("luhn.xml", &luhn), "--now", "2026-11-06"]).stderr();
        assert!(!errors.contains(&person(2).number[..11]), "no number in an error: {errors}");

        let file = env.file("skip.xml", &luhn);
        let r = env.run(&["import", "navet", &file, "--skip-invalid", "--now", "2026-11-06"]);
        assert_eq!(r.code(), 3, "{}", r.stderr());
        assert!(r.stderr().contains("the valid ones were imported (2 new person(s)"), "{}", r.stderr());
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM navet_persons"), 2);
        let rejects = env.ok(&["rejects"]);
        assert!(rejects.contains("PersonId") && rejects.contains("record 2"), "{rejects}");
        // A file as such is refused even so.
        let bad = good().replace("<AntalPoster>3<", "<AntalPoster>9<").replace("FO01-1", "FO01-5").replace("<JobbId>1<", "<JobbId>5<");
        let r = env.run(&["import", "navet", &env.file("count.xml", &bad), "--skip-invalid", "--now", "2026-11-06"]);
        assert_eq!(r.code(), 3);
        assert!(r.stderr().contains("nothing was imported"), "{}", r.stderr());
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM navet_files"), 1);
    }
);

both_engines!(
    fn a_text_node_of_a_gigabyte_on_standard_input_is_refused_unread(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut child = env
            .command(&["import", "navet", "-", "--now", "2026-11-06"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let mut head = header(&FileInfo::day(1, "20261106"), 1);
            head.push_str("<Folkbokforingspost><Personpost><PersonId><PersonNr>");
            stdin.write_all(head.as_bytes())?;
            let chunk = vec![b'7'; 1 << 20];
            for _ in 0..1024 {
                stdin.write_all(&chunk)?;
            }
            Ok::<_, std::io::Error>(())
        });
        let out = child.wait_with_output().unwrap();
        assert!(writer.join().unwrap().is_err(), "the reader stopped before the gigabyte was written");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(stderr.starts_with("-:") && stderr.contains("longer than 65536 bytes"), "{stderr}");
    }
);

both_engines!(
    fn standard_input_reads_as_a_file_does(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut p = person(4);
        p.deregistration = Some(("AV".into(), "20261101".into(), None));
        let mut text = header(&FileInfo::day(1, "20261106"), 2);
        record(&mut text, &person(5));
        record(&mut text, &p);
        text.push_str(FOOTER);
        let r = env.run_with_stdin(&["import", "navet", "-", "--now", "2026-11-06"], &text);
        assert_eq!(r.code(), 0, "{}", r.stderr());
        assert!(r.stdout().starts_with("-: 2 record(s) read"), "{}", r.stdout());
        assert!(r.stdout().contains("deceased: 1"), "{}", r.stdout());
    }
);
