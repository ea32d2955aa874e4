//! Hostile files through the real binary: a BOM, CRLF, quoted values spanning lines, invalid
//! UTF-8, a column named twice, a key given twice, deep nesting, a huge line and a huge header
//! name, empty files, identifiers holding personal numbers or formulas. Each is refused (or
//! read) with its `FILE:LINE: FIELD: reason`, and a refused file leaves nothing behind.

use crate::both_engines;
use crate::helpers::{Env, Run};
use crate::import::HEADER;

/// Imports `content` as `name` and returns the run, with the file's path shortened to `name`.
fn import(env: &Env, kind: &str, name: &str, content: &[u8]) -> (i32, String, String) {
    let path = env.path(name);
    std::fs::write(&path, content).unwrap();
    let r: Run = env.run(&["import", kind, &path.display().to_string(), "--now", "2026-11-20"]);
    let short = |s: String| s.replace(&path.display().to_string(), name);
    (r.code(), short(r.stdout()), short(r.stderr()))
}

both_engines!(
    fn a_bom_crlf_and_a_value_spanning_lines_are_read_with_the_lines_they_start_on(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!(
            "\u{feff}{}UT-1,P-1,,study,2026-01-01,,,,,\"Lunds\r\nuniversitet\"\r\nUT-2,P-2,,study,2026-13-01,,,,,\r\n",
            HEADER.replace('\n', "\r\n")
        );
        let (code, _, stderr) = import(&env, "permits", "p.csv", csv.as_bytes());
        assert_eq!(code, 3);
        assert!(stderr.contains("p.csv:4: valid_from: \"2026-13-01\" is not a date"), "{stderr}");
        let fixed = csv.replace("2026-13-01", "2026-02-01");
        let (code, stdout, stderr) = import(&env, "permits", "p.csv", fixed.as_bytes());
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.contains("2 inserted"), "{stdout}");
    }
);

both_engines!(
    fn an_empty_file_or_one_of_blank_lines_is_refused_and_imports_nothing(engine) {
        let env = Env::new(engine, "").unwrap();
        for (kind, name, content) in [("permits", "p.csv", ""), ("permits", "p.csv", "\n \r\n\n"), ("signals", "s.jsonl", ""), ("signals", "s.jsonl", "\n\n")] {
            let (code, _, stderr) = import(&env, kind, name, content.as_bytes());
            assert_eq!(code, 3, "{kind} {content:?}: {stderr}");
            assert!(stderr.contains(&format!("{name}:1: ")) && stderr.contains("the file is empty"), "{stderr}");
            assert!(stderr.contains("nothing was imported"), "{stderr}");
        }
        let r = env.run(&["import", "permits", "--skip-invalid", &env.file("e.csv", "")]);
        assert_eq!(r.code(), 3, "an empty file is refused with --skip-invalid too");
    }
);

both_engines!(
    fn a_column_named_twice_refuses_the_file_even_with_skip_invalid(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = "permit_id,person_id,ground,valid_from,ground\nUT-1,P-1,study,2026-01-01,work\n";
        for skip in [false, true] {
            let mut args = vec!["import", "permits"];
            if skip {
                args.push("--skip-invalid");
            }
            let path = env.file("dup.csv", csv);
            args.push(&path);
            let r = env.run(&args);
            assert_eq!(r.code(), 3);
            assert!(r.stderr().contains("dup.csv:1: header: column ground appears twice (columns 3 and 5)"), "{}", r.stderr());
        }
        assert_eq!(env.run(&["history", "UT-1"]).code(), 2, "nothing of the file was imported");
    }
);

both_engines!(
    fn invalid_utf8_a_key_given_twice_and_deep_nesting_are_each_named(engine) {
        let env = Env::new(engine, "").unwrap();
        let mut bytes = format!("{HEADER}UT-1,P-1,,study,2026-01-01,,,,,Lund").into_bytes();
        bytes.extend([0xff, 0xfe, b'\n']);
        let (code, _, stderr) = import(&env, "permits", "u.csv", &bytes);
        assert_eq!(code, 3);
        assert!(stderr.contains("u.csv:2: institution: is not valid UTF-8"), "{stderr}");
        let deep = format!(
            r#"{{"id": "s-3", "kind": "emigrated", "person_id": "P-1", "occurred_on": "2026-11-01", "data": {{"x": {}1{}}}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        let feed = [
            r#"{"id": "s-1", "kind": "emigrated", "person_id": "P-1", "occurred_on": "2026-11-01", "kind": "deceased"}"#,
            r#"{"id": "s-2", "kind": "emigrated", "person_id": "P-1", "occurred_on": "2026-11-01", "data": {"a": {"b": 1, "b": 2}}}"#,
            &deep,
        ]
        .join("\n")
            + "\n";
        let (code, _, stderr) = import(&env, "signals", "s.jsonl", feed.as_bytes());
        assert_eq!(code, 3);
        assert!(stderr.contains("s.jsonl:1: kind: appears twice in the object"), "{stderr}");
        assert!(stderr.contains("s.jsonl:2: data.a.b: appears twice in the object"), "{stderr}");
        assert!(stderr.contains("s.jsonl:3: record: is not valid JSON (nested more than 128 levels deep"), "{stderr}");
        assert!(env.ok(&["signals"]).contains("0 signal(s)"));
    }
);

