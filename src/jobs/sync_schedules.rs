//! Recomputes the stored review dates of every ground whose schedule (first review, interval,
//! lead time) changed since the dates were computed: a step that every tick and import takes
//! first, inside its own pass, so that no pass reads dates of another policy.
//!
//! Safe to run twice: once a ground's dates are recomputed, its fingerprint is stored, and the
//! next run finds nothing changed.

use crate::domain::keys::GroundKey;
use crate::domain::policy::Policy;
use crate::domain::review::next_review;
use crate::storage::permits::{self, ReviewUpdate};
use crate::storage::{self, schedules, Tx};

/// Recomputes the dates of changed grounds; returns the grounds recomputed.
pub fn sync_ground_schedules(tx: &mut Tx, policy: &Policy) -> storage::Result<Vec<GroundKey>> {
    let stored = schedules::stored(tx)?;
    let mut changed = Vec::new();
    for (ground, gp) in &policy.grounds {
        let fingerprint = gp.schedule_fingerprint();
        match stored.iter().find(|(name, _)| name == ground) {
            Some((_, f)) if *f == fingerprint => continue,
            Some(_) => {
                let updates: Vec<ReviewUpdate> = permits::active_of_ground(tx, ground)?
                    .into_iter()
                    .map(|(permit_id, validity, last)| ReviewUpdate {
                        permit_id,
                        covered: None,
                        next: next_review(gp, validity, last),
                    })
                    .collect();
                permits::set_next_reviews(tx, &updates)?;
                changed.push(ground.clone());
            }
            // First sight of this ground: rows written so far used this very policy.
            None => {}
        }
        schedules::record(tx, ground, &fingerprint)?;
    }
    Ok(changed)
}
