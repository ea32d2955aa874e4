//! Navet notification records (docs/REFERENCE.md §12): the Tax Agency sends each person's whole
//! current entry, never what changed, so a record is compared with what was kept of the
//! person's last one. What is kept is keyed hashes alone ([`Kept`]); [`compare`] is the rule,
//! a pure function of the kept record and the new one's hashes, tested here with literal values.

use super::ids::PnHash;
use chrono::NaiveDate;

/// A keyed hash of one compared value (a name, a date of birth, a country, a deregistration),
/// cut to 64 bits: enough to tell a change, never enough to hold the value.
pub type Digest = i64;

/// The signal kinds a comparison derives (each with its rule under `[signals.*]`).
pub mod kinds {
    /// `Avregistrering` `UV`, or a `Sarlosning/Utvandring` not seen before.
    pub const EMIGRATED: &str = "emigrated";
    /// `Avregistrering` `AV`.
    pub const DECEASED: &str = "deceased";
    /// `Avregistrering` `GN` or `GS` with the number that replaces this one.
    pub const PERSONAL_NUMBER_REPLACED: &str = crate::domain::signal::PERSONAL_NUMBER_REPLACED;
    /// Any other deregistration.
    pub const DEREGISTERED: &str = "deregistered";
    /// `Namn` differs.
    pub const NAME_CHANGED: &str = "name_changed";
    /// `Fodelsedatum` differs.
    pub const BIRTH_DATE_CHANGED: &str = crate::domain::signal::BIRTH_DATE_CHANGED;
    /// The set of `MedborgarskapslandKod` differs.
    pub const CITIZENSHIP_CHANGED: &str = "citizenship_changed";
}

/// A Navet file by the ids its sender gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKey {
    /// `BestallningsId`.
    pub order: String,
    /// `JobbId`.
    pub job: i64,
    /// `FilNr`.
    pub part: i64,
}

/// What is kept of a person between files: keyed hashes only, each `None` until a record
/// gave the value. `salt` is mixed into every hash of the person, so that two persons with the
/// same name or date of birth keep different hashes; a replacing number inherits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Mixed into every hash of the person.
    pub salt: i64,
    /// `Fornamn`, `Mellannamn`, `Efternamn` together.
    pub name: Option<Digest>,
    /// `Fodelsedatum`.
    pub birth_date: Option<Digest>,
    /// One hash a country of citizenship, sorted.
    pub citizenships: Option<Vec<Digest>>,
    /// The deregistration in force (its code and replacing number), if any.
    pub deregistration: Option<Digest>,
    /// The last `Sarlosning/Utvandring` seen.
    pub emigration: Option<Digest>,
}

impl Kept {
    /// A person's record before any value was seen.
    pub fn empty(salt: i64) -> Kept {
        Kept {
            salt,
            name: None,
            birth_date: None,
            citizenships: None,
            deregistration: None,
            emigration: None,
        }
    }

    /// What a replacing number starts from: the values of this one, not its deregistration.
    pub fn inherited(&self) -> Kept {
        Kept { deregistration: None, emigration: None, ..self.clone() }
    }
}

/// A deregistration as a record gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deregistration {
    /// The hash of its code and replacing number: a repeat of it derives nothing.
    pub digest: Digest,
    /// `AvregistreringsorsakKod`, as given (a code the schema does not list included).
    pub code: String,
    /// `Avregistreringsdatum`, when given.
    pub on: Option<NaiveDate>,
    /// `HanvisningsPersonNr`, hashed as a personal number is (`GN`, `GS`).
    pub new_number: Option<PnHash>,
}

/// A record as the comparison sees it: hashes under the person's salt, and what a signal may
/// say (codes and dates). `None`: the record does not give the value, and the kept one stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    /// `Namn`.
    pub name: Option<Digest>,
    /// `Fodelsedatum`.
    pub birth_date: Option<Digest>,
    /// Each country of citizenship: its hash and its code.
    pub citizenships: Option<Vec<(Digest, String)>>,
    /// `Personpost/Avregistrering` with a code.
    pub deregistration: Option<Deregistration>,
    /// `Sarlosning/Utvandring`.
    pub emigration: Option<Digest>,
}

