//! Identifiers that arrive in input files, parsed once so that an invalid one cannot exist.

use std::fmt;

/// `value` quoted for an error message — unless it holds ten or more digits, which could be a
/// personal number in the wrong column: then it is withheld, since errors are printed and kept.
pub fn quoted(value: &str) -> String {
    if value.chars().filter(char::is_ascii_digit).count() >= 10 && !is_org_no_like(value) {
        "(value withheld: it could be a personal number)".to_string()
    } else {
        format!("{value:?}")
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

fn check_id_alphabet(kind: &str, text: &str) -> Result<(), IdError> {
    if text.is_empty() || text.len() > 64 {
        return Err(IdError(format!("{kind} must be 1 to 64 characters, got {}", text.len())));
    }
    if let Some(bad) =
        text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/')))
    {
        return Err(IdError(format!("{kind} may hold only A-Z a-z 0-9 - _ . /, found {bad:?}")));
    }
    Ok(())
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Checks the alphabet and length (docs/REFERENCE.md §2).
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
/// A signal's id as its sender gave it; unique across all feeds. The contract does not limit
/// its alphabet, so any printable text of 1 to 128 characters without spaces is accepted.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignalId(String);

impl SignalId {
    /// Checks length and that the id is printable without spaces.
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

/// A Swedish personal identity or coordination number, 12 digits, Luhn-checked.
///
/// It is personal data: `Debug` and `Display` print `[personal number]`, never the digits; the
/// only way out is [`PersonalNumber::canonical`], which the keyed hash uses.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonalNumber([u8; 12]);

impl PersonalNumber {
    /// Reads `YYYYMMDDNNNN`, `YYYYMMDD-NNNN` or `YYYYMMDD+NNNN`. Errors never quote the input.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let digits: Vec<u8> = match text.len() {
            12 => text.bytes().collect(),
            13 if matches!(text.as_bytes()[8], b'-' | b'+') => {
                text.bytes().enumerate().filter(|(i, _)| *i != 8).map(|(_, b)| b).collect()
            }
            _ => {
                return Err(IdError(
                    "a personal number is 12 digits, with or without - or + before the last four".into(),
                ))
            }
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(IdError("a personal number holds only digits (and one - or +)".into()));
        }
        let n: Vec<u32> = digits.iter().map(|b| u32::from(b - b'0')).collect();
        let month = n[4] * 10 + n[5];
        let mut day = n[6] * 10 + n[7];
        if day > 60 {
            day -= 60; // a coordination number
        }
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(IdError("a personal number must start with a valid date of birth".into()));
        }
        if !luhn_ok(&n[2..]) {
            return Err(IdError("the personal number fails the Luhn check".into()));
        }
        let mut out = [0u8; 12];
        out.copy_from_slice(&digits);
        Ok(PersonalNumber(out))
    }

    /// The 12 digits without separator: the one form that is hashed.
    pub fn canonical(&self) -> &[u8; 12] {
        &self.0
    }
}

impl fmt::Debug for PersonalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[personal number]")
    }
}

/// The Luhn check over the ten digits YYMMDDNNNC.
fn luhn_ok(ten: &[u32]) -> bool {
    let sum: u32 = ten
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let v = if i % 2 == 0 { d * 2 } else { d };
            if v > 9 {
                v - 9
            } else {
                v
            }
        })
        .sum();
    sum % 10 == 0
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
    fn personal_numbers_pass_luhn_with_or_without_separator() {
        for ok in ["19900101-1239", "199001011239", "19900101+1239", "19811218-9876"] {
            assert!(PersonalNumber::parse(ok).is_ok(), "{ok}");
        }
        assert!(PersonalNumber::parse("19900101-1238").unwrap_err().0.contains("Luhn"));
        assert!(PersonalNumber::parse("1990010-11239").is_err());
        assert!(PersonalNumber::parse("19901301-1231").is_err());
    }

    #[test]
    fn a_coordination_number_has_sixty_added_to_the_day() {
        // 19900161-xxxx: day 61 = the 1st; Luhn over 9001611234 → check digit found by search.
        let valid = (0..10).map(|c| format!("19900161-123{c}")).find(|s| PersonalNumber::parse(s).is_ok());
        assert!(valid.is_some());
        assert!(PersonalNumber::parse("19900192-1230").is_err(), "day 32 after subtracting 60");
    }

    #[test]
    fn a_personal_number_never_shows_in_debug_or_errors() {
        let pn = PersonalNumber::parse("19900101-1239").unwrap();
        assert_eq!(format!("{pn:?}"), "[personal number]");
        let err = PersonalNumber::parse("19900101-1238").unwrap_err().to_string();
        assert!(!err.contains("1238") && !err.contains("19900101"), "{err}");
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
}
