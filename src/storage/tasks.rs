//! Queries on tasks. `UNIQUE (permit_id, cause, occasion)` makes creation exactly-once: a task
//! that already exists is skipped (ON CONFLICT DO NOTHING), never duplicated.

pub(crate) use super::rows::parse_evidence;
use super::rows::{NewTaskRow, RowReader, TaskRow};
use super::schema::tasks::dsl as t;
use super::{self as storage, AnyConnection, Chunk, Result, Tx};
use crate::domain::ids::{PermitId, TaskId};
use crate::domain::keys::UnitKey;
use crate::domain::task::{Cause, Evidence, NewTask, Occasion, Outcome, Task, TaskState};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Rows a batch insert carries at most (13 columns).
const BATCH: usize = 2_000;

/// What an insert returns of each task it created.
const RETURNING: (t::id, t::permit_id, t::cause, t::occasion) = (t::id, t::permit_id, t::cause, t::occasion);

/// Tasks a PostgreSQL insert writes at once.
const PG_INSERT_CHUNK: usize = 5_000;

/// The PostgreSQL insert of new tasks: one statement over a column array each (`unnest`), so
/// that a chunk binds 13 parameters, where a multi-row `VALUES` binds 13 a row and PostgreSQL
/// parses and plans all of them (a fifth of a catch-up tick).
fn insert_columns(
    c: &mut diesel::PgConnection,
    rows: &[NewTaskRow],
) -> QueryResult<Vec<(i64, String, String, String)>> {
    use diesel::sql_types::{Array, BigInt, Date, Text, Timestamp};
    #[derive(QueryableByName)]
    struct Returned {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Text)]
        permit_id: String,
        #[diesel(sql_type = Text)]
        cause: String,
        #[diesel(sql_type = Text)]
        occasion: String,
    }
    let n = rows.len();
    let mut text: [Vec<&str>; 10] = std::array::from_fn(|_| Vec::with_capacity(n));
    let (mut created_on, mut created_at, mut due_on) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    // Every field by name, none with `..`: a column added to the row and not here does not compile.
    for NewTaskRow {
        permit_id,
        cause,
        occasion,
        ground,
        unit,
        priority,
        reason,
        legal_basis,
        evidence,
        created_on: on,
        created_at: at,
        due_on: due,
        state,
    } in rows
    {
        for (column, value) in text.iter_mut().zip([
            permit_id,
            cause,
            occasion,
            ground,
            unit,
            priority,
            reason,
            legal_basis,
            evidence,
            state,
        ]) {
            column.push(value.as_str());
        }
        created_on.push(*on);
        created_at.push(*at);
        due_on.push(*due);
    }
    let [permit_id, cause, occasion, ground, unit, priority, reason, legal_basis, evidence, state] = text;
    let returned: Vec<Returned> = diesel::sql_query(
        "INSERT INTO tasks (permit_id, cause, occasion, ground, unit, priority, reason, legal_basis, evidence, \
         created_on, created_at, due_on, state) \
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[], $9::text[], $10::date[], $11::timestamp[], $12::date[], $13::text[]) \
         ON CONFLICT (permit_id, cause, occasion) DO NOTHING \
         RETURNING id, permit_id, cause, occasion",
    )
    .bind::<Array<Text>, _>(permit_id)
    .bind::<Array<Text>, _>(cause)
    .bind::<Array<Text>, _>(occasion)
    .bind::<Array<Text>, _>(ground)
    .bind::<Array<Text>, _>(unit)
    .bind::<Array<Text>, _>(priority)
    .bind::<Array<Text>, _>(reason)
    .bind::<Array<Text>, _>(legal_basis)
    .bind::<Array<Text>, _>(evidence)
    .bind::<Array<Date>, _>(created_on)
    .bind::<Array<Timestamp>, _>(created_at)
    .bind::<Array<Date>, _>(due_on)
    .bind::<Array<Text>, _>(state)
    .load(c)?;
    Ok(returned.into_iter().map(|r| (r.id, r.permit_id, r.cause, r.occasion)).collect())
}

