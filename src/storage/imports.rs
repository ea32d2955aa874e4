//! The record of each import and of the records `--skip-invalid` rejected.

use super::schema::{imports::dsl as i, rejects::dsl as r};
use super::AnyConnection;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

/// The counts an import ends with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New records.
    pub inserted: i64,
    /// Changed records.
    pub updated: i64,
    /// Records equal to what was stored.
    pub unchanged: i64,
    /// Records received before (signals).
    pub duplicates: i64,
    /// Invalid records.
    pub rejected: i64,
}

/// Starts an import's record and returns its id.
pub fn begin(conn: &mut AnyConnection, kind: &str, file: &str, at: NaiveDateTime) -> QueryResult<i64> {
    crate::on_engine!(conn, c => diesel::insert_into(i::imports)
        .values((i::kind.eq(kind), i::file.eq(file), i::received_at.eq(at), i::inserted.eq(0), i::updated.eq(0),
                 i::unchanged.eq(0), i::duplicates.eq(0), i::rejected.eq(0)))
        .returning(i::id)
        .get_result(c))
}

/// Writes an import's final counts.
pub fn finish(conn: &mut AnyConnection, id: i64, c: Counts) -> QueryResult<()> {
    diesel::update(i::imports.find(id))
        .set((
            i::inserted.eq(c.inserted),
            i::updated.eq(c.updated),
            i::unchanged.eq(c.unchanged),
            i::duplicates.eq(c.duplicates),
            i::rejected.eq(c.rejected),
        ))
        .execute(conn)
        .map(|_| ())
}

/// A rejected record.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Serialize)]
pub struct Reject {
    /// The import.
    pub import_id: i64,
    /// `permits` or `signals`.
    pub kind: String,
    /// The file as named on the command line.
    pub file: String,
    /// Its line.
    pub line: i64,
    /// The field at fault.
    pub field: String,
    /// Why.
    pub reason: String,
    /// The permit or signal id, when it could be read.
    pub record_key: Option<String>,
}

/// Stores rejected records.
pub fn reject(conn: &mut AnyConnection, rows: &[Reject]) -> QueryResult<()> {
    for chunk in rows.chunks(2_000) {
        let values: Vec<_> = chunk
            .iter()
            .map(|x| {
                (
                    r::import_id.eq(x.import_id),
                    r::kind.eq(&x.kind),
                    r::file.eq(&x.file),
                    r::line.eq(x.line),
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
pub fn rejects(conn: &mut AnyConnection) -> QueryResult<Vec<Reject>> {
    r::rejects
        .order(r::id.asc())
        .select((r::import_id, r::kind, r::file, r::line, r::field, r::reason, r::record_key))
        .load(conn)
}
