//! The counts behind the daemon's gauges (`/metrics`): open and overdue tasks by unit, signals
//! by state. Read after each tick, outside any pass; they name units and states, never a person.

use super::rows::RowReader;
use super::{Result, Tx};
use crate::domain::keys::UnitKey;
use crate::domain::signal::SignalState;
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use std::collections::BTreeMap;

/// Open tasks by unit, and of them those due before a date, in one scan of the partial index
/// `tasks_open_by_unit` (unit, due_on, id): one pass over each unit's open tasks, where two
/// counts read them twice. `state = 'open'` is written out, not bound: SQLite uses the partial
/// index only for a query whose condition is the index's own, word for word. Both engines take
/// an aggregate's FILTER (SQLite since 3.30).
const OPEN_BY_UNIT: &str =
    "SELECT unit AS key, COUNT(*) AS n, COUNT(*) FILTER (WHERE due_on < $1) AS overdue \
     FROM tasks WHERE state = 'open' GROUP BY unit";

/// Signals by state (index `signals_state`).
const SIGNALS_BY_STATE: &str = "SELECT state AS key, COUNT(*) AS n FROM signals GROUP BY state";

#[derive(QueryableByName)]
struct OpenCount {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
    #[diesel(sql_type = BigInt)]
    overdue: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Open tasks of one unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpenTasks {
    /// All open tasks.
    pub open: u64,
    /// Open tasks due before today.
    pub overdue: u64,
}

fn counts(rows: Vec<Count>) -> impl Iterator<Item = (String, u64)> {
    rows.into_iter().map(|c| (c.key, u64::try_from(c.n).unwrap_or(0)))
}

/// Open and overdue tasks by unit (units without open tasks are absent).
pub fn open_tasks(tx: &mut Tx, today: NaiveDate) -> Result<BTreeMap<UnitKey, OpenTasks>> {
    let rows: Vec<OpenCount> = diesel::sql_query(OPEN_BY_UNIT).bind::<Date, _>(today).load(&mut *tx.conn)?;
    let reader = RowReader::new("tasks", &"(a count by unit)");
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    rows.into_iter()
        .map(|c| Ok((reader.unit("unit", c.key)?, OpenTasks { open: count(c.n), overdue: count(c.overdue) })))
        .collect()
}

/// Signals by state.
pub fn signals_by_state(tx: &mut Tx) -> Result<BTreeMap<SignalState, u64>> {
    let r = RowReader::new("signals", &"(a count by state)");
    counts(diesel::sql_query(SIGNALS_BY_STATE).load(tx.conn)?)
        .map(|(state, n)| Ok((r.word("state", &state, SignalState::parse)?, n)))
        .collect()
}
