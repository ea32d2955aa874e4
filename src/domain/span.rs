//! Calendar durations: a pair (months, days), as docs/REFERENCE.md §2 defines them.
//!
//! A `Span` is not a `std::time::Duration`: "1 month" after 31 January is 28 February, so months
//! are calendar arithmetic, applied before days.

use chrono::{Days, Months, NaiveDate};
use std::fmt;

/// A calendar duration of whole months and days (a year is 12 months, a week 7 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Calendar months, added first (clamping the day to the month's end).
    pub months: u32,
    /// Days, added after the months.
    pub days: u32,
}

/// Why a duration could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {text:?}: {why} (write e.g. \"14 days\", \"6 months\" or \"1 year 6 months\")")]
pub struct SpanError {
    text: String,
    why: &'static str,
}

impl Span {
    /// `months` months and `days` days.
    pub const fn new(months: u32, days: u32) -> Self {
        Span { months, days }
    }

    /// Reads `N days`, `N weeks`, `N months`, `N years` and sums of them such as `1 year 6 months`.
    pub fn parse(text: &str) -> Result<Span, SpanError> {
        let fail = |why| SpanError { text: text.to_string(), why };
        let mut words = text.split_whitespace();
        let mut span = Span::default();
        let mut terms = 0;
        while let Some(number) = words.next() {
            let n: u32 = number.parse().map_err(|_| fail("expected a whole number"))?;
            let unit = words.next().ok_or_else(|| fail("a number needs a unit"))?;
            let (months, days) = match unit.to_ascii_lowercase().as_str() {
                "day" | "days" => (0, n),
                "week" | "weeks" => (0, n.checked_mul(7).ok_or_else(|| fail("too large"))?),
                "month" | "months" => (n, 0),
                "year" | "years" => (n.checked_mul(12).ok_or_else(|| fail("too large"))?, 0),
                _ => return Err(fail("the unit must be days, weeks, months or years")),
            };
            span.months = span.months.checked_add(months).ok_or_else(|| fail("too large"))?;
            span.days = span.days.checked_add(days).ok_or_else(|| fail("too large"))?;
            terms += 1;
        }
        if terms == 0 {
            return Err(fail("it is empty"));
        }
        Ok(span)
    }

    /// True for `0 days`.
    pub fn is_zero(self) -> bool {
        self.months == 0 && self.days == 0
    }

    /// `self + k * other`, months and days summed separately (each occasion is computed in one step, docs/REFERENCE.md §4).
    pub fn plus_times(self, k: u32, other: Span) -> Option<Span> {
        Some(Span {
            months: self.months.checked_add(k.checked_mul(other.months)?)?,
            days: self.days.checked_add(k.checked_mul(other.days)?)?,
        })
    }

    /// `date + self`: months first, clamping the day, then days. `None` past chrono's range.
    pub fn after(self, date: NaiveDate) -> Option<NaiveDate> {
        date.checked_add_months(Months::new(self.months))?.checked_add_days(Days::new(u64::from(self.days)))
    }

    /// `date - self`: months first, clamping the day, then days.
    pub fn before(self, date: NaiveDate) -> Option<NaiveDate> {
        date.checked_sub_months(Months::new(self.months))?.checked_sub_days(Days::new(u64::from(self.days)))
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let (years, months) = (self.months / 12, self.months % 12);
        if years > 0 {
            parts.push(format!("{years} year{}", if years == 1 { "" } else { "s" }));
        }
        if months > 0 {
            parts.push(format!("{months} month{}", if months == 1 { "" } else { "s" }));
        }
        if self.days > 0 || parts.is_empty() {
            let d = self.days;
            parts.push(format!("{d} day{}", if d == 1 { "" } else { "s" }));
        }
        f.write_str(&parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn parses_every_unit_and_sums() {
        assert_eq!(Span::parse("14 days"), Ok(Span::new(0, 14)));
        assert_eq!(Span::parse("1 day"), Ok(Span::new(0, 1)));
        assert_eq!(Span::parse("2 weeks"), Ok(Span::new(0, 14)));
        assert_eq!(Span::parse("6 months"), Ok(Span::new(6, 0)));
        assert_eq!(Span::parse("1 year 6 months"), Ok(Span::new(18, 0)));
        assert_eq!(Span::parse("1 year 2 weeks 3 days"), Ok(Span::new(12, 17)));
        assert_eq!(Span::parse("0 days"), Ok(Span::new(0, 0)));
    }

    #[test]
    fn rejects_what_is_not_a_duration() {
        for bad in ["", "six months", "6", "6 fortnights", "-1 days", "P30D", "1.5 years"] {
            assert!(Span::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let message = Span::parse("6 fortnights").unwrap_err().to_string();
        assert!(message.contains("6 fortnights") && message.contains("unit"), "{message}");
    }

    #[test]
    fn adding_a_month_to_the_31st_clamps_to_the_months_end() {
        assert_eq!(Span::new(1, 0).after(d("2027-01-31")), Some(d("2027-02-28")));
        assert_eq!(Span::new(1, 0).after(d("2028-01-31")), Some(d("2028-02-29")));
        assert_eq!(Span::new(2, 0).after(d("2027-01-31")), Some(d("2027-03-31")));
        assert_eq!(Span::new(12, 0).after(d("2028-02-29")), Some(d("2029-02-28")));
    }

    #[test]
    fn months_are_added_before_days() {
        // 2027-01-31 + 1 month = 2027-02-28, + 1 day = 2027-03-01 (not 2027-02-28 + ... from Feb 1).
        assert_eq!(Span::new(1, 1).after(d("2027-01-31")), Some(d("2027-03-01")));
        assert_eq!(Span::new(1, 1).before(d("2027-03-31")), Some(d("2027-02-27")));
    }

    #[test]
    fn displays_in_the_words_it_reads() {
        assert_eq!(Span::new(18, 0).to_string(), "1 year 6 months");
        assert_eq!(Span::new(0, 14).to_string(), "14 days");
        assert_eq!(Span::new(0, 0).to_string(), "0 days");
        assert_eq!(Span::parse(&Span::new(25, 3).to_string()), Ok(Span::new(25, 3)));
    }
}
