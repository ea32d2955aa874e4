//! What each ground's stored review dates were computed with (`ground_schedules`): the
//! fingerprint of its schedule, so that a policy change is noticed and the dates recomputed.

use super::rows::RowReader;
use super::schema::ground_schedules::dsl as g;
use super::{Result, Tx};
use crate::domain::keys::GroundKey;
use diesel::prelude::*;

/// Every ground's stored fingerprint: (ground, fingerprint).
pub fn stored(tx: &mut Tx) -> Result<Vec<(GroundKey, String)>> {
    let rows: Vec<(String, String)> = g::ground_schedules.load(tx.conn)?;
    rows.into_iter()
        .map(|(ground, fingerprint)| {
            let r = RowReader::new("ground_schedules", &ground);
            Ok((r.ground("ground", ground.clone())?, fingerprint))
        })
        .collect()
}

/// Records the fingerprint a ground's dates are now computed with.
pub fn record(tx: &mut Tx, ground: &GroundKey, fingerprint: &str) -> Result<()> {
    let conn = &mut *tx.conn;
    let changed = diesel::update(g::ground_schedules.find(ground.as_str()))
        .set(g::fingerprint.eq(fingerprint))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(g::ground_schedules)
            .values((g::ground.eq(ground.as_str()), g::fingerprint.eq(fingerprint)))
            .execute(conn)?;
    }
    Ok(())
}
