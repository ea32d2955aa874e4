//! Dates and timestamps as row fields serialize and deserialize them
//! (`#[diesel(serialize_as = Day, deserialize_as = Day)]`). On PostgreSQL they are diesel's own
//! binary `date` and `timestamp`; on SQLite they are the same ISO text diesel writes, but
//! written and read without chrono's format-string interpreter, which diesel runs for every
//! value and which cost an import of a million permits more than a second.

use super::any::MultiBackend;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Date, Nullable, Timestamp};
use diesel::sqlite::Sqlite;
use std::fmt::Write;

/// A date column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Date)]
pub struct Day(pub NaiveDate);

/// A nullable date column's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Nullable<Date>)]
pub struct MaybeDay(pub Option<Day>);

/// A timestamp column's value (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Timestamp)]
pub struct Stamp(pub NaiveDateTime);

impl From<NaiveDate> for Day {
    fn from(d: NaiveDate) -> Self {
        Day(d)
    }
}
impl From<Day> for NaiveDate {
    fn from(d: Day) -> Self {
        d.0
    }
}
impl From<Option<NaiveDate>> for MaybeDay {
    fn from(d: Option<NaiveDate>) -> Self {
        MaybeDay(d.map(Day))
    }
}
impl From<MaybeDay> for Option<NaiveDate> {
    fn from(d: MaybeDay) -> Self {
        d.0.map(|d| d.0)
    }
}
impl From<NaiveDateTime> for Stamp {
    fn from(t: NaiveDateTime) -> Self {
        Stamp(t)
    }
}
impl From<Stamp> for NaiveDateTime {
    fn from(t: Stamp) -> Self {
        t.0
    }
}

