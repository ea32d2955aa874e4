//! The calendar the rules count in: "today" in the schedule's time zone, ISO weeks (the
//! capacity period), and the `YYYY-MM-DD` dates every input file and output uses
//! (docs/REFERENCE.md §2).

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

/// The date of the instant `now` in `tz`: the "today" every rule is a function of.
pub fn today_in(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// Reads a date written `YYYY-MM-DD` (and the shorter forms chrono's `%Y-%m-%d` accepts, such
/// as `2026-1-5`). The common form is read by hand: an import of a million permits reads two
/// million dates, and chrono's format interpreter cost it about a second.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let year = i32::try_from(digits(&b[0..4])?).ok()?;
        return NaiveDate::from_ymd_opt(year, digits(&b[5..7])?, digits(&b[8..10])?);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The number written by ASCII digits `b`, or `None` if any byte is not a digit.
pub fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

/// The Monday and Sunday of the ISO week holding `date`.
pub fn iso_week_bounds(date: NaiveDate) -> (NaiveDate, NaiveDate) {
    let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
    (monday, monday + Days::new(6))
}

/// The ISO week as `2027-W03` (the ISO year, which differs from the calendar year around New Year).
pub fn week_label(date: NaiveDate) -> String {
    let w = date.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// The Monday of ISO week `week` of ISO year `year`.
pub fn monday_of(year: i32, week: u32) -> Option<NaiveDate> {
    NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn today_is_the_local_date() {
        let t: DateTime<Utc> = "2026-12-31T23:30:00Z".parse().unwrap();
        assert_eq!(today_in(t, chrono_tz::Europe::Stockholm), d("2027-01-01"));
        assert_eq!(today_in(t, chrono_tz::UTC), d("2026-12-31"));
    }

    #[test]
    fn dates_are_read_in_the_iso_form_and_checked() {
        assert_eq!(parse_date("2026-11-23"), Some(d("2026-11-23")));
        assert_eq!(parse_date("2026-1-5"), Some(d("2026-01-05")));
        for bad in ["2026-02-30", "2026-13-01", "23/11/2026", "", "2026-11-2x", "２０２６-11-23"] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn iso_weeks_cross_the_year_boundary() {
        // 2026-12-31 is a Thursday of 2026-W53; 2027-01-03 a Sunday of the same week.
        assert_eq!(week_label(d("2026-12-31")), "2026-W53");
        assert_eq!(week_label(d("2027-01-03")), "2026-W53");
        assert_eq!(week_label(d("2027-01-04")), "2027-W01");
        assert_eq!(iso_week_bounds(d("2027-01-01")), (d("2026-12-28"), d("2027-01-03")));
        // 2024-12-30 (Monday) belongs to 2025-W01.
        assert_eq!(week_label(d("2024-12-30")), "2025-W01");
        assert_eq!(monday_of(2025, 1), Some(d("2024-12-30")));
    }
}
