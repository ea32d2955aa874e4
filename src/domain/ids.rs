//! Identifiers that arrive in input files, parsed once so that an invalid one cannot exist.
//!
//! An identifier is shown by every output (tables, JSON, mails, the audit trail), so besides
//! its alphabet it may hold no personal number (docs/REFERENCE.md §2.3) and may not begin like
//! a spreadsheet formula: whatever an identifier holds can reach any output unchanged.

use super::personal_number::holds_personal_number;
use std::fmt;

/// The longest value or name repeated in a message, in characters; the rest is cut, so that a
/// hostile file cannot make its messages as long as its lines.
pub const MAX_QUOTED_CHARS: usize = 64;

/// `value` quoted for an error message — unless it holds ten or more digits, which could be a
/// personal number in the wrong column: then it is withheld, since errors are printed and kept.
/// A long value is cut to [`MAX_QUOTED_CHARS`] characters.
pub fn quoted(value: &str) -> String {
    if value.chars().filter(char::is_ascii_digit).count() >= 10 && !is_org_no_like(value) {
        "(value withheld: it could be a personal number)".to_string()
    } else {
        format!("{:?}", cut(value))
    }
}

/// `text` cut to [`MAX_QUOTED_CHARS`] characters, saying how long it was.
pub fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => text.to_string(),
        Some((at, _)) => format!("{}… ({} characters)", &text[..at], text.chars().count()),
    }
}

/// A value shaped like an organisation number of a company (third digit 2 or more), which is
/// no personal data and may be quoted.
fn is_org_no_like(value: &str) -> bool {
    let digits: Vec<u8> = value.bytes().filter(u8::is_ascii_digit).collect();
    digits.len() == 10 && digits[2] >= b'2'
}

/// Why an identifier was refused. The text never repeats a personal number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdError(pub String);

/// The characters a spreadsheet reads as the start of a formula (`=`, `+`, `-`, `@`).
const FORMULA_STARTS: [char; 4] = ['=', '+', '-', '@'];

/// What every identifier must not hold, whatever its alphabet: a personal number, or a first
/// character that makes a spreadsheet read it as a formula.
fn check_id_content(kind: &str, text: &str) -> Result<(), IdError> {
    if holds_personal_number(text) {
        return Err(IdError(format!("{kind} may not hold a personal number")));
    }
    if text.starts_with(FORMULA_STARTS) {
        return Err(IdError(format!(
            "{kind} may not begin with =, +, - or @ (a spreadsheet would read it as a formula)"
        )));
    }
    Ok(())
}

fn check_id_alphabet(kind: &str, text: &str) -> Result<(), IdError> {
    if text.is_empty() || text.len() > 64 {
        return Err(IdError(format!("{kind} must be 1 to 64 characters, got {}", text.len())));
    }
    if let Some(bad) =
        text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    {
        return Err(IdError(format!("{kind} may hold only A-Z a-z 0-9 - _ . /, found {bad:?}")));
    }
    check_id_content(kind, text)
}

/// The record key a message or a reject may repeat: the id as written, unless it holds a
/// personal number or is longer than any identifier may be.
pub fn shown_key(raw: &str) -> Option<String> {
    (raw.chars().count() <= 128 && !holds_personal_number(raw)).then(|| raw.to_string())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks the alphabet and length, and that it holds no personal number and does
            /// not begin like a formula (docs/REFERENCE.md §2.3).
            pub fn parse(text: &str) -> Result<Self, IdError> {
                check_id_alphabet($kind, text)?;
                Ok(Self(text.to_string()))
            }
            /// The identifier as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_id!(
    /// A permit's number, the key of the register.
    PermitId,
    "a permit id"
);
text_id!(
    /// The holder's internal id at the agency.
    PersonId,
    "a person id"
);
/// A signal's id as its sender gave it; unique across all feeds. Any printable text of 1 to 128
/// characters without spaces, holding no personal number and not beginning like a formula.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignalId(String);

impl SignalId {
    /// Checks length, that the id is printable without spaces, and that it holds no personal
    /// number and does not begin like a formula (docs/REFERENCE.md §2.3).
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let n = text.chars().count();
        if n == 0 || n > 128 {
            return Err(IdError(format!("a signal id must be 1 to 128 characters, got {n}")));
        }
        if let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(IdError(format!(
                "a signal id may not hold spaces or control characters, found {bad:?}"
            )));
        }
        check_id_content("a signal id", text)?;
        Ok(SignalId(text.to_string()))
    }
    /// The id as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SignalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Swedish organisation number: 10 digits, optionally with a `-` before the last four.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrgNo(String);