/// Inserts tasks, skipping any that exist, and returns those created by this call.
/// Inserts tasks, skipping any that exist; returns, for each of `tasks` in turn, the id of the
/// task created, or `None` where it existed already.
pub fn insert(tx: &mut Tx, tasks: &[NewTask]) -> Result<Vec<Option<TaskId>>> {
    let conn = &mut *tx.conn;
    let rows: Vec<NewTaskRow> = tasks
        .iter()
        .map(NewTaskRow::try_from)
        .collect::<Result<_, _>>()
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    let mut found: Vec<(i64, String, String, String)> = Vec::with_capacity(rows.len());
    match conn {
        // RETURNING gives exactly the rows a statement inserted, not those it skipped.
        AnyConnection::Postgresql(c) => {
            for chunk in rows.chunks(PG_INSERT_CHUNK) {
                found.extend(insert_columns(c, chunk)?);
            }
        }
        // INSERT OR IGNORE: SQLite's spelling of ON CONFLICT DO NOTHING for a batch.
        AnyConnection::Sqlite(c) => {
            for chunk in storage::chunks::<_, { storage::SQLITE_CHUNK }>(rows) {
                found.extend(match chunk {
                    Chunk::Full(rows) => diesel::insert_or_ignore_into(t::tasks)
                        .values(rows)
                        .returning(RETURNING)
                        .get_results(c)?,
                    Chunk::Rest(rows) => diesel::insert_or_ignore_into(t::tasks)
                        .values(rows)
                        .returning(RETURNING)
                        .get_results(c)?,
                });
            }
        }
    }
    let index: HashMap<(&str, &str, String), usize> = tasks
        .iter()
        .enumerate()
        .map(|(i, t)| ((t.permit_id.as_str(), t.cause.as_str(), t.occasion.to_string()), i))
        .collect();
    let mut ids = vec![None; tasks.len()];
    for (id, permit_id, cause, occasion) in found {
        if let Some(&i) = index.get(&(permit_id.as_str(), cause.as_str(), occasion)) {
            ids[i] = Some(TaskId(id));
        }
    }
    count_in_weeks(conn, tasks, &ids)?;
    tx.done.tasks_created += ids.iter().flatten().count() as u64;
    Ok(ids)
}

/// Past this many tasks created by a pass, PostgreSQL's statistics of `tasks` are refreshed
/// right after it.
const ANALYZE_AFTER: u64 = 10_000;

/// The columns of `tasks` that passes select on, whose statistics steer their plans; the wide
/// text (reason, evidence, legal basis, note) is left out, which halves an `ANALYZE`.
const PLANNED_COLUMNS: &str = "permit_id, cause, state, unit, due_on, created_on, closed_on, notified_at";

/// After a committed pass created `created` tasks: on PostgreSQL, past [`ANALYZE_AFTER`] and a
/// tenth of the tasks the statistics last counted, refreshes the planner's statistics of
/// `tasks`. Until autovacuum comes round (after a tenth of the table has changed), the planner
/// would still count the open tasks of before: after a catch-up it then walks every open task
/// to find those of a few thousand permits. A day's tasks in a table of millions shift no
/// estimate that matters, and are left to autovacuum.
pub(crate) fn after_creating(conn: &mut AnyConnection, created: u64) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = diesel::sql_types::Double)]
        tuples: f64,
    }
    if let AnyConnection::Postgresql(c) = conn {
        if created > ANALYZE_AFTER {
            let counted: Counted = diesel::sql_query(
                "SELECT GREATEST(reltuples, 0)::float8 AS tuples FROM pg_class WHERE oid = 'tasks'::regclass",
            )
            .get_result(c)?;
            if created as f64 > counted.tuples / 10.0 {
                diesel::sql_query(format!("ANALYZE tasks ({PLANNED_COLUMNS})")).execute(c)?;
            }
        }
    }
    Ok(())
}

