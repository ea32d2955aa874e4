//! A caller lists tasks: only those of its units, ordered by due date then id, a page at a
//! time. The cursor names the last task of a page by its (due date, id), so a page read after
//! tasks were added continues where the last one ended: nothing is shown twice or skipped
//! among the tasks that were there.

use crate::domain::access::{decide, Action, Caller, Decision};
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::policy::Priority;
use crate::domain::task::{Cause, Task, TaskState};
use crate::errors::ErrorKind;
use crate::storage::gauges::OpenTasks;
use crate::storage::{self, tasks, Store};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The most tasks a page holds.
pub const MAX_LIMIT: u32 = 500;

/// Whose tasks to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignee {
    /// The caller's own.
    Me,
    /// Those nobody holds.
    Nobody,
    /// Those this actor holds.
    Is(String),
}

/// Which tasks to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    /// This state only; `None` for all.
    pub state: Option<TaskState>,
    /// This unit only (among the caller's).
    pub unit: Option<UnitKey>,
    /// This cause only.
    pub cause: Option<Cause>,
    /// This priority only.
    pub priority: Option<Priority>,
    /// Held so only.
    pub assignee: Option<Assignee>,
    /// Open and past their due date on this day only.
    pub overdue_on: Option<NaiveDate>,
    /// This permit's only.
    pub permit: Option<PermitId>,
    /// At most this many (1 to [`MAX_LIMIT`]).
    pub limit: u32,
    /// Where the previous page ended.
    pub cursor: Option<String>,
}

/// One page of tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPage {
    /// The tasks, by due date then id.
    pub tasks: Vec<Task>,
    /// Where the next page starts; `None` after the last.
    pub next_cursor: Option<String>,
}

/// Why a list was not given.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The limit is outside 1 to [`MAX_LIMIT`].
    #[error("limit must be 1 to {MAX_LIMIT}")]
    Limit,
    /// The cursor is not one a page gave.
    #[error("cursor {0:?} is not one a page of tasks gave")]
    Cursor(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] storage::Error),
}

impl ListError {
    /// Its classification (`errors::ErrorKind`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            ListError::Limit | ListError::Cursor(_) => ErrorKind::Invalid,
            ListError::Store(e) => e.kind(),
        }
    }
}

/// The page of `query` that `caller` may see.
pub fn list_tasks(store: &Store, caller: &Caller, query: &TaskQuery) -> Result<TaskPage, ListError> {
    if !(1..=MAX_LIMIT).contains(&query.limit) {
        return Err(ListError::Limit);
    }
    let after = query.cursor.as_deref().map(read_cursor).transpose()?;
    let Some(units) = units(caller, query.unit.as_ref()) else {
        return Ok(TaskPage { tasks: Vec::new(), next_cursor: None });
    };
    let page = tasks::Page {
        units,
        state: query.state,
        cause: query.cause.clone(),
        priority: query.priority,
        holder: query.assignee.as_ref().map(|a| match a {
            Assignee::Me => tasks::Holder::Is(caller.subject.clone()),
            Assignee::Nobody => tasks::Holder::Nobody,
            Assignee::Is(who) => tasks::Holder::Is(who.clone()),
        }),
        due_before: query.overdue_on,
        permit: query.permit.clone(),
        after,
        limit: query.limit + 1,
    };
    let mut tasks = store.read(|tx| tasks::page(tx, &page))?;
    let next_cursor = if tasks.len() > query.limit as usize {
        tasks.truncate(query.limit as usize);
        tasks.last().map(|t| format!("{}.{}", t.due_on, t.id))
    } else {
        None
    };
    Ok(TaskPage { tasks, next_cursor })
}

/// The units to read: `Some(None)` for every unit, `Some(Some(units))` for these, `None` when
/// the caller may list none of those asked for.
fn units(caller: &Caller, asked: Option<&UnitKey>) -> Option<Option<Vec<UnitKey>>> {
    use crate::domain::access::{decide, Decision};
    match (asked, caller.visible_units()) {
        (Some(unit), _) => {
            (decide(caller, unit, Action::List) == Decision::Allowed).then(|| Some(vec![unit.clone()]))
        }
        (None, None) => Some(None),
        (None, Some(units)) if units.is_empty() => None,
        (None, Some(units)) => Some(Some(units.into_iter().collect())),
    }
}

fn read_cursor(text: &str) -> Result<(NaiveDate, TaskId), ListError> {
    let bad = || ListError::Cursor(text.chars().take(64).collect());
    let (due, id) = text.split_once('.').ok_or_else(bad)?;
    let due = crate::domain::calendar::parse_date(due).ok_or_else(bad)?;
    let id = id.parse::<i64>().map_err(|_| bad())?;
    Ok((due, TaskId(id)))
}

/// The open tasks, and of them the overdue ones on `today`, of every unit that has any.
pub fn all_open_counts(store: &Store, today: NaiveDate) -> Result<BTreeMap<UnitKey, OpenTasks>, ListError> {
    store.read(|tx| Ok::<_, ListError>(storage::gauges::open_tasks(tx, today)?))
}

/// Of `all` counts, those of the units `caller` may list.
pub fn visible_counts(caller: &Caller, all: &BTreeMap<UnitKey, OpenTasks>) -> Vec<(UnitKey, OpenTasks)> {
    all.iter()
        .filter(|(unit, _)| decide(caller, unit, Action::List) == Decision::Allowed)
        .map(|(u, n)| (u.clone(), *n))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::{Grant, Role, Units};

    #[test]
    fn a_cursor_reads_back_and_nothing_else_does() {
        assert_eq!(read_cursor("2027-01-05.42").unwrap(), ("2027-01-05".parse().unwrap(), TaskId(42)));
        for bad in ["", "2027-01-05", "x.1", "2027-01-05.x", "2027-13-01.1"] {
            assert!(matches!(read_cursor(bad), Err(ListError::Cursor(_))), "{bad}");
        }
    }

    #[test]
    fn a_caller_lists_only_its_units() {
        let study = UnitKey::parse("study").unwrap();
        let work = UnitKey::parse("work").unwrap();
        let c = Caller {
            subject: "s".into(),
            name: "s".into(),
            grants: vec![Grant { role: Role::Auditor, units: Units::parse(&["study"]).unwrap() }],
        };
        assert_eq!(units(&c, None), Some(Some(vec![study.clone()])));
        assert_eq!(units(&c, Some(&study)), Some(Some(vec![study])));
        assert_eq!(units(&c, Some(&work)), None);
        let nobody = Caller { grants: vec![], ..c };
        assert_eq!(units(&nobody, None), None);
    }
}