/// A change a comparison finds: one derived signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// `UV`, or a new `Utvandring` (without a date then).
    Emigrated {
        /// `Avregistreringsdatum`.
        on: Option<NaiveDate>,
    },
    /// `AV`.
    Deceased {
        /// `Avregistreringsdatum`.
        on: Option<NaiveDate>,
    },
    /// `GN`/`GS` with a replacing number.
    NumberReplaced {
        /// `Avregistreringsdatum`.
        on: Option<NaiveDate>,
        /// The replacing number's hash.
        new_number: PnHash,
    },
    /// Any other code.
    Deregistered {
        /// The code.
        code: String,
        /// `Avregistreringsdatum`.
        on: Option<NaiveDate>,
    },
    /// The name differs.
    NameChanged,
    /// The date of birth differs.
    BirthDateChanged,
    /// The set of countries differs: the codes added, and the hashes of those removed (the
    /// caller, who holds the key, names them).
    CitizenshipChanged {
        /// Codes of the new record not kept before, in the record's order.
        added: Vec<String>,
        /// Kept hashes the new record lacks, sorted.
        removed: Vec<Digest>,
    },
}

impl Change {
    /// The signal kind it derives.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::Emigrated { .. } => kinds::EMIGRATED,
            Change::Deceased { .. } => kinds::DECEASED,
            Change::NumberReplaced { .. } => kinds::PERSONAL_NUMBER_REPLACED,
            Change::Deregistered { .. } => kinds::DEREGISTERED,
            Change::NameChanged => kinds::NAME_CHANGED,
            Change::BirthDateChanged => kinds::BIRTH_DATE_CHANGED,
            Change::CitizenshipChanged { .. } => kinds::CITIZENSHIP_CHANGED,
        }
    }

    /// The deregistration's date, for the changes that have one.
    pub fn deregistered_on(&self) -> Option<NaiveDate> {
        match self {
            Change::Emigrated { on } | Change::Deceased { on } => *on,
            Change::NumberReplaced { on, .. } | Change::Deregistered { on, .. } => *on,
            _ => None,
        }
    }
}

/// Compares a record with what was kept of its person (`None`: the first record seen, the
/// baseline) and returns the changes, in a fixed order, and what to keep now.
///
/// From a baseline only deregistrations (and a `Sarlosning/Utvandring`) derive changes. A
/// deregistration derives its change once: a later record repeating it derives nothing. A
/// value the record does not give keeps the kept one, and a value given for the first time
/// derives nothing.
pub fn compare(kept: Option<&Kept>, salt: i64, seen: &Observed) -> (Vec<Change>, Kept) {
    let base = kept.cloned().unwrap_or_else(|| Kept::empty(salt));
    let mut changes = Vec::new();
    let mut next = base.clone();
    next.deregistration = seen.deregistration.as_ref().map(|d| d.digest);
    match &seen.deregistration {
        Some(d) if base.deregistration != Some(d.digest) => changes.push(deregistration_change(d)),
        _ => {}
    }
    if let Some(e) = seen.emigration {
        if base.emigration != Some(e) && !changes.iter().any(|c| matches!(c, Change::Emigrated { .. })) {
            changes.push(Change::Emigrated { on: None });
        }
        next.emigration = Some(e);
    }
    if kept.is_some() {
        if differs(base.name, seen.name) {
            changes.push(Change::NameChanged);
        }
        if differs(base.birth_date, seen.birth_date) {
            changes.push(Change::BirthDateChanged);
        }
        if let (Some(old), Some(new)) = (&base.citizenships, &seen.citizenships) {
            let added: Vec<String> =
                new.iter().filter(|(h, _)| !old.contains(h)).map(|(_, code)| code.clone()).collect();
            let removed: Vec<Digest> =
                old.iter().copied().filter(|h| !new.iter().any(|(n, _)| n == h)).collect();
            if !added.is_empty() || !removed.is_empty() {
                changes.push(Change::CitizenshipChanged { added, removed });
            }
        }
    }
    next.name = seen.name.or(base.name);
    next.birth_date = seen.birth_date.or(base.birth_date);
    if let Some(new) = &seen.citizenships {
        let mut set: Vec<Digest> = new.iter().map(|(h, _)| *h).collect();
        set.sort_unstable();
        set.dedup();
        next.citizenships = Some(set);
    }
    (changes, next)
}

