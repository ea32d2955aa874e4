//! When a six-field cron expression fires in a time zone (docs/REFERENCE.md §7.6): a pure
//! function of the expression, the zone and the instant after which to look.
//!
//! The expression is read in local time, and the local time is followed across changes of the
//! zone's UTC offset: `0 0 7 * * *` fires at 07:00 in winter and in summer. Where local time
//! repeats (the last Sunday of October in Stockholm, 02:00–03:00 twice), a schedule at fixed
//! times (one second, minute and hour, such as `0 30 2 * * *`) fires once, in the first pass of
//! the hour; a schedule with a wildcard or a step in the time (`0 */15 * * * *`) fires in both
//! passes, so every quarter of an hour of real time gets its tick, none twice. Where local time
//! skips (the last Sunday of March, 02:00–03:00 never happens) a fixed time in the gap fires at
//! 03:00, and an interval schedule goes on after the gap.
//!
//! croner reads a pattern in a zone, but its search walks local wall-clock time, which leaves
//! out the second pass of a repeated hour and, started inside that pass, can answer an instant
//! in the past; so interval schedules are searched here in the fixed offsets the zone passes
//! through, from one offset change to the next.

use chrono::{DateTime, FixedOffset, LocalResult, Offset, SubsecRound, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

/// The longest a search may look ahead: a pattern that matches nothing within it (such as
/// 31 February) never fires.
const HORIZON: TimeDelta = TimeDelta::days(5 * 366);

/// A parsed six-field cron expression (seconds first).
#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: Cron,
    fixed_time: bool,
    text: String,
}

impl CronSchedule {
    /// Reads `sec min hour day-of-month month day-of-week`; the message says what is wrong.
    pub fn parse(expr: &str) -> Result<CronSchedule, String> {
        if expr.split_whitespace().count() != 6 {
            return Err(format!("{expr:?} must have 6 fields (sec min hour day month weekday)"));
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Required)
            .dom_and_dow(true)
            .build()
            .parse(expr)
            .map_err(|e| format!("invalid cron expression {expr:?}: {e}"))?;
        let fixed_time = cron.determine_job_type() == croner::JobType::FixedTime;
        Ok(CronSchedule { cron, fixed_time, text: expr.to_string() })
    }

    /// The expression as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first instant strictly after `after` at which the schedule fires in `tz`, or `None`
    /// when it never fires again within five years.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.fixed_time {
            self.next_fixed(tz, after)
        } else {
            self.next_interval(tz, after)
        }
    }

    /// croner's own rule for fixed times (once in a repeated hour, snapped past a gap), kept
    /// from answering an instant that is not after `after` (it can, from inside the repeat).
    fn next_fixed(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut from = after.with_timezone(&tz);
        while from.with_timezone(&Utc) - after < HORIZON {
            let found = self.cron.find_next_occurrence(&from, false).ok()?.with_timezone(&Utc);
            if found > after {
                return Some(found);
            }
            from = (found + TimeDelta::seconds(1)).with_timezone(&tz);
        }
        None
    }

    /// The first instant after `after` whose local time in `tz` matches: searched in the offset
    /// in force, and where the offset changes before the match, again from the change, in the
    /// offset that follows it.
    fn next_interval(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut start = after.trunc_subsecs(0) + TimeDelta::seconds(1);
        loop {
            let offset = offset_at(tz, start);
            let found =
                self.cron.find_next_occurrence(&start.with_timezone(&offset), true).ok()?.with_timezone(&Utc);
            if found - after > HORIZON {
                return None;
            }
            match first_change(tz, start, found, offset) {
                None => return Some(found),
                Some(change) => start = change,
            }
        }
    }
}

/// The zone's UTC offset at `at`.
pub fn offset_at(tz: Tz, at: DateTime<Utc>) -> FixedOffset {
    tz.offset_from_utc_datetime(&at.naive_utc()).fix()
}

