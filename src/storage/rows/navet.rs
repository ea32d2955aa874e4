//! The kept record of a person named in Navet files (`navet_persons`): keyed hashes only.

use super::{RowReader, StoredDataError};
use crate::domain::navet::{Digest, Kept};
use crate::storage::schema::navet_persons;
use diesel::prelude::*;

/// A kept record as stored.
#[derive(Debug, Clone, Insertable, Queryable, Selectable)]
#[diesel(table_name = navet_persons, treat_none_as_default_value = false)]
pub struct NavetPersonRow {
    /// The keyed hash of the person's number.
    pub pn_hash: String,
    /// Mixed into each of the person's hashes.
    pub salt: i64,
    /// Keyed hash of the name.
    pub name_hash: Option<i64>,
    /// Keyed hash of the date of birth.
    pub birth_date_hash: Option<i64>,
    /// The keyed hashes of the countries of citizenship, sorted, in hex, comma-separated.
    pub citizenships: Option<String>,
    /// Keyed hash of the deregistration in force.
    pub deregistration_hash: Option<i64>,
    /// Keyed hash of the last emigration seen.
    pub emigration_hash: Option<i64>,
    /// The import that last changed it.
    pub import_id: i64,
}

impl NavetPersonRow {
    /// The row of a kept record.
    pub fn new(pn_hash: &str, kept: &Kept, import_id: i64) -> Self {
        NavetPersonRow {
            pn_hash: pn_hash.to_string(),
            salt: kept.salt,
            name_hash: kept.name,
            birth_date_hash: kept.birth_date,
            citizenships: kept
                .citizenships
                .as_ref()
                .map(|set| set.iter().map(|h| format!("{:016x}", *h as u64)).collect::<Vec<_>>().join(",")),
            deregistration_hash: kept.deregistration,
            emigration_hash: kept.emigration,
            import_id,
        }
    }

    /// The kept record.
    pub fn into_domain(self) -> Result<Kept, StoredDataError> {
        let r = RowReader::new("navet_persons", &self.pn_hash);
        let citizenships = match &self.citizenships {
            None => None,
            Some(text) if text.is_empty() => Some(Vec::new()),
            Some(text) => Some(
                text.split(',')
                    .map(|h| r.read("citizenships", u64::from_str_radix(h, 16).map(|v| v as Digest)))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        Ok(Kept {
            salt: self.salt,
            name: self.name_hash,
            birth_date: self.birth_date_hash,
            citizenships,
            deregistration: self.deregistration_hash,
            emigration: self.emigration_hash,
        })
    }
}
