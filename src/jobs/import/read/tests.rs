//! The readers against hostile bytes: each case with the exact message users see.

use super::*;

const KNOWN: &[&str] = &["permit_id", "ground", "note"];

/// Every record (or its errors, as printed) of `bytes`, header problems first.
fn read(bytes: &[u8], format: Format) -> Vec<String> {
    let mut records = Records::new(Box::new(io::Cursor::new(bytes.to_vec())), format, "f", KNOWN).unwrap();
    let mut out: Vec<String> = records.take_header_errors().iter().map(ToString::to_string).collect();
    while let Some(next) = records.next_record().unwrap() {
        match next {
            Ok(f) => out.push(format!("{}: {:?} {:?}", f.line, f.get("permit_id"), f.get("note"))),
            Err(errors) => out.extend(errors.iter().map(ToString::to_string)),
        }
    }
    out
}

fn csv(text: &str) -> Vec<String> {
    read(text.as_bytes(), Format::Csv)
}

fn jsonl(text: &str) -> Vec<String> {
    read(text.as_bytes(), Format::Jsonl)
}

#[test]
fn a_bom_crlf_and_blank_lines_are_read_through_with_the_right_line_numbers() {
    let out = csv("\u{feff}permit_id,note\r\nUT-1,a\r\n\r\n   \r\nUT-2,b\r\n");
    assert_eq!(out, ["2: Some(\"UT-1\") Some(\"a\")", "5: Some(\"UT-2\") Some(\"b\")"]);
    let out = jsonl("\u{feff}{\"permit_id\": \"UT-1\"}\r\n\r\n{\"permit_id\": \"UT-2\"}\n");
    assert_eq!(out, ["1: Some(\"UT-1\") None", "3: Some(\"UT-2\") None"]);
}

#[test]
fn a_quoted_value_may_span_lines_and_the_record_keeps_the_line_it_starts_on() {
    let out = csv("permit_id,note\nUT-1,\"two\nlines, and a \"\"quote\"\"\"\nUT-2,x\n");
    assert_eq!(
        out,
        ["2: Some(\"UT-1\") Some(\"two\\nlines, and a \\\"quote\\\"\")", "4: Some(\"UT-2\") Some(\"x\")"]
    );
}

#[test]
fn an_empty_file_or_one_of_blank_lines_is_an_error_not_an_empty_import() {
    for empty in ["", "\n\n", " \r\n\t\n"] {
        assert_eq!(
            csv(empty),
            ["f:1: header: the file is empty: a header row naming the columns is required"]
        );
        assert_eq!(jsonl(empty), ["f:1: record: the file is empty: it holds no record"]);
    }
    assert_eq!(csv("permit_id,note\n"), Vec::<String>::new(), "a header and no record is a file of none");
}

#[test]
fn a_column_named_twice_is_an_error_for_the_whole_file() {
    let out = csv("permit_id,note,permit_id\nUT-1,a,UT-2\n");
    assert_eq!(
        out,
        ["f:1: header: column permit_id appears twice (columns 1 and 3); which value counts cannot be told"]
    );
}

#[test]
fn invalid_utf8_names_the_field_or_the_line() {
    let mut bytes = b"permit_id,note\nUT-1,caf".to_vec();
    bytes.extend([0xe9, b'\n']);
    bytes.extend(b"UT-2,ok\n");
    assert_eq!(
        read(&bytes, Format::Csv),
        ["f:2: note: is not valid UTF-8", "3: Some(\"UT-2\") Some(\"ok\")"]
    );
    let mut bytes = b"{\"permit_id\": \"caf".to_vec();
    bytes.extend([0xe9, b'"', b'}', b'\n']);
    assert_eq!(read(&bytes, Format::Jsonl), ["f:1: record: is not valid UTF-8 (at byte 19)"]);
}