/// Whether a given value differs from a kept one (a value given for the first time does not).
fn differs(kept: Option<Digest>, seen: Option<Digest>) -> bool {
    matches!((kept, seen), (Some(k), Some(s)) if k != s)
}

/// The change a deregistration code derives.
fn deregistration_change(d: &Deregistration) -> Change {
    let on = d.on;
    match (d.code.as_str(), &d.new_number) {
        ("UV", _) => Change::Emigrated { on },
        ("AV", _) => Change::Deceased { on },
        ("GN" | "GS", Some(new_number)) => Change::NumberReplaced { on, new_number: new_number.clone() },
        (code, _) => Change::Deregistered { code: code.to_string(), on },
    }
}

/// Reads a Navet date, `YYYYMMDD`, which may be partial: `YYYYMM00` is the first of its month,
/// `YYYY0000` the first of its year, and `00000000` no date at all.
pub fn partial_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let t = text.trim();
    if t.len() != 8 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err("is not a date (8 digits, YYYYMMDD)".into());
    }
    let (y, m, d) = (num(&t[..4]), num(&t[4..6]), num(&t[6..]));
    if y == 0 && m == 0 && d == 0 {
        return Ok(None);
    }
    if m == 0 && d != 0 {
        return Err("is not a date: a day without a month".into());
    }
    NaiveDate::from_ymd_opt(y as i32, m.max(1), d.max(1))
        .map(Some)
        .ok_or_else(|| "is not a date (YYYYMMDD, YYYYMM00 or YYYY0000)".into())
}

