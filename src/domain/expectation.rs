//! Expected reports: silence as a signal (docs/REFERENCE.md §13). A feed imported with
//! `--covers KIND:LABEL=FROM..TO` holds every report of KIND for the period, so a holder who
//! was expected to report and did not has *missed* it; `missing_periods` missed periods in a
//! row make a task, and later missed periods are added to an open one as evidence.
//!
//! [`judge`] is the whole rule, a pure function of one permit's validity, the covered periods,
//! the periods it reported for and the periods its tasks of the cause already name.
//! [`needed`] tells the caller which periods' reports the rule will look at, so that a tick
//! reads no more reports than that.

use super::ids::TaskId;
use super::keys::GroundKey;
use super::permit::Validity;
use super::policy::Priority;
use super::span::Span;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The name of a covered period, e.g. `2026-10` or `2026-HT`: 1 to 32 of `A-Z a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

impl Label {
    /// Reads a label.
    pub fn parse(text: &str) -> Result<Label, String> {
        let ok = (1..=32).contains(&text.len())
            && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            // A label is a task's occasion: the same checks as any id (no personal number).
            super::ids::SignalId::parse(text).map_err(|e| e.0.replace("a signal id", "a period's label"))?;
            Ok(Label(text.to_string()))
        } else {
            Err(format!("a period's label is 1 to 32 of A-Z a-z 0-9 . _ -, got {}", super::ids::quoted(text)))
        }
    }

    /// The label as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The month a `YYYY-MM` label names, as its first and last day.
    pub fn as_month(&self) -> Option<(NaiveDate, NaiveDate)> {
        let s = self.as_str();
        if s.len() != 7 || s.as_bytes()[4] != b'-' {
            return None;
        }
        let first = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()?;
        let next = if first.month() == 12 {
            NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
        };
        Some((first, next.pred_opt()?))
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A period a feed covers completely: its label and its first and last day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// Its name.
    pub label: Label,
    /// Its first day.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
}

impl Period {
    /// Whether a signal with `period` (its `data.period`) that occurred on `occurred_on`
    /// reports for this period: by its period when it names one, else by its date.
    pub fn reported_by(&self, period: Option<&str>, occurred_on: NaiveDate) -> bool {
        match period {
            Some(p) => p == self.label.as_str(),
            None => self.from <= occurred_on && occurred_on <= self.to,
        }
    }
}

/// `--covers KIND:LABEL[=FROM..TO]`: a feed of KIND is complete for the period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    /// The signal kind the feed holds.
    pub kind: String,
    /// The period it covers.
    pub period: Period,
}

impl Cover {
    /// Reads `KIND:LABEL=FROM..TO`, or `KIND:YYYY-MM` for a calendar month.
    pub fn parse(text: &str) -> Result<Cover, String> {
        let shape = "expected KIND:LABEL=FROM..TO (dates YYYY-MM-DD), or KIND:YYYY-MM for a month";
        let Some((kind, rest)) = text.split_once(':') else { return Err(shape.into()) };
        if kind.is_empty() {
            return Err(format!("no kind: {shape}"));
        }
        // A kind is a key of [signals]: never a personal number, which is not repeated.
        let well_formed = kind.len() <= 64 && kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed || super::personal_number::holds_personal_number(kind) {
            return Err(format!(
                "the kind {} is not a signal kind's name (a-z 0-9 _)",
                super::ids::quoted(kind)
            ));
        }
        let (label, dates) = match rest.split_once('=') {
            Some((label, dates)) => (Label::parse(label)?, Some(dates)),
            None => (Label::parse(rest)?, None),
        };
        let (from, to) = match dates {
            None => label.as_month().ok_or_else(|| {
                format!("{label} is not a month (YYYY-MM), so its dates are needed: {shape}")
            })?,
            Some(dates) => {
                let date = |d: &str| {
                    super::calendar::parse_date(d).ok_or_else(|| {
                        format!("{} is not a date (YYYY-MM-DD): {shape}", super::ids::quoted(d))
                    })
                };
                let Some((from, to)) = dates.split_once("..") else { return Err(shape.into()) };
                (date(from)?, date(to)?)
            }
        };
        if from > to {
            return Err(format!("{label} ends ({to}) before it begins ({from})"));
        }
        Ok(Cover { kind: kind.to_string(), period: Period { label, from, to } })
    }
}

impl fmt::Display for Cover {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = &self.period;
        write!(f, "{}:{}={}..{}", self.kind, p.label, p.from, p.to)
    }
}

/// One expectation (`[expectations.E]`): reports of `kind` that holders of `grounds` must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The signal kind of the reports it expects.
    pub kind: String,
    /// The grounds whose holders are expected to report.
    pub grounds: Vec<GroundKey>,
    /// Covered periods in a row without a report that make a task; at least 1.
    pub missing_periods: u32,
    /// Priority of its tasks.
    pub priority: Priority,
    /// The reason written on its tasks.
    pub reason: String,
    /// Due date = the day of the tick + `due_within`.
    pub due_within: Span,
    /// The law its tasks rest on.
    pub legal_basis: String,
}

impl Expectation {
    /// What decides who has missed what: when it changes, every holder is judged again.
    pub fn fingerprint(&self) -> String {
        let grounds: Vec<&str> = self.grounds.iter().map(GroundKey::as_str).collect();
        format!("{}/{}/{}", self.kind, grounds.join(","), self.missing_periods)
    }

    /// Whether holders of `ground` are expected to report.
    pub fn concerns(&self, ground: &GroundKey) -> bool {
        self.grounds.contains(ground)
    }
}

/// What the rule knows of one permit besides its validity.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    /// The labels its tasks of the cause name, as occasion or evidence, open or closed.
    pub labels: &'a [Label],
    /// Its open task of the cause, if any.
    pub open: Option<TaskId>,
}

/// What the rule asks for one permit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing new.
    Nothing,
    /// A task: its occasion is the last missed label; `missed` are the missed labels, in order.
    Task {
        /// The periods missed, in order; the last is the occasion.
        missed: Vec<Label>,
    },
    /// Missed periods to add to the open task as evidence, in order.
    Evidence {
        /// The open task.
        task: TaskId,
        /// The periods missed since it last named one.
        missed: Vec<Label>,
    },
}

/// Whether a permit valid for `validity` is expected to report in `period`: valid through all of it.
pub fn expected_in(validity: Validity, period: &Period) -> bool {
    validity.valid_from <= period.from && validity.valid_until.is_none_or(|until| until >= period.to)
}

/// The periods whose reports [`judge`] looks at for this permit: with an open task, every
/// period it was expected in after the last one named; without, its last `missing_periods`
/// periods when they all come after the named ones (else none: no task can be due).
/// `periods` are the covered periods of the expectation's kind, in order of their first day.
pub fn needed<'p>(
    e: &Expectation,
    periods: &'p [Period],
    validity: Validity,
    named: Named<'_>,
) -> Vec<&'p Period> {
    let last_named = periods.iter().filter(|p| named.labels.contains(&p.label)).map(|p| p.from).max();
    let after_named = |p: &&Period| last_named.is_none_or(|named| p.from > named);
    let expected: Vec<&Period> = periods.iter().filter(|p| expected_in(validity, p)).collect();
    if named.open.is_some() {
        return expected.into_iter().filter(after_named).collect();
    }
    let n = e.missing_periods as usize;
    if n == 0 || expected.len() < n {
        return Vec::new();
    }
    let last = &expected[expected.len() - n..];
    if last.iter().all(after_named) {
        last.to_vec()
    } else {
        Vec::new()
    }
}

/// Which holders a tick must judge for one newly covered period `new` (docs/REFERENCE.md
/// §13.3): the others' verdicts are [`Verdict::Nothing`], so they need not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Search<'p> {
    /// Fewer than `missing_periods` periods are covered: no holder can be due a task, so only
    /// those with an open task who missed `new` (it is their evidence).
    OpenTasks,
    /// `new` is the latest period and the last `missing_periods` periods, ending with it, do
    /// not overlap: the holders expected in all of them who missed all of them (a task is due
    /// unless their tasks named one of them), and those with an open task who missed `new`.
    /// A holder who missed `new` but reported in the window, without an open task, is owed
    /// nothing; one not expected in all of the window is expected in fewer than
    /// `missing_periods` periods, as validity is one span.
    Window(&'p [Period]),
    /// Otherwise: every holder expected in `new` who missed it.
    Missed,
}

/// How to find the holders [`Search`] says a tick must judge for the newly covered `new`;
/// `periods` are the covered periods of the kind (`new` among them) in order of their first day.
pub fn search<'p>(e: &Expectation, periods: &'p [Period], new: &Period) -> Search<'p> {
    let n = e.missing_periods as usize;
    if periods.len() < n {
        return Search::OpenTasks;
    }
    let window = &periods[periods.len() - n..];
    let latest = window.last().is_some_and(|last| last == new);
    let apart = window.windows(2).all(|w| w[0].to < w[1].from);
    if n > 0 && latest && apart {
        Search::Window(window)
    } else {
        Search::Missed
    }
}

/// The rule of docs/REFERENCE.md §13 for one permit: `reported(label)` says whether a report
/// of its holder came for the period. With an open task of the cause, each period missed after
/// the last one named becomes evidence; without, a task is due when the last `missing_periods`
/// periods the permit was expected in are all missed and all come after every named period.
pub fn judge(
    e: &Expectation,
    periods: &[Period],
    validity: Validity,
    named: Named<'_>,
    reported: impl Fn(&Label) -> bool,
) -> Verdict {
    let looked_at = needed(e, periods, validity, named);
    let missed: Vec<Label> =
        looked_at.iter().filter(|p| !reported(&p.label)).map(|p| p.label.clone()).collect();
    match named.open {
        Some(task) if !missed.is_empty() => Verdict::Evidence { task, missed },
        Some(_) => Verdict::Nothing,
        None if !looked_at.is_empty() && missed.len() == looked_at.len() => Verdict::Task { missed },
        None => Verdict::Nothing,
    }
}

#[cfg(test)]
#[path = "expectation_tests.rs"]
mod tests;
