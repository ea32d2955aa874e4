//! The append-only audit trail (`audit_events`; triggers refuse UPDATE and DELETE).

use super::rows::{AuditRow, NewAuditRow};
use super::schema::audit_events::dsl as a;
use super::AnyConnection;
use diesel::prelude::*;

/// Rows a batch insert carries at most (6 columns, well under SQLite's 32,766 parameters).
const BATCH: usize = 2_000;

/// Appends events.
pub fn append(conn: &mut AnyConnection, events: &[NewAuditRow]) -> QueryResult<()> {
    match conn {
        // COPY: PostgreSQL's bulk path for the audit rows of large imports and ticks.
        AnyConnection::Postgresql(c) if events.len() > 1 => {
            diesel::copy_from(a::audit_events).from_insertable(events).execute(c)?;
        }
        _ => {
            for chunk in events.chunks(BATCH) {
                crate::on_engine!(conn, c => diesel::insert_into(a::audit_events).values(chunk).execute(c))?;
            }
        }
    }
    Ok(())
}

/// A permit's events in order.
pub fn for_permit(conn: &mut AnyConnection, permit: &str) -> QueryResult<Vec<AuditRow>> {
    a::audit_events.filter(a::permit_id.eq(permit)).order(a::id.asc()).load(conn)
}
