//! What each ground's stored review dates were computed with (`ground_schedules`): the
//! fingerprint of its schedule, so that a policy change is noticed and the dates recomputed.

use super::schema::ground_schedules::dsl as g;
use super::AnyConnection;
use diesel::prelude::*;

/// Every ground's stored fingerprint: (ground, fingerprint).
pub fn stored(conn: &mut AnyConnection) -> QueryResult<Vec<(String, String)>> {
    g::ground_schedules.load(conn)
}

/// Records the fingerprint a ground's dates are now computed with.
pub fn record(conn: &mut AnyConnection, ground: &str, fingerprint: &str) -> QueryResult<()> {
    let changed =
        diesel::update(g::ground_schedules.find(ground)).set(g::fingerprint.eq(fingerprint)).execute(conn)?;
    if changed == 0 {
        diesel::insert_into(g::ground_schedules)
            .values((g::ground.eq(ground), g::fingerprint.eq(fingerprint)))
            .execute(conn)?;
    }
    Ok(())
}
