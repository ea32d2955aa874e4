//! Bulk loading: while a large import writes into a table much smaller than the file, its
//! secondary indexes are dropped and rebuilt at the end — one sort instead of a million random
//! B-tree inserts. Both happen inside the import's transaction, so a failure or a crash rolls
//! the indexes back with the data; the definitions are read from the catalog, never repeated.

use super::AnyConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// Indexes that an initial load of the register rebuilds instead of maintaining row by row.
pub const REGISTER_INDEXES: &[&str] =
    &["permits_review_due", "permits_person", "permits_pn_hash", "audit_events_permit"];

#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Dropped indexes, to be rebuilt with [`Suspended::rebuild`].
#[derive(Debug)]
pub struct Suspended(Vec<String>);

/// Drops `names` and returns their definitions.
pub fn suspend(conn: &mut AnyConnection, names: &[&str]) -> QueryResult<Suspended> {
    let mut definitions = Vec::new();
    for name in names {
        let found: Vec<Definition> = match conn {
            AnyConnection::Sqlite(c) => diesel::sql_query(
                "SELECT sql AS definition FROM sqlite_master WHERE type = 'index' AND name = ?",
            )
            .bind::<Text, _>(*name)
            .load(c)?,
            AnyConnection::Postgresql(c) => diesel::sql_query(
                "SELECT indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND indexname = $1",
            )
            .bind::<Text, _>(*name)
            .load(c)?,
        };
        if let Some(d) = found.into_iter().next() {
            diesel::sql_query(format!("DROP INDEX {name}")).execute(conn)?;
            definitions.push(d.definition);
        }
    }
    Ok(Suspended(definitions))
}

impl Suspended {
    /// Creates the indexes again.
    pub fn rebuild(self, conn: &mut AnyConnection) -> QueryResult<()> {
        for definition in self.0 {
            diesel::sql_query(definition).execute(conn)?;
        }
        Ok(())
    }
}

/// Rows in the register.
pub fn permit_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    super::schema::permits::table.count().get_result(conn)
}
