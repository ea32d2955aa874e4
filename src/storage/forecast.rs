//! What `plan` reads: the active register, streamed in permit id order into the compact
//! [`Register`] of `domain::forecast` (ground and unit names interned, each permit named by its
//! rank), and the counts the replay starts from. Reads only; the register's strings are never
//! held.

use super::rows::{next_review, PlanRow, RowReader, StoredDataError};
use super::schema::permits::dsl as p;
use super::schema::reviews::dsl as r;
use super::schema::tasks::dsl as t;
use super::{schedules, AnyConnection, Result, Tx};
use crate::domain::calendar::iso_week_bounds;
use crate::domain::forecast::{Register, SimPermit};
use crate::domain::keys::UnitKey;
use crate::domain::permit::PermitStatus;
use crate::domain::task::Cause;
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use std::collections::{BTreeMap, HashMap};

/// The active permits, in bytewise permit id order (the order a tick breaks ties in), with the
/// schedule fingerprints their dates were computed with.
pub fn register(tx: &mut Tx) -> Result<Register> {
    // One pass over the table, never read again: a page cache would only hold memory.
    super::set_cache(tx.conn, PLAN_CACHE_KIB)?;
    let register = read_register(tx);
    super::set_cache(tx.conn, super::SQLITE_CACHE_KIB)?;
    register
}

/// The SQLite page cache while the register is streamed (KiB).
const PLAN_CACHE_KIB: u32 = 2_048;

fn read_register(tx: &mut Tx) -> Result<Register> {
    let conn = &mut *tx.conn;
    let active = PermitStatus::Active.as_str();
    let count: i64 = p::permits.filter(p::status.eq(active)).count().get_result(conn)?;
    let mut reader =
        Interner { register: Register::default(), grounds: HashMap::new(), units: HashMap::new() };
    reader.register.permits.reserve_exact(usize::try_from(count).unwrap_or(0));
    let columns = (
        p::permit_id,
        p::ground,
        p::unit,
        p::valid_from,
        p::valid_until,
        r::occasion,
        r::due_on,
        r::last_occasion,
    );
    match conn {
        // Row by row: libpq would otherwise hold the whole result. The order must be bytewise,
        // as Rust compares the ids: a database collated "C" gives it from the primary key's
        // index; any other sorts with `COLLATE "C"`.
        AnyConnection::Postgresql(c) => {
            let order =
                if bytewise_collation(c)? { "permits.permit_id" } else { "permits.permit_id COLLATE \"C\"" };
            let query = p::permits
                .inner_join(r::reviews)
                .filter(p::status.eq(active))
                .order(sql::<Text>(order))
                .select(columns);
            for row in query.load_iter::<PlanRow, diesel::pg::PgRowByRowLoadingMode>(c)? {
                reader.add(row?)?;
            }
        }
        // SQLite steps the statement as rows are read; its text order is bytewise already.
        AnyConnection::Sqlite(c) => {
            let query = p::permits
                .inner_join(r::reviews)
                .filter(p::status.eq(active))
                .order(p::permit_id.asc())
                .select(columns);
            for row in query.load_iter::<PlanRow, diesel::connection::DefaultLoadingMode>(c)? {
                reader.add(row?)?;
            }
        }
    }
    reader.register.fingerprints = schedules::stored(tx)?.into_iter().collect();
    Ok(reader.register)
}

/// Whether the database's default collation orders text bytewise (`C`, `POSIX`, or glibc's
/// `C.UTF-8`, which orders by code point, as UTF-8's bytes do).
fn bytewise_collation(c: &mut diesel::PgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Collation {
        #[diesel(sql_type = Text)]
        datcollate: String,
    }
    let found: Collation =
        diesel::sql_query("SELECT datcollate FROM pg_database WHERE datname = current_database()")
            .get_result(c)?;
    Ok(matches!(found.datcollate.as_str(), "C" | "POSIX" | "C.UTF-8" | "C.utf8"))
}

/// Builds the register row by row, interning ground and unit names.
struct Interner {
    register: Register,
    grounds: HashMap<String, u16>,
    units: HashMap<String, u16>,
}

impl Interner {
    fn add(&mut self, row: PlanRow) -> Result<()> {
        let r = RowReader::new("permits", &row.permit_id);
        let next =
            next_review(&RowReader::new("reviews", &row.permit_id), row.review_occasion, row.review_due_on)?;
        let ground =
            intern(&mut self.grounds, &mut self.register.grounds, row.ground, |g| r.ground("ground", g))?
                .map_err(|e| r.fail("ground", e))?;
        let unit = row
            .unit
            .map(|u| {
                intern(&mut self.units, &mut self.register.units, u, |u| r.unit("unit", u))?
                    .map_err(|e| r.fail("unit", e))
            })
            .transpose()?;
        let rank = u32::try_from(self.register.permits.len())
            .map_err(|_| r.fail("permit_id", "more than 4 billion permits"))?;
        self.register.permits.push(SimPermit {
            rank,
            ground,
            unit,
            validity: crate::domain::permit::Validity {
                valid_from: row.valid_from,
                valid_until: row.valid_until,
            },
            next,
            last_occasion: row.last_review_occasion,
        });
        Ok(())
    }
}

/// The index of `name` in `names`, adding it (read by `key`) the first time.
fn intern<K>(
    index: &mut HashMap<String, u16>,
    names: &mut Vec<K>,
    name: String,
    key: impl FnOnce(String) -> Result<K, StoredDataError>,
) -> Result<Result<u16, &'static str>, StoredDataError> {
    if let Some(i) = index.get(&name) {
        return Ok(Ok(*i));
    }
    let Ok(i) = u16::try_from(names.len()) else { return Ok(Err("more than 65,535 distinct names")) };
    names.push(key(name.clone())?);
    index.insert(name, i);
    Ok(Ok(i))
}

/// Tasks created per ISO week (by its Monday) and unit, in the weeks from `from` to `to`.
pub fn created_by_week(
    tx: &mut Tx,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<BTreeMap<NaiveDate, BTreeMap<UnitKey, u32>>> {
    super::tasks::created_in_weeks(tx, iso_week_bounds(from).0, iso_week_bounds(to).0)
}

/// Signal tasks (any cause but the periodic review) created per unit from `from` to `to`.
pub fn signal_tasks_by_unit(tx: &mut Tx, from: NaiveDate, to: NaiveDate) -> Result<BTreeMap<UnitKey, u64>> {
    let conn = &mut *tx.conn;
    let rows: Vec<(String, i64)> = t::tasks
        .filter(t::created_on.between(from, to))
        .filter(t::cause.ne(Cause::PERIODIC_REVIEW))
        .group_by(t::unit)
        .select((t::unit, diesel::dsl::count_star()))
        .load(conn)?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    rows.into_iter()
        .map(|(u, n)| Ok((RowReader::new("tasks", &"(a count by unit)").unit("unit", u)?, count(n))))
        .collect()
}
