//! A forecast's figures: the days of a replay summed into ISO weeks per unit, and the summary a
//! policy officer reads first — tasks over the period, the peak backlog, and the week from
//! which the backlog stops growing (docs/REFERENCE.md §7).

use super::calendar::iso_week_bounds;
use super::forecast::Day;
use super::keys::UnitKey;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One unit's figures for one ISO week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekFigures {
    /// The Monday of the week.
    pub week: NaiveDate,
    /// Periodic tasks created in the week (within the period).
    pub created: u32,
    /// Due reviews deferred by capacity at the week's end (or the period's, in its last week).
    pub backlog: u32,
}

/// A unit's weeks, in order.
pub type UnitWeeks = BTreeMap<UnitKey, Vec<WeekFigures>>;

/// Sums `days` (in order, one a day) into weeks for every unit of `units` and every unit that
/// appears in them; every unit gets every week of the period, zeros included.
pub fn by_week<'d>(units: &[UnitKey], days: impl IntoIterator<Item = (NaiveDate, &'d Day)>) -> UnitWeeks {
    let mut out: UnitWeeks = units.iter().map(|u| (u.clone(), Vec::new())).collect();
    let mut weeks: Vec<NaiveDate> = Vec::new();
    for (date, day) in days {
        let monday = iso_week_bounds(date).0;
        if weeks.last() != Some(&monday) {
            weeks.push(monday);
            for figures in out.values_mut() {
                figures.push(WeekFigures { week: monday, created: 0, backlog: 0 });
            }
        }
        for unit in day.created.keys().chain(day.backlog.keys()) {
            if !out.contains_key(unit) {
                let zeros = weeks.iter().map(|w| WeekFigures { week: *w, created: 0, backlog: 0 }).collect();
                out.insert(unit.clone(), zeros);
            }
        }
        for (unit, figures) in out.iter_mut() {
            let Some(this_week) = figures.last_mut() else { continue };
            this_week.created += day.created.get(unit).copied().unwrap_or(0);
            this_week.backlog = day.backlog.get(unit).copied().unwrap_or(0);
        }
    }
    out
}

/// What a unit's weeks add up to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Periodic tasks over the whole period.
    pub created: u64,
    /// The largest backlog at any week's end.
    pub peak_backlog: u32,
    /// The first week from which the backlog never rises again; `None` ("never") when it
    /// still rises in the period's last week.
    pub stops_growing: Option<NaiveDate>,
}

/// Sums a unit's weeks.
pub fn summary(weeks: &[WeekFigures]) -> Summary {
    let created = weeks.iter().map(|w| u64::from(w.created)).sum();
    let peak_backlog = weeks.iter().map(|w| w.backlog).max().unwrap_or(0);
    // Walk back from the end while the backlog does not rise into the next week.
    let mut from = weeks.len();
    while from > 1 && weeks[from - 1].backlog <= weeks[from - 2].backlog {
        from -= 1;
    }
    let rises_at_the_end =
        weeks.len() >= 2 && weeks[weeks.len() - 1].backlog > weeks[weeks.len() - 2].backlog;
    let stops_growing =
        if rises_at_the_end { None } else { weeks.get(from.saturating_sub(1)).map(|w| w.week) };
    Summary { created, peak_backlog, stops_growing }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn weeks(backlogs: &[u32]) -> Vec<WeekFigures> {
        backlogs
            .iter()
            .enumerate()
            .map(|(i, b)| WeekFigures {
                week: d("2027-01-04") + chrono::Days::new(7 * i as u64),
                created: 1,
                backlog: *b,
            })
            .collect()
    }

    #[test]
    fn days_add_up_to_iso_weeks_and_the_backlog_is_the_weeks_last() {
        let day = |c: u32, b: u32| Day {
            created: BTreeMap::from([("study".into(), c)]),
            backlog: BTreeMap::from([("study".into(), b)]),
        };
        let (sat, sun, mon) = (day(2, 5), day(1, 4), day(3, 0));
        let days = [(d("2027-01-02"), &sat), (d("2027-01-03"), &sun), (d("2027-01-04"), &mon)];
        let out = by_week(&["study".into(), "work".into()], days);
        assert_eq!(
            out["study"],
            [
                WeekFigures { week: d("2026-12-28"), created: 3, backlog: 4 },
                WeekFigures { week: d("2027-01-04"), created: 3, backlog: 0 }
            ]
        );
        assert_eq!(
            out["work"].iter().map(|w| w.created + w.backlog).sum::<u32>(),
            0,
            "every unit, zeros included"
        );
    }

    #[test]
    fn the_backlog_stops_growing_where_it_never_rises_again() {
        assert_eq!(summary(&weeks(&[0, 0, 0])).stops_growing, Some(d("2027-01-04")));
        assert_eq!(summary(&weeks(&[1, 3, 5, 5, 4])).stops_growing, Some(d("2027-01-18")));
        assert_eq!(summary(&weeks(&[1, 3, 2, 6])).stops_growing, None, "still rising: never");
        let s = summary(&weeks(&[1, 9, 2]));
        assert_eq!((s.created, s.peak_backlog, s.stops_growing), (3, 9, Some(d("2027-01-11"))));
    }
}
