//! Policy: what each ground, unit and signal kind asks for, and what digests show. Built once
//! from the configuration (see `settings`), then read by every rule; nothing here knows where
//! it came from.

use super::case_url::CaseUrl;
use super::keys::{GroundKey, UnitKey};
use super::span::Span;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How urgent a task is. Digests list `high` first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// Before everything else.
    Urgent,
    /// Signals that suggest revocation.
    High,
    /// Periodic reviews.
    Normal,
    /// Whenever there is time.
    Low,
}

impl Priority {
    /// Every priority, the most urgent first.
    pub const ALL: [Priority; 4] = [Priority::Urgent, Priority::High, Priority::Normal, Priority::Low];

    /// The word used in configuration, storage and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
            Priority::Low => "low",
        }
    }
}

impl FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "urgent" => Ok(Priority::Urgent),
            "high" => Ok(Priority::High),
            "normal" => Ok(Priority::Normal),
            "low" => Ok(Priority::Low),
            other => Err(format!("unknown priority {other:?} (urgent, high, normal or low)")),
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The follow-up policy of one ground (`[grounds.G]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroundPolicy {
    /// From `valid_from` to the first review occasion.
    pub first_review_after: Span,
    /// Between occasions; never zero.
    pub review_every: Span,
    /// How long before an occasion its task is created.
    pub lead_time: Span,
    /// The unit that reviews permits of this ground unless a permit names another.
    pub unit: UnitKey,
    /// Priority of periodic review tasks.
    pub priority: Priority,
    /// The law the review rests on, e.g. `UtlL 7 kap. 3 §`.
    pub legal_basis: String,
}

impl GroundPolicy {
    /// A fingerprint of what decides review dates: when it changes, stored due dates are recomputed.
    pub fn schedule_fingerprint(&self) -> String {
        let (f, e, l) = (self.first_review_after, self.review_every, self.lead_time);
        format!("{}m{}d/{}m{}d/{}m{}d", f.months, f.days, e.months, e.days, l.months, l.days)
    }
}

/// A responsible unit (`[units.U]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The name in digests, e.g. "Study permits unit".
    pub name: String,
    /// Where its digest goes.
    pub email: Vec<String>,
    /// At most this many tasks created in one ISO week; `None`: no limit.
    pub weekly_capacity: Option<u32>,
}

/// The income threshold of `income_reported`: one amount, or amounts by the date they came into force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Threshold {
    /// The same threshold for every permit.
    Fixed(u64),
    /// `(from, sek)` sorted by date: the latest entry with `from <= valid_from` applies.
    ByDate(Vec<(chrono::NaiveDate, u64)>),
}

impl Threshold {
    /// The threshold in force when a permit was granted, if any.
    pub fn for_permit(&self, valid_from: chrono::NaiveDate) -> Option<u64> {
        match self {
            Threshold::Fixed(sek) => Some(*sek),
            Threshold::ByDate(entries) => {
                entries.iter().rev().find(|(from, _)| *from <= valid_from).map(|(_, sek)| *sek)
            }
        }
    }
}

/// The rule of one signal kind (`[signals.K]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignalRule {
    /// Grounds whose permits the signal concerns; `None` means every ground (`["*"]`).
    pub grounds: Option<Vec<GroundKey>>,
    /// Priority of the tasks it creates.
    pub priority: Priority,
    /// The reason written on its tasks.
    pub reason: String,
    /// Due date = `occurred_on + due_within`.
    pub due_within: Span,
    /// The law the task rests on.
    pub legal_basis: String,
    /// `income_reported` only: below this a task is created.
    pub min_monthly_sek: Option<Threshold>,
    /// `income_reported` only: another employer than the permit's creates a task.
    pub check_employer: bool,
    /// Whether its signals create tasks; `false` keeps them only as reports that
    /// expectations look for (`study_registered`, docs/REFERENCE.md §13).
    pub tasks: bool,
}

impl SignalRule {
    /// Whether permits of `ground` are concerned.
    pub fn concerns(&self, ground: &GroundKey) -> bool {
        self.grounds.as_ref().is_none_or(|g| g.iter().any(|x| x == ground))
    }
}

/// The whole policy: grounds, units and signal rules.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// By ground name.
    pub grounds: BTreeMap<GroundKey, GroundPolicy>,
    /// By unit key.
    pub units: BTreeMap<UnitKey, Unit>,
    /// By signal kind.
    pub signals: BTreeMap<String, SignalRule>,
    /// Expected reports, by name (the cause of their tasks).
    pub expectations: BTreeMap<String, super::expectation::Expectation>,
    /// A signal whose person has no permit this long after receipt becomes `unmatched`.
    pub unmatched_after: Span,
    /// What the units' digests show besides their new tasks.
    pub digest: DigestPolicy,
}

/// What a unit's digest shows besides its new tasks (docs/REFERENCE.md §6.2): links to the case
/// system and how long its Overdue section may grow.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DigestPolicy {
    /// The link template of each unit that has one: `[units.U].case_url`, else `mail.case_url`.
    pub case_urls: BTreeMap<UnitKey, CaseUrl>,
    /// The Overdue section lists at most this many tasks (`mail.overdue_list_limit`), then says
    /// how many more there are.
    pub overdue_list_limit: usize,
}

impl Policy {
    /// The weekly capacity of a unit, `None` for no limit or an unknown unit.
    pub fn capacity(&self, unit: &str) -> Option<u32> {
        self.units.get(unit).and_then(|u| u.weekly_capacity)
    }
}
