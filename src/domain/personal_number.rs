//! Swedish personal identity and coordination numbers (docs/REFERENCE.md §2.4): read in every
//! form, alone or inside a longer text, and brought to the one 12-digit form that is hashed.
//!
//! A 10-digit number leaves out the century. Its separator gives it back: `-` (or none) means
//! the holder was under 100 on the reference date — when the signal was received or the file
//! imported — and `+` means 100 or over. So `900101-1239` read on 2026-11-20 is the same
//! number as `19900101-1239`, and hashes the same.

use super::ids::IdError;
use chrono::{Datelike, NaiveDate};
use std::fmt;
use std::ops::Range;

/// A Swedish personal identity or coordination number, as its 12 digits, Luhn-checked.
///
/// It is personal data: `Debug` prints `[personal number]`, never the digits; the only way out
/// is [`PersonalNumber::canonical`], which the keyed hash uses.
#[derive(Clone, PartialEq, Eq)]
pub struct PersonalNumber([u8; 12]);

impl PersonalNumber {
    /// Reads `YYYYMMDDNNNN`, `YYMMDDNNNN`, either with a `-` or `+` before the last four; a
    /// 10-digit form takes its century from `on` (see the module's doc). Errors never quote
    /// the input.
    pub fn parse(text: &str, on: NaiveDate) -> Result<Self, IdError> {
        let b = text.as_bytes();
        let (digits, plus) = match b.len() {
            12 | 10 => (b.to_vec(), false),
            13 | 11 if matches!(b[b.len() - 5], b'-' | b'+') => {
                let sep = b.len() - 5;
                ([&b[..sep], &b[sep + 1..]].concat(), b[sep] == b'+')
            }
            _ => return Err(IdError(FORMS.into())),
        };
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(IdError("a personal number holds only digits (and one - or +)".into()));
        }
        let n: Vec<u32> = digits.iter().map(|b| u32::from(b - b'0')).collect();
        let ten = &n[n.len() - 10..];
        let (month, mut day) = (ten[2] * 10 + ten[3], ten[4] * 10 + ten[5]);
        if day > 60 {
            day -= 60; // a coordination number
        }
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return Err(IdError("a personal number must start with a valid date of birth".into()));
        }
        if !luhn_ok(ten) {
            return Err(IdError("the personal number fails the Luhn check".into()));
        }
        let mut out = [0u8; 12];
        if digits.len() == 12 {
            out.copy_from_slice(&digits);
        } else {
            let year = birth_year(ten[0] * 10 + ten[1], (month, day), plus, on)
                .ok_or_else(|| IdError("a personal number must start with a valid date of birth".into()))?;
            out[..2].copy_from_slice(&[b'0' + (year / 1000 % 10) as u8, b'0' + (year / 100 % 10) as u8]);
            out[2..].copy_from_slice(&digits);
        }
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

/// The forms, for messages.
const FORMS: &str =
    "a personal number is 12 digits (YYYYMMDDNNNN) or 10 (YYMMDDNNNN), with or without - or + before the last four";

/// The year of birth of a 10-digit number: the latest year ending in `yy` whose `(month, day)`
/// is not after `on` (under 100 then), and a century earlier with `+` (100 or over).
fn birth_year(yy: u32, (month, day): (u32, u32), plus: bool, on: NaiveDate) -> Option<u32> {
    let today = (u32::try_from(on.year()).ok()?, on.month(), on.day());
    let mut year = today.0 - today.0 % 100 + yy;
    if (year, month, day) > today {
        year = year.checked_sub(100)?;
    }
    if plus {
        year = year.checked_sub(100)?;
    }
    Some(year)
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
    sum.is_multiple_of(10)
}

/// Every personal number written in `text` in a form of docs/REFERENCE.md §2.4, with its place
/// (byte offsets).
///
/// A number counts only as a whole run of digits, so `UT-2025-134730` holds none and
/// `x199001011239y` one: a run of 10 or 12 digits, or of 6 or 8 digits, a `-` or `+`, and
/// exactly 4 digits. Longer runs of digits (an account number, a phone number with its
/// country code) are not read as numbers that start inside them.
pub fn personal_numbers_in(text: &str, on: NaiveDate) -> Vec<(Range<usize>, PersonalNumber)> {
    let b = text.as_bytes();
    let run_end = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut found = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let end = run_end(i);
        let separated = (matches!(end - i, 6 | 8)
            && matches!(b.get(end), Some(b'-' | b'+'))
            && run_end(end + 1) == end + 5)
            .then_some(i..end + 5);
        let hit = separated
            .into_iter()
            .chain(std::iter::once(i..end))
            .filter(|r| matches!(r.len(), 10..=13))
            .find_map(|r| PersonalNumber::parse(&text[r.clone()], on).ok().map(|pn| (r, pn)));
        match hit {
            Some((r, pn)) => {
                i = r.end;
                found.push((r, pn));
            }
            None => i = end,
        }
    }
    found
}