/// `YYYY-MM-DD`, as chrono's `%Y-%m-%d` writes it.
pub fn write_day(out: &mut String, d: NaiveDate) {
    match u32::try_from(d.year()) {
        Ok(year) if year <= 9999 => {
            push_digits(out, year, 4);
            out.push('-');
            push_digits(out, d.month(), 2);
            out.push('-');
            push_digits(out, d.day(), 2);
        }
        _ => {
            let _ = write!(out, "{}", d.format("%Y-%m-%d"));
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` and the fraction as chrono's `%.f` writes it (none, 3, 6 or 9 digits).
pub fn write_stamp(out: &mut String, t: NaiveDateTime) {
    write_day(out, t.date());
    out.push(' ');
    push_digits(out, t.hour(), 2);
    out.push(':');
    push_digits(out, t.minute(), 2);
    out.push(':');
    push_digits(out, t.second(), 2);
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        return;
    }
    out.push('.');
    if nanos.is_multiple_of(1_000_000) {
        push_digits(out, nanos / 1_000_000, 3);
    } else if nanos.is_multiple_of(1_000) {
        push_digits(out, nanos / 1_000, 6);
    } else {
        push_digits(out, nanos, 9);
    }
}

/// `n` in exactly `width` decimal digits (`n` has no more).
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from_digit(n / 10u32.pow(place) % 10, 10).unwrap_or('0'));
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

/// Reads `YYYY-MM-DD`; anything else is left to chrono.
pub fn parse_day(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let year = i32::try_from(digits(&b[0..4])?).ok()?;
        return NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// Reads what [`write_stamp`] (and diesel before it) writes, with a `T` or a space between
/// date and time; other forms through chrono's `%Y-%m-%d %H:%M:%S%.f`.
pub fn parse_stamp(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() >= 19 && (b[10] == b' ' || b[10] == b'T') && b[13] == b':' && b[16] == b':' {
        let time = |b: &[u8]| {
            let (h, m, sec) = (digits(&b[11..13])?, digits(&b[14..16])?, digits(&b[17..19])?);
            let nanos = match &b[19..] {
                [] => 0,
                [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
                    digits(frac)? * 10u32.pow(9 - u32::try_from(frac.len()).ok()?)
                }
                _ => return None,
            };
            parse_day(s.get(..10)?)?.and_hms_nano_opt(h, m, sec, nanos)
        };
        if let Some(t) = time(b) {
            return Some(t);
        }
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// SQLite text in and out through the fast writer and reader; PostgreSQL and the
/// MultiBackend through diesel's own encodings.
macro_rules! text_on_sqlite {
    ($wrapper:ident, $sql:ty, $write:path, $parse:path, $what:literal) => {
        impl ToSql<$sql, Sqlite> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                let mut text = String::with_capacity(26);
                $write(&mut text, self.0);
                out.set_value(text);
                Ok(IsNull::No)
            }
        }
        impl FromSql<$sql, Sqlite> for $wrapper {
            fn from_sql(mut value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = value.read_text();
                $parse(text).map($wrapper).ok_or_else(|| format!("not a {}: {text:?}", $what).into())
            }
        }
        impl ToSql<$sql, Pg> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                ToSql::<$sql, Pg>::to_sql(&self.0, out)
            }
        }
        impl FromSql<$sql, Pg> for $wrapper {
            fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                FromSql::<$sql, Pg>::from_sql(value).map($wrapper)
            }
        }
        impl ToSql<$sql, MultiBackend> for $wrapper {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((<$sql>::default(), self));
                Ok(IsNull::No)
            }
        }
        impl FromSql<$sql, MultiBackend> for $wrapper {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                bytes.from_sql::<$wrapper, $sql>()
            }
        }
    };
}

text_on_sqlite!(Day, Date, write_day, parse_day, "date");
text_on_sqlite!(Stamp, Timestamp, write_stamp, parse_stamp, "timestamp");

/// `MaybeDay` is `Option<Day>` for every backend: NULL or the date.
macro_rules! nullable_day {
    ($($db:ty),*) => {$(
        impl ToSql<Nullable<Date>, $db> for MaybeDay {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, $db>) -> serialize::Result {
                match &self.0 {
                    Some(day) => ToSql::<Date, $db>::to_sql(day, out),
                    None => Ok(IsNull::Yes),
                }
            }
        }
        impl FromSql<Nullable<Date>, $db> for MaybeDay {
            fn from_sql(value: <$db as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                FromSql::<Date, $db>::from_sql(value).map(|d| MaybeDay(Some(d)))
            }
            fn from_nullable_sql(value: Option<<$db as Backend>::RawValue<'_>>) -> deserialize::Result<Self> {
                value.map_or(Ok(MaybeDay(None)), <Self as FromSql<Nullable<Date>, $db>>::from_sql)
            }
        }
    )*};
}

nullable_day!(Sqlite, Pg, MultiBackend);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn reads_other_forms_through_chrono() {
        assert_eq!(parse_day("2026-1-5"), Some(day("2026-01-05")));
        assert_eq!(parse_day("2026-02-30"), None);
        assert_eq!(parse_stamp("2026-11-23T07:00:00"), Some(day("2026-11-23").and_hms_opt(7, 0, 0).unwrap()));
        assert_eq!(parse_stamp("2026-11-23 07:00"), None);
        assert_eq!(parse_stamp("2026-11-23 07:00:00.x"), None);
    }

    proptest! {
        /// The text is chrono's (what diesel wrote before), and it reads back unchanged.
        #[test]
        fn writes_what_chrono_writes(days in 0i32..3_000_000, secs in 0u32..86_400, nanos in 0u32..1_000_000_000, scale in 0usize..4) {
            let nanos = [0, nanos / 1_000_000 * 1_000_000, nanos / 1_000 * 1_000, nanos][scale];
            let d = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            let t = d.and_hms_nano_opt(secs / 3600, secs / 60 % 60, secs % 60, nanos).unwrap();
            let (mut ds, mut ts) = (String::new(), String::new());
            write_day(&mut ds, d);
            write_stamp(&mut ts, t);
            prop_assert_eq!(&ds, &d.format("%Y-%m-%d").to_string());
            prop_assert_eq!(&ts, &t.format("%Y-%m-%d %H:%M:%S%.f").to_string());
            prop_assert_eq!(parse_day(&ds), Some(d));
            prop_assert_eq!(parse_stamp(&ts), Some(t));
        }
    }
}
