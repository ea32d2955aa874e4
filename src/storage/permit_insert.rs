//! The SQLite insert of new permits: `INSERT INTO permits (…) VALUES (…), …`, what diesel's
//! batch insert of [`PermitRow`]s writes, without what that costs a million-row import (a
//! quarter of its writing time). diesel can insert `PermitRow`s only by value (their dates are
//! written through `serialize_as`), so it moves every row into the statement, and it formats
//! every date into a string of its own. This statement borrows the rows' text where it lies
//! and formats the dates of a chunk into one buffer.

use super::rows::PermitRow;
use super::schema::permits;
use super::sqltime::{write_day, write_stamp};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use std::ops::Range;

/// New permits to insert, borrowed. A chunk of exactly `N` rows has a statement id of its own,
/// so diesel prepares its statement once and reuses it; a shorter one is prepared each time.
pub struct PermitInsert<'a, const N: usize> {
    rows: &'a [PermitRow],
    /// The rows' dates and update times as SQLite stores them (`storage::sqltime`), back to back.
    text: String,
    /// Per row, where each of its five dates and its update time (the last six of [`COLUMNS`])
    /// lies in `text` (`None`: NULL).
    dates: Vec<[Option<Range<usize>>; 6]>,
}

/// The columns in the order [`PermitInsert`] binds them: every column of `permits`, which a
/// test checks against the table.
pub const COLUMNS: [&str; 15] = {
    use diesel::Column;
    use permits::*;
    [
        permit_id::NAME,
        person_id::NAME,
        pn_hash::NAME,
        ground::NAME,
        status::NAME,
        unit::NAME,
        employer_org_no::NAME,
        institution::NAME,
        imported_by::NAME,
        // and the six written into `PermitInsert::text`
        valid_from::NAME,
        valid_until::NAME,
        review_occasion::NAME,
        review_due_on::NAME,
        last_review_occasion::NAME,
        updated_at::NAME,
    ]
};

/// Bytes of date text per row: five dates of 10 and a timestamp of up to 26.
const TEXT_PER_ROW: usize = 5 * 10 + 26;

impl<'a, const N: usize> PermitInsert<'a, N> {
    /// The insert of `rows` (at least one, at most `N`).
    pub fn new(rows: &'a [PermitRow]) -> Self {
        debug_assert!(!rows.is_empty() && rows.len() <= N, "a chunk holds 1 to {N} rows");
        let mut text = String::with_capacity(rows.len() * TEXT_PER_ROW);
        let day = |text: &mut String, d: Option<NaiveDate>| d.map(|d| span(text, |t| write_day(t, d)));
        let dates = rows
            .iter()
            .map(|r| {
                [
                    day(&mut text, Some(r.valid_from)),
                    day(&mut text, r.valid_until),
                    day(&mut text, r.review_occasion),
                    day(&mut text, r.review_due_on),
                    day(&mut text, r.last_review_occasion),
                    Some(span(&mut text, |t| write_stamp(t, r.updated_at))),
                ]
            })
            .collect();
        PermitInsert { rows, text, dates }
    }
}

/// Appends what `write` writes to `text`, and says where it lies.
fn span(text: &mut String, write: impl FnOnce(&mut String)) -> Range<usize> {
    let start = text.len();
    write(text);
    start..text.len()
}

impl<const N: usize> QueryId for PermitInsert<'_, N> {
    type QueryId = PermitInsert<'static, N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const N: usize> QueryFragment<Sqlite> for PermitInsert<'_, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        if self.rows.len() != N {
            out.unsafe_to_cache_prepared();
        }
        out.push_sql("INSERT INTO ");
        permits::table.walk_ast(out.reborrow())?;
        out.push_sql(" (");
        for (i, column) in COLUMNS.iter().enumerate() {
            out.push_sql(if i == 0 { "" } else { ", " });
            out.push_identifier(column)?;
        }
        out.push_sql(") VALUES ");
        for (i, (row, dates)) in self.rows.iter().zip(&self.dates).enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            self.walk_row(row, dates, out.reborrow())?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<const N: usize> PermitInsert<'_, N> {
    /// One row's values, in the order of [`COLUMNS`].
    fn walk_row<'b>(
        &'b self,
        row: &'b PermitRow,
        dates: &'b [Option<Range<usize>>; 6],
        mut out: AstPass<'_, 'b, Sqlite>,
    ) -> QueryResult<()> {
        const NULL: Option<&str> = None;
        // Every field by name, none with `..`: a field added to the row and not here does not
        // compile. The dates were written into `text` by `new`.
        let PermitRow {
            permit_id,
            person_id,
            pn_hash,
            ground,
            status,
            unit,
            employer_org_no,
            institution,
            imported_by,
            valid_from: _,
            valid_until: _,
            review_occasion: _,
            review_due_on: _,
            last_review_occasion: _,
            updated_at: _,
        } = row;
        out.push_bind_param::<Text, _>(permit_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(person_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(pn_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(ground)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(status)?;
        for text in [unit, employer_org_no, institution] {
            out.push_sql(", ");
            out.push_bind_param::<Nullable<Text>, _>(text)?;
        }
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(imported_by)?;
        for date in dates {
            out.push_sql(", ");
            match date {
                Some(range) => out.push_bind_param::<Text, str>(&self.text[range.clone()])?,
                None => out.push_bind_param::<Nullable<Text>, _>(&NULL)?,
            }
        }
        Ok(())
    }
}

impl<const N: usize> RunQueryDsl<SqliteConnection> for PermitInsert<'_, N> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{connect, migrate, Engine};

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }

    #[test]
    fn the_insert_names_every_column_of_the_table_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = connect(&Engine::Sqlite(dir.path().join("t.db"))).unwrap();
        migrate(&mut conn).unwrap();
        let mut table: Vec<String> = diesel::sql_query("SELECT name FROM pragma_table_info('permits')")
            .load::<Name>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        let mut ours: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        table.sort();
        ours.sort();
        assert_eq!(ours, table);
    }
}
