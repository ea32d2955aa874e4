//! The kept records of persons named in Navet files, and the files read (docs/REFERENCE.md §12).

use super::rows::NavetPersonRow;
use super::schema::{navet_files::dsl as f, navet_persons::dsl as p, navet_tallies::dsl as t};
use super::{AnyConnection, Result, Tx};
use crate::domain::ids::PnHash;
use crate::domain::navet::{FileKey, Kept};
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Keys a lookup carries at most.
const LOOKUP: usize = 1_000;
/// Rows a multi-row insert carries at most (8 columns).
const INSERT: usize = 500;

/// The kept records of the numbers `hashes` that have one.
pub fn kept(tx: &mut Tx, hashes: &[&PnHash]) -> Result<HashMap<PnHash, Kept>> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = hashes.iter().map(|h| h.as_str()).collect();
    let mut out = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(LOOKUP) {
        let rows: Vec<NavetPersonRow> = p::navet_persons
            .filter(p::pn_hash.eq_any(chunk))
            .select(NavetPersonRow::as_select())
            .load(conn)?;
        for row in rows {
            let hash = PnHash::new(row.pn_hash.clone());
            out.insert(hash, row.into_domain()?);
        }
    }
    Ok(out)
}

/// Stores kept records of persons who had none.
pub fn insert(tx: &mut Tx, new: &[(&PnHash, &Kept)], import_id: i64) -> Result<()> {
    let conn = &mut *tx.conn;
    let rows: Vec<NavetPersonRow> =
        new.iter().map(|(h, k)| NavetPersonRow::new(h.as_str(), k, import_id)).collect();
    match conn {
        AnyConnection::Postgresql(c) if rows.len() > 1 => {
            diesel::copy_from(p::navet_persons).from_insertable(rows).execute(c)?;
        }
        _ => {
            for chunk in rows.chunks(INSERT) {
                crate::on_engine!(conn, c => diesel::insert_into(p::navet_persons).values(chunk).execute(c))?;
            }
        }
    }
    Ok(())
}

/// Replaces kept records: on PostgreSQL in one statement a [`LOOKUP`] of them (a day's file
/// changes thousands, and a statement a record cost a round trip each); on SQLite, where a
/// statement is a function call, one prepared statement a record.
pub fn update(tx: &mut Tx, changed: &[(&PnHash, &Kept)], import_id: i64) -> Result<()> {
    let conn = &mut *tx.conn;
    let rows: Vec<NavetPersonRow> =
        changed.iter().map(|(h, k)| NavetPersonRow::new(h.as_str(), k, import_id)).collect();
    match conn {
        AnyConnection::Postgresql(c) => {
            for chunk in rows.chunks(LOOKUP) {
                update_columns(c, chunk)?;
            }
        }
        AnyConnection::Sqlite(c) => {
            for row in rows {
                diesel::update(p::navet_persons.find(&row.pn_hash))
                    .set((
                        p::salt.eq(row.salt),
                        p::name_hash.eq(row.name_hash),
                        p::birth_date_hash.eq(row.birth_date_hash),
                        p::citizenships.eq(row.citizenships),
                        p::deregistration_hash.eq(row.deregistration_hash),
                        p::emigration_hash.eq(row.emigration_hash),
                        p::import_id.eq(row.import_id),
                    ))
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

/// PostgreSQL: `rows` replaced in one `UPDATE … FROM unnest(…)`, a column an array.
fn update_columns(c: &mut diesel::PgConnection, rows: &[NavetPersonRow]) -> QueryResult<usize> {
    use diesel::sql_types::{Array, BigInt, Nullable, Text};
    const SQL: &str = "UPDATE navet_persons AS p SET salt = u.salt, name_hash = u.name_hash, \
        birth_date_hash = u.birth_date_hash, citizenships = u.citizenships, \
        deregistration_hash = u.deregistration_hash, emigration_hash = u.emigration_hash, import_id = u.import_id \
        FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[]) \
        AS u(pn_hash, salt, name_hash, birth_date_hash, citizenships, deregistration_hash, emigration_hash, import_id) \
        WHERE p.pn_hash = u.pn_hash";
    let column = |f: fn(&NavetPersonRow) -> Option<i64>| rows.iter().map(f).collect::<Vec<_>>();
    diesel::sql_query(SQL)
        .bind::<Array<Text>, _>(rows.iter().map(|r| r.pn_hash.as_str()).collect::<Vec<_>>())
        .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.salt).collect::<Vec<_>>())
        .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.name_hash))
        .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.birth_date_hash))
        .bind::<Array<Nullable<Text>>, _>(rows.iter().map(|r| r.citizenships.as_deref()).collect::<Vec<_>>())
        .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.deregistration_hash))
        .bind::<Array<Nullable<BigInt>>, _>(column(|r| r.emigration_hash))
        .bind::<Array<BigInt>, _>(rows.iter().map(|r| r.import_id).collect::<Vec<_>>())
        .execute(c)
}

/// Whether no person is kept yet (before a first file).
pub fn none_kept(tx: &mut Tx) -> Result<bool> {
    let conn = &mut *tx.conn;
    let any: Option<String> = p::navet_persons.select(p::pn_hash).first(conn).optional()?;
    Ok(any.is_none())
}

/// The import that read the file `key` before, if one did.
pub fn file_read_by(tx: &mut Tx, key: &FileKey) -> Result<Option<i64>> {
    let conn = &mut *tx.conn;
    Ok(f::navet_files
        .filter(f::order_id.eq(&key.order))
        .filter(f::job_id.eq(key.job))
        .filter(f::part.eq(key.part))
        .select(f::import_id)
        .first(conn)
        .optional()?)
}

/// Records that the import `import_id` read the file `key` of `records` records.
pub fn file_read(tx: &mut Tx, key: &FileKey, import_id: i64, records: u64) -> Result<()> {
    let conn = &mut *tx.conn;
    let records = i64::try_from(records).unwrap_or(i64::MAX);
    crate::on_engine!(conn, c => diesel::insert_into(f::navet_files)
        .values((f::order_id.eq(&key.order), f::job_id.eq(key.job), f::part.eq(key.part),
                 f::import_id.eq(import_id), f::records.eq(records)))
        .execute(c))?;
    Ok(())
}

/// Adds signals derived, by kind, to the running tallies.
pub fn add_tallies(tx: &mut Tx, derived: &BTreeMap<String, u64>) -> Result<()> {
    let conn = &mut *tx.conn;
    for (kind, n) in derived {
        let n = i64::try_from(*n).unwrap_or(i64::MAX);
        crate::on_engine!(conn, c => diesel::insert_into(t::navet_tallies)
            .values((t::kind.eq(kind), t::signals.eq(n)))
            .on_conflict(t::kind)
            .do_update()
            .set(t::signals.eq(t::signals + n))
            .execute(c))?;
    }
    Ok(())
}

/// What Navet files gave so far: the records of the files read (each once), and the signals
/// derived, by kind (for `/metrics`).
pub fn figures(tx: &mut Tx) -> Result<(u64, BTreeMap<String, u64>)> {
    let conn = &mut *tx.conn;
    let rows: Vec<(String, i64)> = t::navet_tallies.select((t::kind, t::signals)).load(conn)?;
    // One row a file read: a few hundred a year.
    let files: Vec<i64> = f::navet_files.select(f::records).load(conn)?;
    let records = files.iter().map(|n| u64::try_from(*n).unwrap_or(0)).sum();
    Ok((records, rows.into_iter().map(|(k, n)| (k, u64::try_from(n).unwrap_or(0))).collect()))
}