/// The first instant in `(start, end]` whose offset is not `offset` (the offset at `start`), to
/// the second. Probed hourly: zones never change twice within an hour.
fn first_change(
    tz: Tz,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    offset: FixedOffset,
) -> Option<DateTime<Utc>> {
    let (mut lo, mut t) = (start.timestamp(), start);
    let mut hi = loop {
        if t >= end {
            return None;
        }
        t = (t + TimeDelta::hours(1)).min(end);
        if offset_at(tz, t) != offset {
            break t.timestamp();
        }
        lo = t.timestamp();
    };
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        match DateTime::from_timestamp(mid, 0) {
            Some(m) if offset_at(tz, m) == offset => lo = mid,
            _ => hi = mid,
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// Whether `at` is the later of two instants with the same local time in `tz` (the second pass
/// through a repeated hour).
pub fn is_repeated_local_time(tz: Tz, at: DateTime<Utc>) -> bool {
    let local = at.with_timezone(&tz).naive_local();
    matches!(tz.from_local_datetime(&local), LocalResult::Ambiguous(_, later) if later.with_timezone(&Utc) == at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Stockholm;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn fires(expr: &str, from: &str, to: &str) -> Vec<DateTime<Utc>> {
        let schedule = CronSchedule::parse(expr).unwrap();
        let (mut at, to) = (utc(from), utc(to));
        let mut out = Vec::new();
        while let Some(next) = schedule.next_after(Stockholm, at).filter(|n| *n <= to) {
            out.push(next);
            at = next;
        }
        out
    }

    #[test]
    fn a_seven_oclock_digest_stays_at_seven_across_the_march_2027_change() {
        let got = fires("0 0 7 * * *", "2027-03-26T12:00:00Z", "2027-03-30T12:00:00Z");
        let want: Vec<_> =
            ["2027-03-27T06:00:00Z", "2027-03-28T05:00:00Z", "2027-03-29T05:00:00Z", "2027-03-30T05:00:00Z"]
                .into_iter()
                .map(utc)
                .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn a_seven_oclock_digest_stays_at_seven_across_the_october_2027_change() {
        let got = fires("0 0 7 * * *", "2027-10-29T12:00:00Z", "2027-11-02T12:00:00Z");
        let want: Vec<_> =
            ["2027-10-30T05:00:00Z", "2027-10-31T06:00:00Z", "2027-11-01T06:00:00Z", "2027-11-02T06:00:00Z"]
                .into_iter()
                .map(utc)
                .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn the_weekday_digest_skips_the_weekend_of_each_change() {
        // Friday 26 March 2027 07:00 CET, then Monday 29 March 07:00 CEST.
        assert_eq!(
            fires("0 0 7 * * Mon-Fri", "2027-03-26T05:00:00Z", "2027-03-29T23:00:00Z"),
            vec![utc("2027-03-26T06:00:00Z"), utc("2027-03-29T05:00:00Z")]
        );
        // Friday 29 October 2027 07:00 CEST, then Monday 1 November 07:00 CET.
        assert_eq!(
            fires("0 0 7 * * Mon-Fri", "2027-10-29T04:00:00Z", "2027-11-01T23:00:00Z"),
            vec![utc("2027-10-29T05:00:00Z"), utc("2027-11-01T06:00:00Z")]
        );
    }

    fn every_quarter(from: &str, count: usize) -> Vec<DateTime<Utc>> {
        (0..count).map(|k| utc(from) + TimeDelta::minutes(15 * i64::try_from(k).unwrap())).collect()
    }

    #[test]
    fn a_quarter_hour_tick_loses_none_and_doubles_none_in_the_repeated_hour() {
        // 02:00–03:00 happens twice on 31 October 2027: 00:00–01:00 UTC in summer time, then
        // 01:00–02:00 UTC in winter time. Every quarter of an hour of real time ticks once.
        let got = fires("0 */15 * * * *", "2027-10-30T23:50:00Z", "2027-10-31T02:20:00Z");
        assert_eq!(got, every_quarter("2027-10-31T00:00:00Z", 10));
    }

    #[test]
    fn a_quarter_hour_tick_goes_on_across_the_skipped_hour() {
        // 02:00–03:00 never happens on 28 March 2027: 01:45 CET is followed by 03:00 CEST.
        let got = fires("0 */15 * * * *", "2027-03-28T00:20:00Z", "2027-03-28T02:05:00Z");
        assert_eq!(got, every_quarter("2027-03-28T00:30:00Z", 7));
    }

    #[test]
    fn started_inside_the_repeated_hour_the_next_tick_is_in_the_future() {
        // 02:10 CET, the second pass: the next quarter is 02:15 CET, not 02:15 CEST (past).
        let schedule = CronSchedule::parse("0 */15 * * * *").unwrap();
        assert_eq!(
            schedule.next_after(Stockholm, utc("2027-10-31T01:10:00Z")),
            Some(utc("2027-10-31T01:15:00Z"))
        );
        let fixed = CronSchedule::parse("0 30 2 * * *").unwrap();
        assert_eq!(
            fixed.next_after(Stockholm, utc("2027-10-31T01:20:00Z")),
            Some(utc("2027-11-01T01:30:00Z"))
        );
    }

    #[test]
    fn a_fixed_time_in_the_repeated_hour_fires_once_and_one_in_the_gap_fires_after_it() {
        let got = fires("0 30 2 * * *", "2027-10-30T12:00:00Z", "2027-11-01T12:00:00Z");
        assert_eq!(got, vec![utc("2027-10-31T00:30:00Z"), utc("2027-11-01T01:30:00Z")]);
        assert!(is_repeated_local_time(Stockholm, utc("2027-10-31T01:30:00Z")));
        assert!(!is_repeated_local_time(Stockholm, utc("2027-10-31T00:30:00Z")));
        let got = fires("0 30 2 * * *", "2027-03-27T12:00:00Z", "2027-03-29T12:00:00Z");
        assert_eq!(got, vec![utc("2027-03-28T01:00:00Z"), utc("2027-03-29T00:30:00Z")]);
    }

    #[test]
    fn a_pattern_that_never_matches_never_fires() {
        let never = CronSchedule::parse("0 0 0 31 2 *").unwrap();
        assert_eq!(never.next_after(Stockholm, utc("2027-01-01T00:00:00Z")), None);
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        assert!(CronSchedule::parse("0 7 * * *").unwrap_err().contains("6 fields"));
        assert!(CronSchedule::parse("0 0 25 * * *").unwrap_err().contains("invalid cron expression"));
    }
}
