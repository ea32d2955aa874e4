//! Bulk loading: while a large import writes into a table much smaller than the file, its
//! secondary indexes are dropped and rebuilt at the end — one sort instead of a million random
//! B-tree inserts. Both happen inside the import's transaction, so a failure or a crash rolls
//! the indexes back with the data; the definitions are read from the catalog, never repeated.
//! On SQLite such a load also goes past the write-ahead log ([`LoadSession`]).

use super::{set_cache, AnyConnection, Result, Tx, SQLITE_CACHE_KIB, SQLITE_IMPORT_CACHE_KIB};
use diesel::prelude::*;
use diesel::sql_types::Text;

/// The SQLite page cache while indexes are rebuilt (KiB). SQLite's sorter gives each of its
/// two threads buffers of the cache's size: at the import's cache the rebuild alone took
/// 48 MiB.
const SQLITE_SORT_CACHE_KIB: u32 = 8_192;

/// A file expected to hold more rows than this, and more than twice the register, is a bulk
/// load: rebuilding the indexes at the end pays off only then.
const BULK_MIN_ROWS: u64 = 50_000;

/// Whether writing `expected_rows` into the register is a bulk load: large, and more than twice
/// the register (which is counted only for a large file).
fn is_bulk_load(conn: &mut AnyConnection, expected_rows: u64) -> QueryResult<bool> {
    if expected_rows <= BULK_MIN_ROWS {
        return Ok(false);
    }
    let before = permit_count(conn)?;
    Ok(expected_rows > 2 * u64::try_from(before).unwrap_or(u64::MAX))
}

/// How an import's connection is tuned while its pass lasts (`Store::pass` of
/// `PassKind::ImportPermits`): a smaller SQLite page cache (the import's own buffers take the
/// rest of its memory budget), and for a bulk load into an SQLite file no other process has
/// open, a rollback journal instead of the write-ahead log ([`rollback_journal`]). On
/// PostgreSQL it changes nothing but whether the load is bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Load {
    /// A bulk load: the register's indexes are dropped and rebuilt around the writing.
    pub bulk: bool,
    /// The load bypasses SQLite's write-ahead log.
    pub journal_switched: bool,
}

/// Tunes `conn` for an import of about `expected_rows` records (outside any transaction).
pub(crate) fn begin_load(conn: &mut AnyConnection, expected_rows: u64) -> QueryResult<Load> {
    set_cache(conn, SQLITE_IMPORT_CACHE_KIB)?;
    let bulk = is_bulk_load(conn, expected_rows)?;
    let sqlite = matches!(conn, AnyConnection::Sqlite(_));
    let journal_switched = sqlite && bulk && rollback_journal(conn)?;
    tracing::debug!(bulk, rollback_journal = journal_switched, "import begins");
    Ok(Load { bulk, journal_switched })
}

/// Puts back what [`begin_load`] changed.
pub(crate) fn end_load(conn: &mut AnyConnection, load: Load) {
    if load.journal_switched {
        restore_wal(conn);
    }
    if let Err(e) = set_cache(conn, SQLITE_CACHE_KIB) {
        tracing::debug!(error = %e, "the page cache stays at the import's size on this connection");
    }
}

/// Indexes that an initial load of the register rebuilds instead of maintaining row by row.
pub const REGISTER_INDEXES: &[&str] =
    &["reviews_due", "permits_person", "permits_pn_hash", "permits_imported_by", "audit_events_permit"];

#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    definition: String,
}

/// Dropped indexes, to be rebuilt with [`Suspended::rebuild`].
#[derive(Debug)]
pub struct Suspended(Vec<String>);

/// Drops `names` and returns their definitions.
pub(crate) fn suspend(conn: &mut AnyConnection, names: &[&str]) -> QueryResult<Suspended> {
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
    /// Creates the indexes again. On SQLite the sorter may use a second thread meanwhile: the
    /// import's reading thread is done by then, so the other core is free.
    pub fn rebuild(self, conn: &mut AnyConnection) -> QueryResult<()> {
        let sqlite = matches!(conn, AnyConnection::Sqlite(_));
        if sqlite {
            diesel::sql_query("PRAGMA threads = 1").execute(conn)?;
            set_cache(conn, SQLITE_SORT_CACHE_KIB)?;
        }
        for definition in self.0 {
            let started = std::time::Instant::now();
            diesel::sql_query(&definition).execute(conn)?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), %definition, "index rebuilt");
        }
        if sqlite {
            diesel::sql_query("PRAGMA threads = 0").execute(conn)?;
            set_cache(conn, SQLITE_IMPORT_CACHE_KIB)?;
        }
        Ok(())
    }
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

/// For a large load into an SQLite file that no other connection has open: switches from the
/// write-ahead log to a rollback journal, so that the load's pages are written once, into the
/// file, instead of into the log and then copied at the checkpoint. The journal keeps the load
/// atomic (a crash rolls it back on the next open). SQLite refuses the switch while another
/// connection has the file open (a running daemon); the load then goes through the log as
/// usual. Returns whether it switched; [`restore_wal`] switches back.
fn rollback_journal(conn: &mut AnyConnection) -> QueryResult<bool> {
    let AnyConnection::Sqlite(c) = conn else { return Ok(false) };
    let mode = diesel::sql_query("PRAGMA journal_mode = DELETE").get_result::<JournalMode>(c);
    let switched = mode.is_ok_and(|m| m.journal_mode.eq_ignore_ascii_case("delete"));
    if switched {
        // NORMAL is durable with the log but not with a rollback journal on power loss.
        diesel::sql_query("PRAGMA synchronous = FULL").execute(c)?;
    }
    Ok(switched)
}

/// Switches back to the write-ahead log after [`rollback_journal`]. Every connection asks for
/// the log when it opens, so should this fail (another process opened the file meanwhile and
/// holds it), the next connection switches instead.
fn restore_wal(conn: &mut AnyConnection) {
    if let AnyConnection::Sqlite(c) = conn {
        if let Err(e) = diesel::sql_query("PRAGMA journal_mode = WAL").get_result::<JournalMode>(c) {
            tracing::debug!(error = %e, "the write-ahead log is restored by the next connection");
        }
        if let Err(e) = diesel::sql_query("PRAGMA synchronous = NORMAL").execute(c) {
            tracing::debug!(error = %e, "synchronous stays FULL on this connection");
        }
    }
}

/// Whether the register holds no permit.
pub fn register_is_empty(tx: &mut Tx) -> Result<bool> {
    use super::schema::permits::dsl as p;
    let any: Option<String> = p::permits.select(p::permit_id).first(tx.conn).optional()?;
    Ok(any.is_none())
}

/// Rows in the register.
fn permit_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    super::schema::permits::table.count().get_result(conn)
}
