//! The append-only audit trail (`audit_events`; triggers refuse UPDATE and DELETE).

use super::rows::{AuditRow, NewAuditRow};
use super::schema::audit_events::dsl as a;
use super::AnyConnection;
use diesel::prelude::*;

/// Appends events.
pub fn append(conn: &mut AnyConnection, events: Vec<NewAuditRow>) -> QueryResult<()> {
    match conn {
        // COPY: PostgreSQL's bulk path for the audit rows of large imports and ticks.
        AnyConnection::Postgresql(c) if events.len() > 1 => {
            diesel::copy_from(a::audit_events).from_insertable(events).execute(c)?;
        }
        AnyConnection::Postgresql(c) => {
            diesel::insert_into(a::audit_events).values(events).execute(c)?;
        }
        AnyConnection::Sqlite(c) => {
            crate::sqlite_insert!(c, a::audit_events, events);
        }
    }
    Ok(())
}

/// A permit's events in order: the import that brought it in (recorded as `permits.imported_by`
/// and the import's row, not as an audit row per permit), then its audit rows.
pub fn for_permit(conn: &mut AnyConnection, permit: &str) -> QueryResult<Vec<AuditRow>> {
    use super::schema::{imports::dsl as i, permits::dsl as p};
    let origin: Option<(i64, String, chrono::NaiveDateTime)> = p::permits
        .inner_join(i::imports.on(p::imported_by.eq(i::id.nullable())))
        .filter(p::permit_id.eq(permit))
        .select((i::id, i::file, i::received_at))
        .first(conn)
        .optional()?;
    let imported = origin.map(|(import, file, at)| AuditRow {
        id: 0,
        permit_id: permit.to_string(),
        at,
        event: "imported".into(),
        task_id: None,
        detail: format!("imported from {file} (import {import})"),
    });
    let mut events: Vec<AuditRow> = imported.into_iter().collect();
    events.extend(a::audit_events.filter(a::permit_id.eq(permit)).order(a::id.asc()).load::<AuditRow>(conn)?);
    Ok(events)
}