#[test]
fn a_key_given_twice_at_any_depth_is_an_error_naming_its_path() {
    assert_eq!(
        jsonl("{\"permit_id\": \"UT-1\", \"permit_id\": \"UT-2\"}\n"),
        ["f:1: permit_id: appears twice in the object; which value counts cannot be told"]
    );
    assert_eq!(
        jsonl("{\"note\": {\"a\": [{\"b\": 1, \"b\": 2}]}}\n"),
        ["f:1: note.a.b: appears twice in the object; which value counts cannot be told"]
    );
    assert_eq!(
        jsonl("{\"note\": {\"a\": 1}, \"ground\": {\"a\": 2}}\n").len(),
        1,
        "the same key in two objects is fine"
    );
}

#[test]
fn deep_nesting_is_refused_without_exhausting_the_stack() {
    let deep = format!("{{\"note\": {}1{}}}\n", "[".repeat(100_000), "]".repeat(100_000));
    let out = jsonl(&deep);
    assert_eq!(out.len(), 1);
    assert!(
        out[0].starts_with("f:1: record: is not valid JSON (nested more than 128 levels deep"),
        "{}",
        out[0]
    );
}

#[test]
fn a_line_longer_than_the_limit_is_read_past_and_the_next_one_read() {
    let huge = "x".repeat(MAX_RECORD_BYTES + 10);
    let out = csv(&format!("permit_id,note\nUT-1,{huge}\nUT-2,b\n"));
    assert_eq!(
        out,
        [
            format!("f:2: record: is longer than {MAX_RECORD_BYTES} bytes; it was not read"),
            "3: Some(\"UT-2\") Some(\"b\")".into()
        ]
    );
    let out = jsonl(&format!("{{\"note\": \"{huge}\"}}\n{{\"permit_id\": \"UT-2\"}}\n"));
    assert_eq!(
        out,
        [
            format!("f:1: record: is longer than {MAX_RECORD_BYTES} bytes; it was not read"),
            "2: Some(\"UT-2\") None".into()
        ]
    );
}

#[test]
fn huge_or_personal_header_names_are_cut_or_withheld_in_messages() {
    let name = "n".repeat(5_000);
    let out = csv(&format!("permit_id,{name},199001011239\nUT-1,a,b\n"));
    assert_eq!(out.len(), 3, "{out:?}");
    assert!(
        out[0].starts_with("f:1: nnnn") && out[0].contains("… (5000 characters): unknown column"),
        "{}",
        out[0]
    );
    assert!(out[0].len() < 200, "{}", out[0]);
    assert_eq!(out[1], "f:1: (a name that could be a personal number): unknown column");
    let out = jsonl(&format!("{{\"{name}\": 1}}\n"));
    assert!(out[0].len() < 200 && out[0].ends_with("unknown key"), "{}", out[0]);
}

#[test]
fn a_name_holding_a_line_end_is_escaped_so_the_message_stays_one_line() {
    // Found by the property test over file-like text.
    assert_eq!(csv("\"permit_id\n+\",note\n"), ["f:1: \"permit_id\\n+\": unknown column"]);
}

#[test]
fn a_record_of_the_wrong_width_or_too_many_values_is_an_error() {
    assert_eq!(csv("permit_id,note\nUT-1\n"), ["f:2: record: has 1 fields, the header 2"]);
    let wide = format!("permit_id,note\n{}\n", ",".repeat(2_000));
    assert_eq!(csv(&wide), ["f:2: record: has more than 1024 fields"]);
}

#[test]
fn json_that_is_not_an_object_or_not_json_says_so_without_quoting_the_line() {
    assert_eq!(jsonl("[1]\n"), ["f:1: record: is not a JSON object"]);
    let out = jsonl("{\"permit_id\": 19900101-1239}\n");
    assert!(out[0].starts_with("f:1: record: is not valid JSON (") && !out[0].contains("1239"), "{}", out[0]);
    assert_eq!(jsonl("{\"colour\": 1}\n"), ["f:1: colour: unknown key"]);
}