fn num(digits: &str) -> u32 {
    digits.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn kept() -> Kept {
        Kept { name: Some(1), birth_date: Some(2), citizenships: Some(vec![10, 11]), ..Kept::empty(7) }
    }

    fn dereg(code: &str, digest: Digest, new_number: Option<&str>) -> Deregistration {
        Deregistration {
            digest,
            code: code.into(),
            on: Some(d("2026-11-03")),
            new_number: new_number.map(|n| PnHash::new(n.into())),
        }
    }

    fn same() -> Observed {
        Observed {
            name: Some(1),
            birth_date: Some(2),
            citizenships: Some(vec![(11, "SE".into()), (10, "FI".into())]),
            ..Observed::default()
        }
    }

    #[test]
    fn a_record_equal_to_the_kept_one_changes_nothing() {
        let (changes, next) = compare(Some(&kept()), 0, &same());
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(next, kept());
    }

    #[test]
    fn a_baseline_derives_only_its_deregistration() {
        let seen = Observed { deregistration: Some(dereg("AV", 5, None)), ..same() };
        let (changes, next) = compare(None, 9, &seen);
        assert_eq!(changes, vec![Change::Deceased { on: Some(d("2026-11-03")) }]);
        assert_eq!((next.salt, next.name, next.deregistration), (9, Some(1), Some(5)));
        assert!(compare(None, 9, &same()).0.is_empty());
    }

    #[test]
    fn each_code_derives_its_kind_and_a_repeat_derives_nothing() {
        let cases = [
            ("UV", None, kinds::EMIGRATED),
            ("AV", None, kinds::DECEASED),
            ("GN", Some("h"), kinds::PERSONAL_NUMBER_REPLACED),
            ("GS", Some("h"), kinds::PERSONAL_NUMBER_REPLACED),
            ("GN", None, kinds::DEREGISTERED),
            ("AN", None, kinds::DEREGISTERED),
            ("FI", None, kinds::DEREGISTERED),
        ];
        for (code, new, kind) in cases {
            let seen = Observed { deregistration: Some(dereg(code, 5, new)), ..same() };
            let (changes, next) = compare(Some(&kept()), 0, &seen);
            assert_eq!(changes.iter().map(Change::kind).collect::<Vec<_>>(), vec![kind], "{code}");
            assert!(compare(Some(&next), 0, &seen).0.is_empty(), "{code} repeated");
        }
    }

    #[test]
    fn a_lifted_deregistration_given_again_derives_again() {
        let seen = Observed { deregistration: Some(dereg("OB", 5, None)), ..same() };
        let (_, deregistered) = compare(Some(&kept()), 0, &seen);
        let (none, back) = compare(Some(&deregistered), 0, &same());
        assert!(none.is_empty());
        assert_eq!(back.deregistration, None);
        assert_eq!(compare(Some(&back), 0, &seen).0.len(), 1);
    }

    #[test]
    fn a_new_emigration_derives_emigrated_once_even_beside_uv() {
        let seen = Observed { emigration: Some(3), ..same() };
        let (changes, next) = compare(Some(&kept()), 0, &seen);
        assert_eq!(changes, vec![Change::Emigrated { on: None }]);
        assert!(compare(Some(&next), 0, &seen).0.is_empty());
        let both = Observed { emigration: Some(4), deregistration: Some(dereg("UV", 5, None)), ..same() };
        assert_eq!(compare(Some(&kept()), 0, &both).0, vec![Change::Emigrated { on: Some(d("2026-11-03")) }]);
    }

    #[test]
    fn name_birth_date_and_citizenship_changes_are_found_with_the_countries() {
        let seen = Observed {
            name: Some(100),
            birth_date: Some(200),
            citizenships: Some(vec![(11, "SE".into()), (12, "NO".into())]),
            ..Observed::default()
        };
        let (changes, next) = compare(Some(&kept()), 0, &seen);
        assert_eq!(
            changes,
            vec![
                Change::NameChanged,
                Change::BirthDateChanged,
                Change::CitizenshipChanged { added: vec!["NO".into()], removed: vec![10] },
            ]
        );
        assert_eq!(next.citizenships, Some(vec![11, 12]));
    }

    #[test]
    fn a_value_not_given_keeps_the_kept_one_and_one_given_first_derives_nothing() {
        let (changes, next) = compare(Some(&kept()), 0, &Observed::default());
        assert!(changes.is_empty());
        assert_eq!(next, kept());
        let blank = Kept::empty(7);
        let (changes, next) = compare(Some(&blank), 0, &same());
        assert!(changes.is_empty());
        assert_eq!(next.name, Some(1));
    }

    #[test]
    fn a_replacing_number_inherits_the_values_not_the_deregistration() {
        let k = Kept { deregistration: Some(5), emigration: Some(6), ..kept() };
        let heir = k.inherited();
        assert_eq!((heir.salt, heir.name, heir.deregistration, heir.emigration), (7, Some(1), None, None));
    }

    #[test]
    fn partial_dates_fall_on_the_first_of_their_month_or_year() {
        assert_eq!(partial_date("20261115"), Ok(Some(d("2026-11-15"))));
        assert_eq!(partial_date("20261100"), Ok(Some(d("2026-11-01"))));
        assert_eq!(partial_date("20260000"), Ok(Some(d("2026-01-01"))));
        assert_eq!(partial_date("00000000"), Ok(None));
        for bad in ["20261340", "2026111", "2026-11-15", "20260015", "abcdefgh", "20260230"] {
            assert!(partial_date(bad).is_err(), "{bad}");
        }
    }
}
