//! The append-only audit trail (`audit_events`; triggers refuse UPDATE and DELETE).

use super::rows::{AuditRow, NewAuditRow};
use super::schema::audit_events::dsl as a;
use super::{AnyConnection, Result, Tx};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::PermitId;
use diesel::prelude::*;

/// Appends events.
pub fn append(tx: &mut Tx, events: Vec<AuditEvent>) -> Result<()> {
    let conn = &mut *tx.conn;
    let rows: Vec<NewAuditRow> = events.into_iter().map(NewAuditRow::from).collect();
    match conn {
        // COPY: PostgreSQL's bulk path for the audit rows of large imports and ticks.
        AnyConnection::Postgresql(c) if rows.len() > 1 => {
            diesel::copy_from(a::audit_events).from_insertable(rows).execute(c)?;
        }
        AnyConnection::Postgresql(c) => {
            diesel::insert_into(a::audit_events).values(rows).execute(c)?;
        }
        AnyConnection::Sqlite(c) => {
            crate::sqlite_insert!(c, a::audit_events, rows);
        }
    }
    Ok(())
}

/// A permit's events in order: the import that brought it in (recorded as `permits.imported_by`
/// and the import's row, not as an audit row per permit), then its audit rows.
pub fn for_permit(tx: &mut Tx, permit: &PermitId) -> Result<Vec<AuditEvent>> {
    let conn = &mut *tx.conn;
    use super::schema::{imports::dsl as i, permits::dsl as p};
    let origin: Option<(i64, String, chrono::NaiveDateTime)> = p::permits
        .inner_join(i::imports.on(p::imported_by.eq(i::id.nullable())))
        .filter(p::permit_id.eq(permit.as_str()))
        .select((i::id, i::file, i::received_at))
        .first(conn)
        .optional()?;
    let mut events: Vec<AuditEvent> = origin
        .map(|(import, file, at)| AuditEvent::imported(permit.clone(), at, &file, import))
        .into_iter()
        .collect();
    let rows: Vec<AuditRow> =
        a::audit_events.filter(a::permit_id.eq(permit.as_str())).order(a::id.asc()).load(conn)?;
    for row in rows {
        events.push(AuditEvent::try_from(row)?);
    }
    Ok(events)
}

/// A task's events in order (read through its permit's index).
pub fn for_task(tx: &mut Tx, permit: &PermitId, task: crate::domain::ids::TaskId) -> Result<Vec<AuditEvent>> {
    let rows: Vec<AuditRow> = a::audit_events
        .filter(a::permit_id.eq(permit.as_str()))
        .filter(a::task_id.eq(task.0))
        .order(a::id.asc())
        .load(tx.conn)?;
    Ok(rows.into_iter().map(AuditEvent::try_from).collect::<std::result::Result<_, _>>()?)
}
