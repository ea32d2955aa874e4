//! The counts behind the daemon's gauges (`/metrics`): open and overdue tasks by unit, signals
//! by state. Read after each tick, outside any pass; they name units and states, never a person.

use super::schema::{signals::dsl as s, tasks::dsl as t};
use super::AnyConnection;
use crate::domain::task::TaskState;
use chrono::NaiveDate;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// Open tasks of one unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenTasks {
    /// All open tasks.
    pub open: u64,
    /// Open tasks due before today.
    pub overdue: u64,
}

/// Open and overdue tasks by unit (units without open tasks are absent).
pub fn open_tasks(conn: &mut AnyConnection, today: NaiveDate) -> QueryResult<BTreeMap<String, OpenTasks>> {
    let open = TaskState::Open.as_str();
    let counts = |rows: Vec<(String, i64)>| rows.into_iter().map(|(u, n)| (u, u64::try_from(n).unwrap_or(0)));
    let mut out: BTreeMap<String, OpenTasks> = BTreeMap::new();
    let all: Vec<(String, i64)> = t::tasks
        .filter(t::state.eq(open))
        .group_by(t::unit)
        .select((t::unit, diesel::dsl::count_star()))
        .load(conn)?;
    for (unit, n) in counts(all) {
        out.entry(unit).or_default().open = n;
    }
    let overdue: Vec<(String, i64)> = t::tasks
        .filter(t::state.eq(open))
        .filter(t::due_on.lt(today))
        .group_by(t::unit)
        .select((t::unit, diesel::dsl::count_star()))
        .load(conn)?;
    for (unit, n) in counts(overdue) {
        out.entry(unit).or_default().overdue = n;
    }
    Ok(out)
}

/// Signals by state (`pending`, `processed`, `unmatched`).
pub fn signals_by_state(conn: &mut AnyConnection) -> QueryResult<BTreeMap<String, u64>> {
    let rows: Vec<(String, i64)> =
        s::signals.group_by(s::state).select((s::state, diesel::dsl::count_star())).load(conn)?;
    Ok(rows.into_iter().map(|(state, n)| (state, u64::try_from(n).unwrap_or(0))).collect())
}