/// Whether `text` holds a personal number in any form. Its validity (date of birth, Luhn) does
/// not depend on the century, so no reference date is needed.
pub fn holds_personal_number(text: &str) -> bool {
    text.bytes().filter(u8::is_ascii_digit).count() >= 10
        && !personal_numbers_in(text, NaiveDate::MAX).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn twelve(text: &str, day: &str) -> String {
        String::from_utf8(PersonalNumber::parse(text, on(day)).unwrap().canonical().to_vec()).unwrap()
    }

    #[test]
    fn the_twelve_digit_forms_pass_luhn_with_or_without_separator() {
        for ok in ["19900101-1239", "199001011239", "19900101+1239", "19811218-9876"] {
            assert!(PersonalNumber::parse(ok, on("2026-11-20")).is_ok(), "{ok}");
        }
        let d = on("2026-11-20");
        assert!(PersonalNumber::parse("19900101-1238", d).unwrap_err().0.contains("Luhn"));
        assert!(PersonalNumber::parse("1990010-11239", d).is_err());
        assert!(PersonalNumber::parse("19901301-1231", d).is_err());
        assert!(PersonalNumber::parse("19900101 1239", d).is_err());
    }

    #[test]
    fn a_ten_digit_number_takes_the_century_in_which_its_holder_is_under_a_hundred() {
        assert_eq!(twelve("900101-1239", "2026-11-20"), "199001011239");
        assert_eq!(twelve("9001011239", "2026-11-20"), "199001011239", "no separator reads as -");
        assert_eq!(twelve("900101+1239", "2026-11-20"), "189001011239", "+: a hundred or over");
        // Born on 2026-11-19: yesterday, not 1926.
        let yesterday = (0..10)
            .map(|c| format!("261119-123{c}"))
            .find(|s| PersonalNumber::parse(s, on("2026-11-20")).is_ok())
            .unwrap();
        assert_eq!(&twelve(&yesterday, "2026-11-20")[..4], "2026");
        // Born on 2026-11-21, read on 2026-11-20: that date has not come yet, so 1926.
        let tomorrow = (0..10)
            .map(|c| format!("261121-123{c}"))
            .find(|s| PersonalNumber::parse(s, on("2026-11-20")).is_ok())
            .unwrap();
        assert_eq!(&twelve(&tomorrow, "2026-11-20")[..4], "1926");
        assert_eq!(&twelve(&tomorrow.replace('-', "+"), "2026-11-20")[..4], "1826");
        assert_eq!(&twelve(&tomorrow, "2026-11-21")[..4], "2026", "born today is under a hundred");
    }

    #[test]
    fn a_coordination_number_has_sixty_added_to_the_day() {
        let valid = (0..10)
            .map(|c| format!("19900161-123{c}"))
            .find(|s| PersonalNumber::parse(s, on("2026-01-01")).is_ok());
        assert!(valid.is_some());
        assert!(
            PersonalNumber::parse("19900192-1230", on("2026-01-01")).is_err(),
            "day 32 after subtracting 60"
        );
        let ten = valid.unwrap()[2..].to_string();
        assert_eq!(&twelve(&ten, "2026-01-01")[..4], "1990");
    }

    #[test]
    fn a_personal_number_never_shows_in_debug_or_errors() {
        let pn = PersonalNumber::parse("19900101-1239", on("2026-01-01")).unwrap();
        assert_eq!(format!("{pn:?}"), "[personal number]");
        for bad in ["19900101-1238", "900101-1238", "90010112", "9001011238x"] {
            let err = PersonalNumber::parse(bad, on("2026-01-01")).unwrap_err().to_string();
            assert!(!err.contains("1238") && !err.contains("900101"), "{err}");
        }
    }

    #[test]
    fn numbers_are_found_as_whole_runs_of_digits_in_any_form() {
        let d = on("2026-11-20");
        let found = |t: &str| {
            personal_numbers_in(t, d).into_iter().map(|(r, _)| t[r].to_string()).collect::<Vec<_>>()
        };
        assert_eq!(found("call 19900101-1239 or 9001011239."), ["19900101-1239", "9001011239"]);
        assert_eq!(found("ref:900101+1239,x199001011239y"), ["900101+1239", "199001011239"]);
        assert_eq!(found("UT-2025-134730 and 5560000001 and 19900101-1238"), Vec::<String>::new());
        assert_eq!(found("0046199001011239 is a longer run"), Vec::<String>::new());
        assert_eq!(found("9001011239-1234"), ["9001011239"], "the run alone; 10 digits take no suffix");
        assert_eq!(found("900101-12391"), Vec::<String>::new(), "five digits after the separator");
        assert!(holds_personal_number("P-900101-1239"));
        assert!(!holds_personal_number("P-2026-0001"));
    }
}