impl OrgNo {
    /// Reads `NNNNNNNNNN` or `NNNNNN-NNNN`, kept as the 10 digits. Errors never quote the
    /// input: a sole trader's organisation number is their personal number.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let digits: String = match text.len() {
            10 => text.to_string(),
            11 if text.as_bytes()[6] == b'-' => format!("{}{}", &text[..6], &text[7..]),
            _ => {
                return Err(IdError(
                    "an organisation number is 10 digits, with or without - before the last four".into(),
                ))
            }
        };
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError("an organisation number holds only digits (and one -)".into()));
        }
        Ok(OrgNo(digits))
    }

    /// Whether this is a sole trader's number, i.e. the owner's personal identity number (a
    /// company's has 2 or more in third place). Such a number is personal data.
    pub fn is_personal(&self) -> bool {
        self.0.as_bytes()[2] < b'2'
    }

    /// The 10 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A task's number, given by storage when the task is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub i64);

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The keyed hash of a personal number (`privacy::PnKey::hash`): what is stored and matched
/// instead of the number. It identifies a person only to someone holding the key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PnHash(String);

impl PnHash {
    /// Wraps a hash as the key computed it, or as storage kept it.
    pub fn new(hex: String) -> Self {
        PnHash(hex)
    }
    /// The hash as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An employer as the register keeps it: a company's organisation number as given, or, for a
/// sole trader (whose organisation number is the owner's personal number), its keyed hash
/// (`privacy::PnKey::employer`). Permits and income reports are compared in this form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmployerRef(String);

impl EmployerRef {
    /// Wraps an employer in its stored form.
    pub fn new(stored: String) -> Self {
        EmployerRef(stored)
    }
    /// The stored form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmployerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permit_ids_keep_to_the_alphabet() {
        assert!(PermitId::parse("UT-2024/104.233_a").is_ok());
        assert!(PermitId::parse("").is_err());
        assert!(PermitId::parse(&"x".repeat(65)).is_err());
        assert!(PermitId::parse("UT 1").unwrap_err().0.contains("' '"));
        assert!(PersonId::parse("P-1ö").is_err());
    }

    #[test]
    fn signal_ids_take_any_printable_text_without_spaces() {
        assert!(SignalId::parse("navet:2026-11-20#000123").is_ok());
        assert!(SignalId::parse("a b").is_err());
        assert!(SignalId::parse("").is_err());
        assert!(SignalId::parse(&"x".repeat(129)).is_err());
    }

    #[test]
    fn organisation_numbers_are_ten_digits() {
        assert_eq!(OrgNo::parse("556000-0001").unwrap().as_str(), "5560000001");
        assert!(OrgNo::parse("55600000").is_err());
        assert!(OrgNo::parse("55600000AB").is_err());
        assert!(OrgNo::parse("55-000-0001").is_err(), "one dash, before the last four");
        assert!(!OrgNo::parse("5560000001").unwrap().is_personal());
        assert!(OrgNo::parse("9001011239").unwrap().is_personal(), "a sole trader's number");
        assert!(!OrgNo::parse("900101-12399").unwrap_err().to_string().contains("1239"));
    }

    #[test]
    fn values_that_could_be_personal_numbers_are_withheld_from_messages() {
        assert_eq!(quoted("2026-02-30"), "\"2026-02-30\"");
        assert!(!quoted("19900101-1239").contains("1239"));
        assert!(!quoted("9001011239").contains("1239"));
        assert_eq!(quoted("5560000001"), "\"5560000001\"");
    }

    #[test]
    fn an_identifier_holding_a_personal_number_is_refused_without_repeating_it() {
        for id in ["UT-199001011239", "P-900101-1239", "9001011239", "x19900101-1239"] {
            let e = PermitId::parse(id).unwrap_err().0;
            assert!(e.contains("may not hold a personal number") && !e.contains("1239"), "{id}: {e}");
            assert!(PersonId::parse(id).is_err(), "{id}");
        }
        assert!(SignalId::parse("navet:900101+1239").unwrap_err().0.contains("personal number"));
        assert!(PermitId::parse("UT-2025-134730").is_ok(), "a permit number is no personal number");
        assert_eq!(shown_key("UT-199001011239"), None);
        assert_eq!(shown_key(&"x".repeat(129)), None);
        assert_eq!(shown_key("UT-1").as_deref(), Some("UT-1"));
    }

    #[test]
    fn an_identifier_may_not_begin_like_a_spreadsheet_formula() {
        for id in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)"] {
            let e = SignalId::parse(id).unwrap_err().0;
            assert!(e.contains("formula"), "{id}: {e}");
        }
        assert!(PermitId::parse("-1").unwrap_err().0.contains("formula"));
        assert!(SignalId::parse("a=1+2").is_ok(), "only the first character matters");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let q = quoted(&"ö".repeat(1000));
        assert!(q.chars().count() < MAX_QUOTED_CHARS + 30 && q.contains("(1000 characters)"), "{q}");
        assert_eq!(cut("short"), "short");
    }
}
