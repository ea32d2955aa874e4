//! The record of each import and of the records `--skip-invalid` rejected.

use super::rows::RejectRow;
use super::schema::{imports::dsl as i, rejects::dsl as r};
use super::AnyConnection;
use crate::domain::import::{ImportCounts, ImportKind, Reject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A count as stored.
fn stored(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Starts an import's record and returns its id.
pub fn begin(conn: &mut AnyConnection, kind: ImportKind, file: &str, at: NaiveDateTime) -> QueryResult<i64> {
    crate::on_engine!(conn, c => diesel::insert_into(i::imports)
        .values((i::kind.eq(kind.as_str()), i::file.eq(file), i::received_at.eq(at), i::inserted.eq(0), i::updated.eq(0),
                 i::unchanged.eq(0), i::duplicates.eq(0), i::rejected.eq(0)))
        .returning(i::id)
        .get_result(c))
}

/// Writes an import's final counts.
pub fn finish(conn: &mut AnyConnection, id: i64, c: ImportCounts) -> QueryResult<()> {
    diesel::update(i::imports.find(id))
        .set((
            i::inserted.eq(stored(c.inserted)),
            i::updated.eq(stored(c.updated)),
            i::unchanged.eq(stored(c.unchanged)),
            i::duplicates.eq(stored(c.duplicates)),
            i::rejected.eq(stored(c.rejected)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Stores rejected records.
pub fn reject(conn: &mut AnyConnection, rows: &[Reject]) -> QueryResult<()> {
    for chunk in rows.chunks(2_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|x| {
                (
                    r::import_id.eq(x.import_id),
                    r::kind.eq(x.kind.as_str()),
                    r::file.eq(&x.file),
                    r::line.eq(stored(x.line)),
                    r::field.eq(&x.field),
                    r::reason.eq(&x.reason),
                    r::record_key.eq(&x.record_key),
                )
            })
            .collect();
        crate::on_engine!(conn, c => diesel::insert_into(r::rejects).values(&values).execute(c))?;
    }
    Ok(())
}

/// Every rejected record, oldest first.
pub fn rejects(conn: &mut AnyConnection) -> anyhow::Result<Vec<Reject>> {
    let rows: Vec<RejectRow> = r::rejects
        .order(r::id.asc())
        .select((r::id, r::import_id, r::kind, r::file, r::line, r::field, r::reason, r::record_key))
        .load(conn)?;
    Ok(rows.into_iter().map(Reject::try_from).collect::<Result<_, _>>()?)
}
