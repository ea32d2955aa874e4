//! Property tests over arbitrary input (proptest; `PROPTEST_CASES` sets how many cases, 256 by
//! default): the permit and signal readers with their checks, durations, dates, `--now` and
//! cron expressions. Whatever the bytes, nothing panics, and every rejection is one line
//! `FILE:LINE: FIELD: reason` of bounded length that never repeats a personal number given.

use permit_followup::domain::calendar::parse_date;
use permit_followup::domain::policy::Policy;
use permit_followup::domain::span::Span;
use permit_followup::jobs::import::read::{Format, RecordError, Records};
use permit_followup::jobs::import::{check_permit, check_signal};
use permit_followup::privacy::PnKey;
use proptest::prelude::*;
use std::sync::OnceLock;

/// The longest message a rejection may print: a file name of a few words, a line, a cut field
/// name and a reason with a cut value.
const MAX_MESSAGE_CHARS: usize = 400;

/// Personal numbers the generators plant, in the forms an attacker would try.
const PLANTED: &[&str] =
    &["19900101-1239", "199001011239", "900101-1239", "9001011239", "900101+1239", "19811218-9876"];

fn policy() -> &'static Policy {
    static POLICY: OnceLock<Policy> = OnceLock::new();
    POLICY.get_or_init(|| {
        let shipped = crate::helpers::repo("config/default.toml");
        permit_followup::settings::load(Some(&shipped), Some("sqlite://unused.db")).unwrap().policy
    })
}

/// Every rejection of `bytes` read as `format` and checked as permits (or signals).
fn rejections(bytes: &[u8], format: Format, signals: bool) -> Vec<RecordError> {
    let key = PnKey::from_bytes(b"fuzz-key-fuzz-key");
    let today = "2026-11-20".parse().unwrap();
    let fields = if signals { check_signal::FIELDS } else { check_permit::FIELDS };
    let mut records =
        Records::new(Box::new(std::io::Cursor::new(bytes.to_vec())), format, "f.in", fields).unwrap();
    let mut out = records.take_header_errors();
    let mut permits = check_permit::PermitChecker::new(policy(), &key, "f.in", today);
    let signal_checker = check_signal::SignalChecker {
        policy: policy(),
        key: &key,
        import_id: 1,
        received_at: "2026-11-20T11:00:00".parse().unwrap(),
        received_on: today,
    };
    while let Some(next) = records.next_record().unwrap() {
        let checked = match next {
            Err(errors) => Err(errors),
            Ok(f) if signals => signal_checker.check("f.in", &f).map(|_| ()),
            Ok(f) => permits.check(&f).unwrap().map(|_| ()),
        };
        out.extend(checked.err().unwrap_or_default());
    }
    out
}

/// Each rejection reads `f.in:LINE: FIELD: reason` on one line, within the file's lines.
fn assert_clear(errors: &[RecordError], bytes: &[u8]) {
    let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for e in errors {
        let text = e.to_string();
        assert!(text.starts_with(&format!("f.in:{}: ", e.line)), "{text}");
        assert!((1..=lines).contains(&e.line), "line {} of {lines}: {text}", e.line);
        assert!(!e.field.is_empty() && !e.reason.is_empty(), "{text}");
        assert!(!text.contains('\n') && !text.contains('\r'), "one line: {text:?}");
        assert!(text.chars().count() <= MAX_MESSAGE_CHARS, "{} characters: {text}", text.chars().count());
        for pn in PLANTED {
            assert!(!text.contains(pn), "{pn} in {text}");
        }
    }
}

/// Text that looks enough like the files to reach the checks: known names, separators,
/// quotes, line ends, digits and planted personal numbers.
fn file_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("permit_id".to_string()),
        Just("person_id".to_string()),
        Just("personal_number".to_string()),
        Just("ground".to_string()),
        Just("valid_from".to_string()),
        Just("study".to_string()),
        Just("2026-01-01".to_string()),
        Just("\"id\": ".to_string()),
        Just("\"kind\": \"emigrated\"".to_string()),
        Just("\"data\": {".to_string()),
        proptest::sample::select(PLANTED).prop_map(str::to_string),
        "[,\"\n\r{}:\\[\\] \u{feff}=+@-]{1,3}",
        "[a-zA-Z0-9é]{0,8}",
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn any_bytes_as_a_permit_or_signal_file_are_read_or_rejected_clearly(
        bytes in proptest::collection::vec(any::<u8>(), 0..3000),
        csv in any::<bool>(),
        signals in any::<bool>(),
    ) {
        let format = if csv && !signals { Format::Csv } else { Format::Jsonl };
        assert_clear(&rejections(&bytes, format, signals), &bytes);
    }

    #[test]
    fn file_like_text_is_read_or_rejected_clearly_and_never_repeats_a_personal_number(
        text in file_like(),
        header in proptest::sample::select(&["", "permit_id,person_id,personal_number,ground,valid_from\n", "permit_id,permit_id\n"][..]),
        csv in any::<bool>(),
    ) {
        let bytes = format!("{header}{text}").into_bytes();
        let format = if csv { Format::Csv } else { Format::Jsonl };
        assert_clear(&rejections(&bytes, format, false), &bytes);
        assert_clear(&rejections(&bytes, Format::Jsonl, true), &bytes);
    }

    #[test]
    fn any_text_as_a_duration_is_read_or_refused_and_reads_back_as_written(
        text in prop_oneof![".{0,40}", "[0-9]{1,12} (day|days|week|weeks|month|months|year|years)( [0-9]{1,11} [a-zA-Z]{3,6}){0,3}"],
    ) {
        if let Ok(span) = Span::parse(&text) {
            prop_assert_eq!(Span::parse(&span.to_string()), Ok(span));
        }
    }

    #[test]
    fn any_text_as_a_date_or_now_is_read_or_refused_without_panic(
        text in prop_oneof![".{0,30}", "[0-9+-]{1,6}-[0-9]{1,3}-[0-9]{1,3}", "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.+Z-]{0,20}"],
    ) {
        if let Some(date) = parse_date(&text) {
            prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Some(date));
        }
        let _ = permit_followup::cli::parse_now(Some(&text), chrono_tz::Europe::Stockholm);
    }

    #[test]
    fn a_cron_expression_the_configuration_accepts_is_one_the_scheduler_accepts(
        text in prop_oneof![".{0,40}", "([0-9*/,-]{1,6}|[A-Za-z]{3}(-[A-Za-z]{3})?|\\?|L|#) ?([0-9*/,-]{1,6} ){4,6}[0-9A-Za-z*/,#?-]{1,8}"],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cron.toml");
        let toml_text = serde_json::to_string(&text).unwrap();
        std::fs::write(&file, format!("[schedule]\ntick = {toml_text}\n")).unwrap();
        if let Ok(settings) = permit_followup::settings::load(Some(&file), Some("sqlite://unused.db")) {
            let job = tokio_cron_scheduler::Job::new_async_tz(settings.schedule.tick.as_str(), chrono_tz::Europe::Stockholm, |_, _| Box::pin(async {}));
            prop_assert!(job.is_ok(), "{:?} passed the configuration's check but the scheduler refuses it", text);
        }
    }
}