both_engines!(
    fn a_huge_line_and_a_huge_header_name_are_cut_in_messages(engine) {
        let env = Env::new(engine, "").unwrap();
        let name = "x".repeat(100_000);
        let csv = format!("permit_id,person_id,ground,valid_from,{name}\nUT-1,P-1,study,2026-01-01,{}\nUT-2,P-2,study,2026-01-01,a\n", "y".repeat(3 << 20));
        let (code, _, stderr) = import(&env, "permits", "h.csv", csv.as_bytes());
        assert_eq!(code, 3);
        assert!(stderr.contains("h.csv:2: record: is longer than 1048576 bytes; it was not read"), "{stderr}");
        assert!(stderr.contains("… (100000 characters): unknown column"), "{stderr}");
        assert!(stderr.len() < 2_000, "messages are cut: {} bytes", stderr.len());
        let feed = format!("{{\"id\": \"s-1\", \"kind\": \"{}\"}}\n", "k".repeat(3 << 20));
        let (code, _, stderr) = import(&env, "signals", "s.jsonl", feed.as_bytes());
        assert_eq!(code, 3);
        assert!(stderr.contains("s.jsonl:1: record: is longer than 1048576 bytes") && stderr.len() < 1_000, "{stderr}");
    }
);

both_engines!(
    fn identifiers_holding_a_personal_number_or_a_formula_are_refused_and_never_shown(engine) {
        let env = Env::new(engine, "").unwrap();
        let csv = format!(
            "{HEADER}UT-199001011239,P-1,,study,2026-01-01,,,,,\nUT-2,P-900101-1239,,study,2026-01-01,,,,,\n-1-1,P-3,,study,2026-01-01,,,,,\nUT-4,P-4,,study,2026-01-01,,,,,=HYPERLINK(\"http://x\")\n"
        );
        let path = env.file("p.csv", &csv);
        let r = env.run(&["import", "permits", "--skip-invalid", &path]);
        assert_eq!(r.code(), 3);
        let stderr = r.stderr();
        assert!(stderr.contains("p.csv:2: permit_id: a permit id may not hold a personal number"), "{stderr}");
        assert!(stderr.contains("p.csv:3: person_id: a person id may not hold a personal number"), "{stderr}");
        assert!(stderr.contains("p.csv:4: permit_id: a permit id may not begin with =, +, - or @"), "{stderr}");
        let feed = "{\"id\": \"navet-900101-1239\", \"kind\": \"emigrated\", \"person_id\": \"P-4\", \"occurred_on\": \"2026-11-01\"}\n\
                    {\"id\": \"@SUM(1+1)\", \"kind\": \"emigrated\", \"person_id\": \"P-4\", \"occurred_on\": \"2026-11-01\"}\n";
        let r = env.run(&["import", "signals", "--skip-invalid", &env.file("s.jsonl", feed)]);
        assert_eq!(r.code(), 3);
        assert!(r.stderr().contains("s.jsonl:1: id: a signal id may not hold a personal number"), "{}", r.stderr());
        assert!(r.stderr().contains("s.jsonl:2: id: a signal id may not begin with"), "{}", r.stderr());
        let shown = env.ok(&["rejects"]) + &env.ok(&["rejects", "--format", "json"]) + &stderr + &r.stderr();
        for needle in ["199001011239", "900101-1239", "9001011239"] {
            assert!(!shown.contains(needle), "{needle} shown:\n{shown}");
        }
        let rejects: serde_json::Value = serde_json::from_str(&env.ok(&["rejects", "--format", "json"])).unwrap();
        assert_eq!(rejects[0]["record_key"], serde_json::Value::Null, "a key holding a number is withheld");
        // A formula in free text is only text: kept as given, never an identifier.
        assert!(env.ok(&["history", "UT-4"]).contains("imported"));
    }
);
