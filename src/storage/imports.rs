//! The record of each import and of the records `--skip-invalid` rejected.

use super::rows::RejectRow;
use super::schema::{imports::dsl as i, rejects::dsl as r};
use super::{Result, Tx};
use crate::domain::import::{ImportCounts, ImportKind, Reject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// A count as stored.
fn stored(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Starts an import's record and returns its id.
pub fn begin(tx: &mut Tx, kind: ImportKind, file: &str, at: NaiveDateTime) -> Result<i64> {
    let conn = &mut *tx.conn;
    Ok(crate::on_engine!(conn, c => diesel::insert_into(i::imports)
        .values((i::kind.eq(kind.as_str()), i::file.eq(file), i::received_at.eq(at), i::inserted.eq(0), i::updated.eq(0),
                 i::unchanged.eq(0), i::duplicates.eq(0), i::rejected.eq(0)))
        .returning(i::id)
        .get_result(c))?)
}

/// Writes an import's final counts.
pub fn finish(tx: &mut Tx, id: i64, c: ImportCounts) -> Result<()> {
    let conn = &mut *tx.conn;
    diesel::update(i::imports.find(id))
        .set((
            i::inserted.eq(stored(c.inserted)),
            i::updated.eq(stored(c.updated)),
            i::unchanged.eq(stored(c.unchanged)),
            i::duplicates.eq(stored(c.duplicates)),
            i::rejected.eq(stored(c.rejected)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores rejected records.
pub fn reject(tx: &mut Tx, rows: &[Reject]) -> Result<()> {
    let conn = &mut *tx.conn;
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
pub fn rejects(tx: &mut Tx) -> Result<Vec<Reject>> {
    let conn = &mut *tx.conn;
    let rows: Vec<RejectRow> = r::rejects
        .order(r::id.asc())
        .select((r::id, r::import_id, r::kind, r::file, r::line, r::field, r::reason, r::record_key))
        .load(conn)?;
    Ok(rows.into_iter().map(Reject::try_from).collect::<Result<_, _>>()?)
}
