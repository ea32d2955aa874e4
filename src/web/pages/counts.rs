//! The inbox's counts of open and overdue tasks by unit, as last counted. Counting reads every
//! open task of every unit (on PostgreSQL a scan of `tasks` until autovacuum lets an index-only
//! scan do it), which made the counts most of an inbox page's time; a page now takes the counts
//! of a page shown in the last [`FRESH_FOR`], unless a task changed through this server since
//! they were read (any request that is not a GET or HEAD and was not refused), or the day
//! turned. A change made elsewhere — the daemon's tick, another instance, the command line —
//! shows within [`FRESH_FOR`]. The list of tasks itself is always read anew. Which units a
//! caller sees is decided per request, from the full counts, by the one rule.

use crate::domain::keys::UnitKey;
use crate::storage::gauges::OpenTasks;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long counts serve pages before they are read again: short enough that a tick's tasks
/// appear while a manager is still looking, long enough that a busy morning counts once per
/// many pages.
pub const FRESH_FOR: Duration = Duration::from_secs(10);

/// Open and overdue tasks of every unit that has any.
pub type AllCounts = Arc<BTreeMap<UnitKey, OpenTasks>>;

/// The counts last read, and the changes through this server since.
#[derive(Default)]
pub struct RecentCounts {
    last: Mutex<Option<Counted>>,
    changes: AtomicU64,
}

struct Counted {
    read_at: Instant,
    today: NaiveDate,
    changes: u64,
    counts: AllCounts,
}

/// What a page must do before it has counts: nothing, or read them and [`RecentCounts::keep`]
/// them with this ticket.
pub enum Recent {
    /// Counts still fresh.
    Fresh(AllCounts),
    /// Counts to be read; the ticket says what they reflect.
    Stale(Ticket),
}

/// When and after how many changes a reading began: counts read after a change that came in
/// while they were being read are never taken for newer than that change.
#[derive(Debug, Clone, Copy)]
pub struct Ticket {
    began: Instant,
    today: NaiveDate,
    changes: u64,
}

impl RecentCounts {
    /// The counts for a page on `today` at `now`, if fresh.
    pub fn get(&self, today: NaiveDate, now: Instant) -> Recent {
        let changes = self.changes.load(Ordering::SeqCst);
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match last.as_ref() {
            Some(c)
                if c.today == today && c.changes == changes && now.duration_since(c.read_at) < FRESH_FOR =>
            {
                Recent::Fresh(c.counts.clone())
            }
            _ => Recent::Stale(Ticket { began: now, today, changes }),
        }
    }

    /// Keeps counts read under `ticket` for the pages that follow, unless newer ones are kept.
    pub fn keep(&self, ticket: Ticket, counts: AllCounts) {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if last.as_ref().is_some_and(|c| c.read_at > ticket.began && c.changes >= ticket.changes) {
            return;
        }
        *last = Some(Counted { read_at: ticket.began, today: ticket.today, changes: ticket.changes, counts });
    }

    /// Says that a task may have changed: the next page counts again.
    pub fn changed(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }
}

/// A request that may change a task (any but GET and HEAD), from before it runs: when it goes,
/// the next page counts again, unless the request was refused (a status of 400–499, which
/// changes nothing). A request cut off before its answer (its client gone) may have written,
/// so it counts as a change — though its write, finishing on a blocking thread, may commit
/// after a page has counted again; such a page's counts are then behind for [`FRESH_FOR`] at
/// most, as after a change made elsewhere. Refusals, which anyone may send, keep the counts.
pub struct MayChange<'a> {
    counts: &'a RecentCounts,
    refused: bool,
}

impl<'a> MayChange<'a> {
    /// A request under way.
    pub fn new(counts: &'a RecentCounts) -> Self {
        MayChange { counts, refused: false }
    }

    /// The request was answered with `status`.
    pub fn answered(mut self, status: axum::http::StatusCode) {
        self.refused = status.is_client_error();
    }
}

impl Drop for MayChange<'_> {
    fn drop(&mut self) {
        if !self.refused {
            self.counts.changed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn some_counts(open: u64) -> AllCounts {
        let unit = UnitKey::parse("study").unwrap();
        Arc::new(BTreeMap::from([(unit, OpenTasks { open, overdue: 0 })]))
    }

    fn ticket(r: Recent) -> Ticket {
        match r {
            Recent::Stale(t) => t,
            Recent::Fresh(_) => panic!("counts were fresh"),
        }
    }

    fn fresh(r: Recent) -> AllCounts {
        match r {
            Recent::Fresh(c) => c,
            Recent::Stale(_) => panic!("counts were stale"),
        }
    }

    #[test]
    fn counts_serve_pages_until_they_are_older_than_their_time() {
        let (recent, t0) = (RecentCounts::default(), Instant::now());
        let t = ticket(recent.get(day("2027-01-10"), t0));
        recent.keep(t, some_counts(3));
        assert_eq!(fresh(recent.get(day("2027-01-10"), t0 + Duration::from_secs(9))), some_counts(3));
        ticket(recent.get(day("2027-01-10"), t0 + FRESH_FOR));
    }

    #[test]
    fn a_change_through_the_server_or_a_new_day_counts_again() {
        let (recent, t0) = (RecentCounts::default(), Instant::now());
        recent.keep(ticket(recent.get(day("2027-01-10"), t0)), some_counts(3));
        ticket(recent.get(day("2027-01-11"), t0));
        recent.changed();
        ticket(recent.get(day("2027-01-10"), t0));
    }

    #[test]
    fn counts_read_while_a_task_changed_are_not_taken_for_after_the_change() {
        let (recent, t0) = (RecentCounts::default(), Instant::now());
        let t = ticket(recent.get(day("2027-01-10"), t0));
        recent.changed();
        recent.keep(t, some_counts(3));
        ticket(recent.get(day("2027-01-10"), t0 + Duration::from_secs(1)));
    }

    #[test]
    fn an_older_reading_finishing_last_does_not_replace_a_newer_one() {
        let (recent, t0) = (RecentCounts::default(), Instant::now());
        let old = ticket(recent.get(day("2027-01-10"), t0));
        let new = ticket(recent.get(day("2027-01-10"), t0 + Duration::from_secs(1)));
        recent.keep(new, some_counts(4));
        recent.keep(old, some_counts(3));
        assert_eq!(fresh(recent.get(day("2027-01-10"), t0 + Duration::from_secs(2))), some_counts(4));
    }

    #[test]
    fn a_refused_request_keeps_the_counts_and_any_other_or_one_cut_off_counts_again() {
        use axum::http::StatusCode;
        let (recent, t0, today) = (RecentCounts::default(), Instant::now(), day("2027-01-10"));
        let kept = || {
            recent.keep(ticket(recent.get(today, t0)), some_counts(3));
        };
        kept();
        for refused in [
            StatusCode::UNAUTHORIZED,
            StatusCode::NOT_FOUND,
            StatusCode::METHOD_NOT_ALLOWED,
            StatusCode::PAYLOAD_TOO_LARGE,
        ] {
            MayChange::new(&recent).answered(refused);
            assert_eq!(fresh(recent.get(today, t0)), some_counts(3), "{refused}");
        }
        for answered in [StatusCode::OK, StatusCode::SEE_OTHER, StatusCode::INTERNAL_SERVER_ERROR] {
            MayChange::new(&recent).answered(answered);
            ticket(recent.get(today, t0));
            kept();
        }
        // Cut off: the handler's future dropped before an answer.
        drop(MayChange::new(&recent));
        ticket(recent.get(today, t0));
    }
}