/// Adds the tasks just created to their unit's count of the ISO week they were created in.
fn count_in_weeks(
    conn: &mut AnyConnection,
    tasks: &[NewTask],
    created: &[Option<TaskId>],
) -> QueryResult<()> {
    use super::schema::week_tasks::dsl as w;
    use diesel::upsert::excluded;
    let mut counts: BTreeMap<(&str, NaiveDate), i64> = BTreeMap::new();
    for (t, _) in tasks.iter().zip(created).filter(|(_, id)| id.is_some()) {
        *counts
            .entry((t.unit.as_str(), crate::domain::calendar::iso_week_bounds(t.created_on).0))
            .or_default() += 1;
    }
    for ((unit, week), n) in counts {
        let row = (w::unit.eq(unit), w::week.eq(week), w::tasks.eq(n));
        crate::on_engine!(conn, c => diesel::insert_into(w::week_tasks)
            .values(row)
            .on_conflict((w::unit, w::week))
            .do_update()
            .set(w::tasks.eq(w::tasks + excluded(w::tasks)))
            .execute(c))?;
    }
    Ok(())
}

/// Tasks created per unit in the ISO weeks whose Mondays are `from` to `to`: a week's use of
/// capacity, read from the weekly counts the inserts keep (a handful of rows, whatever the
/// week created).
pub fn created_in_weeks(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, BTreeMap<UnitKey, u32>>> {
    use super::schema::week_tasks::dsl as w;
    let rows: Vec<(String, NaiveDate, i64)> =
        w::week_tasks.filter(w::week.between(from, to)).select((w::unit, w::week, w::tasks)).load(tx.conn)?;
    let mut out: BTreeMap<NaiveDate, BTreeMap<UnitKey, u32>> = BTreeMap::new();
    for (unit, week, n) in rows {
        let unit = RowReader::new("week_tasks", &week).unit("unit", unit)?;
        out.entry(week).or_default().insert(unit, u32::try_from(n).unwrap_or(u32::MAX));
    }
    Ok(out)
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only this unit.
    pub unit: Option<String>,
    /// Only tasks in this state; `None` for all.
    pub state: Option<TaskState>,
    /// Only this permit.
    pub permit: Option<String>,
}

/// Tasks matching `filter`, by id.
pub fn list(tx: &mut Tx, filter: &Filter) -> Result<Vec<Task>> {
    let conn = &mut *tx.conn;
    let mut q = t::tasks.select(TaskRow::as_select()).order(t::id.asc()).into_boxed();
    if let Some(unit) = &filter.unit {
        q = q.filter(t::unit.eq(unit));
    }
    if let Some(state) = filter.state {
        q = q.filter(t::state.eq(state.as_str()));
    }
    if let Some(permit) = &filter.permit {
        q = q.filter(t::permit_id.eq(permit));
    }
    read(q.load(conn)?)
}

/// Rows to tasks, failing on the first that does not read.
pub(crate) fn read(rows: Vec<TaskRow>) -> Result<Vec<Task>> {
    Ok(rows.into_iter().map(Task::try_from).collect::<Result<_, _>>()?)
}

/// One task.
pub fn get(tx: &mut Tx, id: TaskId) -> Result<Option<Task>> {
    let conn = &mut *tx.conn;
    let row = t::tasks.find(id.0).select(TaskRow::as_select()).first(conn).optional()?;
    Ok(row.map(Task::try_from).transpose()?)
}

/// Closes an open task at the instant `at`, on the local date `on`, by `by` (an actor, or
/// `system`); false if it was not open, or (with `version`) if its version is no longer that.
/// Raises its version.
pub fn close(
    tx: &mut Tx,
    (id, version): (TaskId, Option<i64>),
    (outcome, note, by): (Outcome, &str, &str),
    (on, at): (NaiveDate, NaiveDateTime),
) -> Result<bool> {
    let conn = &mut *tx.conn;
    let mut q = diesel::update(t::tasks)
        .filter(t::id.eq(id.0))
        .filter(t::state.eq(TaskState::Open.as_str()))
        .into_boxed();
    if let Some(version) = version {
        q = q.filter(t::version.eq(version));
    }
    let n = q
        .set((
            t::state.eq(TaskState::Closed.as_str()),
            t::outcome.eq(outcome.as_str()),
            t::note.eq(note),
            t::closed_by.eq(by),
            t::closed_at.eq(at),
            t::closed_on.eq(crate::storage::sqltime::MaybeDay::from(Some(on))),
            t::version.eq(t::version + 1),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Hands an open task from `from` to `to` (either `None`: nobody) and raises its version;
/// false when it is not open, or not held by `from` (another change came first).
pub fn hand_over(tx: &mut Tx, id: TaskId, from: Option<&str>, to: Option<&str>) -> Result<bool> {
    let conn = &mut *tx.conn;
    let q = diesel::update(t::tasks)
        .filter(t::id.eq(id.0))
        .filter(t::state.eq(TaskState::Open.as_str()))
        .into_boxed();
    let q = match from {
        Some(holder) => q.filter(t::assignee.eq(holder)),
        None => q.filter(t::assignee.is_null()),
    };
    let n = q.set((t::assignee.eq(to), t::version.eq(t::version + 1))).execute(conn)?;
    Ok(n == 1)
}

/// Raises a task's version (a note was added to it).
pub fn touch(tx: &mut Tx, id: TaskId) -> Result<()> {
    diesel::update(t::tasks.find(id.0)).set(t::version.eq(t::version + 1)).execute(tx.conn)?;
    Ok(())
}

/// The open tasks of a permit with the given cause: (id, occasion), oldest first.
pub fn open_of_cause(tx: &mut Tx, permit: &PermitId, cause: &Cause) -> Result<Vec<(TaskId, Occasion)>> {
    let conn = &mut *tx.conn;
    let rows: Vec<(i64, String)> = t::tasks
        .filter(t::permit_id.eq(permit.as_str()))
        .filter(t::cause.eq(cause.as_str()))
        .filter(t::state.eq(TaskState::Open.as_str()))
        .select((t::id, t::occasion))
        .order(t::id.asc())
        .load(conn)?;
    rows.into_iter()
        .map(|(id, occasion)| {
            let r = RowReader::new("tasks", &id);
            Ok((TaskId(id), r.read("occasion", Occasion::parse(cause, &occasion))?))
        })
        .collect()
}

/// Adds items to an open task's evidence (a JSON list).
pub fn append_evidence(tx: &mut Tx, id: TaskId, items: Vec<Evidence>) -> Result<()> {
    let conn = &mut *tx.conn;
    let current: String = t::tasks.find(id.0).select(t::evidence).first(conn)?;
    let mut list = parse_evidence(&RowReader::new("tasks", &id), &current)?;
    list.extend(items);
    let text = super::rows::evidence_json(&list)?;
    diesel::update(t::tasks.find(id.0)).set(t::evidence.eq(text)).execute(conn)?;
    Ok(())
}

/// The open tasks of many permits: (id, permit, cause), oldest first.
pub fn open_of_permits(tx: &mut Tx, permits: &[&PermitId]) -> Result<Vec<(TaskId, PermitId, Cause)>> {
    let conn = &mut *tx.conn;
    let mut out = Vec::new();
    let keys: Vec<&str> = permits.iter().map(|p| p.as_str()).collect();
    for chunk in keys.chunks(BATCH) {
        let rows: Vec<(i64, String, String)> = t::tasks
            .filter(t::permit_id.eq_any(chunk))
            .filter(t::state.eq(TaskState::Open.as_str()))
            .order(t::id.asc())
            .select((t::id, t::permit_id, t::cause))
            .load(conn)?;
        for (id, permit, cause) in rows {
            let r = RowReader::new("tasks", &id);
            out.push((
                TaskId(id),
                r.read("permit_id", PermitId::parse(&permit))?,
                r.read("cause", Cause::parse(&cause))?,
            ));
        }
    }
    Ok(out)
}

/// Who holds the tasks to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holder {
    /// Held by this actor.
    Is(String),
    /// Held by nobody.
    Nobody,
}

/// A page of tasks to read, in the order (`due_on`, `id`).
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Only tasks of these units; `None` for every unit.
    pub units: Option<Vec<UnitKey>>,
    /// Only tasks in this state; `None` for all.
    pub state: Option<TaskState>,
    /// Only tasks of this cause.
    pub cause: Option<Cause>,
    /// Only tasks of this priority.
    pub priority: Option<crate::domain::policy::Priority>,
    /// Only tasks so held.
    pub holder: Option<Holder>,
    /// Only open tasks due before this day.
    pub due_before: Option<NaiveDate>,
    /// Only this permit's tasks.
    pub permit: Option<PermitId>,
    /// Only tasks after this one in the order: its (`due_on`, `id`).
    pub after: Option<(NaiveDate, TaskId)>,
    /// At most this many.
    pub limit: u32,
}

/// `state = 'open'` (or `'closed'`) written into the SQL, not bound: the open tasks' index is
/// partial (`WHERE state = 'open'`), and a statement that can use it only for one value of a
/// bound parameter is planned again on every execution (SQLite prepares it anew each time the
/// parameter is bound, PostgreSQL's generic plan cannot use the index at all).
fn state_is(state: TaskState) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
    diesel::dsl::sql(match state {
        TaskState::Open => "tasks.state = 'open'",
        TaskState::Closed => "tasks.state = 'closed'",
    })
}

/// The tasks of `page`, in its order.
pub fn page(tx: &mut Tx, page: &Page) -> Result<Vec<Task>> {
    let mut q = t::tasks.select(TaskRow::as_select()).into_boxed();
    match page.units.as_ref().map(|u| u.iter().collect::<Vec<_>>()).as_deref() {
        // One unit as an equality, not `= ANY(…)`: PostgreSQL then reads the unit's open tasks
        // in due order from their index and stops at the page's end, where for `ANY` it reads
        // and sorts every one of them (60 ms a page for a unit of 50,000, scripts/bench-inbox).
        Some([one]) => q = q.filter(t::unit.eq(one.as_str())),
        Some(units) => q = q.filter(t::unit.eq_any(units.iter().map(|u| u.as_str()).collect::<Vec<_>>())),
        None => {}
    }
    if let Some(state) = page.state {
        q = q.filter(state_is(state));
    }
    if let Some(cause) = &page.cause {
        q = q.filter(t::cause.eq(cause.as_str().to_string()));
    }
    if let Some(priority) = page.priority {
        q = q.filter(t::priority.eq(priority.as_str()));
    }
    match &page.holder {
        Some(Holder::Is(who)) => q = q.filter(t::assignee.eq(who.clone())),
        Some(Holder::Nobody) => q = q.filter(t::assignee.is_null()),
        None => {}
    }
    if let Some(day) = page.due_before {
        q = q.filter(state_is(TaskState::Open)).filter(t::due_on.lt(day));
    }
    if let Some(permit) = &page.permit {
        q = q.filter(t::permit_id.eq(permit.as_str().to_string()));
    }
    if let Some((due, id)) = page.after {
        q = q.filter(t::due_on.gt(due).or(t::due_on.eq(due).and(t::id.gt(id.0))));
    }
    let rows = q.order((t::due_on.asc(), t::id.asc())).limit(i64::from(page.limit)).load(tx.conn)?;
    read(rows)
}
