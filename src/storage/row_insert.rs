//! The SQLite insert of new register rows: `INSERT INTO permits (…) VALUES (…), …` (and the same
//! for `reviews`), what diesel's batch insert of [`PermitRow`]s and [`ReviewRow`]s writes,
//! without what that costs a million-row import (a quarter of its writing time). diesel can
//! insert these rows only by value (their dates are written through `serialize_as`), so it
//! moves every row into the statement, and it formats every date into a string of its own.
//! This statement borrows the rows' text where it lies and formats the dates of a chunk into
//! one buffer.

use super::rows::{PermitRow, ReviewRow};
use super::schema::{permits, reviews};
use super::sqltime::{write_day, write_stamp};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use std::ops::Range;

/// A row [`RowInsert`] writes: its text columns bound where they lie, then its dates (and
/// times), formatted into the chunk's buffer, last.
pub trait InsertRow: 'static {
    /// The table.
    const TABLE: &'static str;
    /// Every column, in the order the row binds them; a test checks them against the table.
    const COLUMNS: &'static [&'static str];
    /// How many of the last [`InsertRow::COLUMNS`] are dates or times written into the buffer.
    const DATES: usize;
    /// Bytes of date text per row, to size the buffer.
    const TEXT_PER_ROW: usize;

    /// Appends the row's dates and times to `text`, one span each (`None`: NULL).
    fn write_dates(&self, text: &mut String, spans: &mut Vec<Option<Range<usize>>>);

    /// Binds the columns before the dates, separated by `, `.
    fn walk_leading<'b>(&'b self, out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()>;
}

/// New rows to insert, borrowed. A chunk of exactly `N` rows has a statement id of its own,
/// so diesel prepares its statement once and reuses it; a shorter one is prepared each time.
pub struct RowInsert<'a, R, const N: usize> {
    rows: &'a [R],
    /// The rows' dates and update times as SQLite stores them (`storage::sqltime`), back to back.
    text: String,
    /// Per row, [`InsertRow::DATES`] spans of `text`, row after row.
    dates: Vec<Option<Range<usize>>>,
}

impl<'a, R: InsertRow, const N: usize> RowInsert<'a, R, N> {
    /// The insert of `rows` (at least one, at most `N`).
    pub fn new(rows: &'a [R]) -> Self {
        debug_assert!(!rows.is_empty() && rows.len() <= N, "a chunk holds 1 to {N} rows");
        let mut text = String::with_capacity(rows.len() * R::TEXT_PER_ROW);
        let mut dates = Vec::with_capacity(rows.len() * R::DATES);
        for row in rows {
            row.write_dates(&mut text, &mut dates);
        }
        debug_assert_eq!(dates.len(), rows.len() * R::DATES);
        RowInsert { rows, text, dates }
    }
}

/// Appends `d` to `text` and says where it lies; `None` for NULL.
fn day(text: &mut String, d: Option<NaiveDate>) -> Option<Range<usize>> {
    d.map(|d| span(text, |t| write_day(t, d)))
}

/// Appends what `write` writes to `text`, and says where it lies.
fn span(text: &mut String, write: impl FnOnce(&mut String)) -> Range<usize> {
    let start = text.len();
    write(text);
    start..text.len()
}

impl<R: InsertRow, const N: usize> QueryId for RowInsert<'_, R, N> {
    type QueryId = RowInsert<'static, R, N>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<R: InsertRow, const N: usize> QueryFragment<Sqlite> for RowInsert<'_, R, N> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        const NULL: Option<&str> = None;
        if self.rows.len() != N {
            out.unsafe_to_cache_prepared();
        }
        out.push_sql("INSERT INTO ");
        out.push_identifier(R::TABLE)?;
        out.push_sql(" (");
        for (i, column) in R::COLUMNS.iter().enumerate() {
            out.push_sql(if i == 0 { "" } else { ", " });
            out.push_identifier(column)?;
        }
        out.push_sql(") VALUES ");
        for (i, (row, dates)) in self.rows.iter().zip(self.dates.chunks_exact(R::DATES)).enumerate() {
            out.push_sql(if i == 0 { "(" } else { ", (" });
            row.walk_leading(out.reborrow())?;
            for date in dates {
                out.push_sql(", ");
                match date {
                    Some(range) => out.push_bind_param::<Text, str>(&self.text[range.clone()])?,
                    None => out.push_bind_param::<Nullable<Text>, _>(&NULL)?,
                }
            }
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<R: InsertRow, const N: usize> RunQueryDsl<SqliteConnection> for RowInsert<'_, R, N> {}

impl InsertRow for PermitRow {
    const TABLE: &'static str = "permits";
    const COLUMNS: &'static [&'static str] = &{
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
            // and the three written into the buffer
            valid_from::NAME,
            valid_until::NAME,
            updated_at::NAME,
        ]
    };
    const DATES: usize = 3;
    /// Two dates of 10 and a timestamp of up to 26.
    const TEXT_PER_ROW: usize = 2 * 10 + 26;

    fn write_dates(&self, text: &mut String, spans: &mut Vec<Option<Range<usize>>>) {
        spans.push(day(text, Some(self.valid_from)));
        spans.push(day(text, self.valid_until));
        spans.push(Some(span(text, |t| write_stamp(t, self.updated_at))));
    }

    fn walk_leading<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        // Every field by name, none with `..`: a field added to the row and not here does not
        // compile. The dates go through `write_dates`.
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
            updated_at: _,
        } = self;
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
        out.push_bind_param::<Nullable<BigInt>, _>(imported_by)
    }
}

impl InsertRow for ReviewRow {
    const TABLE: &'static str = "reviews";
    const COLUMNS: &'static [&'static str] = &{
        use diesel::Column;
        use reviews::*;
        [permit_id::NAME, occasion::NAME, due_on::NAME, last_occasion::NAME]
    };
    const DATES: usize = 3;
    const TEXT_PER_ROW: usize = 3 * 10;

    fn write_dates(&self, text: &mut String, spans: &mut Vec<Option<Range<usize>>>) {
        let ReviewRow { permit_id: _, occasion, due_on, last_occasion } = self;
        spans.extend([day(text, *occasion), day(text, *due_on), day(text, *last_occasion)]);
    }

    fn walk_leading<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_bind_param::<Text, _>(&self.permit_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{connect, migrate, Engine};

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = Text)]
        name: String,
    }

    fn names_every_column_once<R: InsertRow>() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = connect(&Engine::Sqlite(dir.path().join("t.db"))).unwrap();
        migrate(&mut conn).unwrap();
        let mut table: Vec<String> =
            diesel::sql_query(format!("SELECT name FROM pragma_table_info('{}')", R::TABLE))
                .load::<Name>(&mut conn)
                .unwrap()
                .into_iter()
                .map(|c| c.name)
                .collect();
        let mut ours: Vec<String> = R::COLUMNS.iter().map(|c| c.to_string()).collect();
        table.sort();
        ours.sort();
        assert_eq!(ours, table, "{}", R::TABLE);
    }

    #[test]
    fn the_inserts_name_every_column_of_their_table_once() {
        names_every_column_once::<PermitRow>();
        names_every_column_once::<ReviewRow>();
    }
}
