//! The `permits` row (a permit of the register) and its `reviews` row (the state of its review
//! series): one of each per permit, written together.

use super::{RowReader, StoredDataError};
use crate::domain::ids::{EmployerRef, PermitId, PersonId, PnHash};
use crate::domain::permit::{Permit, ReviewState, Validity};
use crate::domain::review::NextReview;
use crate::domain::tick::DueReview;
use crate::storage::schema::{permits, reviews};
use crate::storage::sqltime::{Day, MaybeDay, Stamp};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A permit row, written by imports.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = permits, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct PermitRow {
    /// Key.
    pub permit_id: String,
    /// Holder.
    pub person_id: String,
    /// Keyed hash of the personal number.
    pub pn_hash: Option<String>,
    /// Ground.
    pub ground: String,
    /// Valid from.
    #[diesel(serialize_as = Day, deserialize_as = Day)]
    pub valid_from: NaiveDate,
    /// Valid until.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub valid_until: Option<NaiveDate>,
    /// Status word.
    pub status: String,
    /// Own unit.
    pub unit: Option<String>,
    /// Employer.
    pub employer_org_no: Option<String>,
    /// Study institution.
    pub institution: Option<String>,
    /// Last written.
    #[diesel(serialize_as = Stamp, deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// The import that first brought the permit in (set on insert, never changed).
    #[diesel(skip_update)]
    pub imported_by: Option<i64>,
}

impl PermitRow {
    /// The row of `permit`, written at `updated_at`; `imported_by` is the import that brings a
    /// new permit in (ignored on update: it never changes).
    pub fn new(permit: Permit, updated_at: NaiveDateTime, imported_by: Option<i64>) -> Self {
        PermitRow {
            permit_id: permit.id.as_str().to_string(),
            person_id: permit.person.as_str().to_string(),
            pn_hash: permit.pn_hash.map(|h| h.as_str().to_string()),
            ground: permit.ground.as_str().to_string(),
            valid_from: permit.validity.valid_from,
            valid_until: permit.validity.valid_until,
            status: permit.status.as_str().to_string(),
            unit: permit.unit.map(|u| u.as_str().to_string()),
            employer_org_no: permit.employer.map(|e| e.as_str().to_string()),
            institution: permit.institution,
            updated_at,
            imported_by,
        }
    }

    /// The permit.
    pub fn into_domain(self) -> Result<Permit, StoredDataError> {
        let r = RowReader::new("permits", &self.permit_id);
        Ok(Permit {
            id: r.read("permit_id", PermitId::parse(&self.permit_id))?,
            person: r.read("person_id", PersonId::parse(&self.person_id))?,
            pn_hash: self.pn_hash.map(PnHash::new),
            ground: r.ground("ground", self.ground)?,
            validity: Validity { valid_from: self.valid_from, valid_until: self.valid_until },
            status: r.read("status", self.status.parse())?,
            unit: self.unit.map(|u| r.unit("unit", u)).transpose()?,
            employer: self.employer_org_no.map(EmployerRef::new),
            institution: self.institution,
        })
    }
}

/// A permit's review series, written with the permit and moved on by every tick that creates
/// its review task.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reviews, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ReviewRow {
    /// The permit.
    pub permit_id: String,
    /// Next occasion without a task.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub occasion: Option<NaiveDate>,
    /// When its task becomes due.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub due_on: Option<NaiveDate>,
    /// Latest occasion with a task.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub last_occasion: Option<NaiveDate>,
}

impl ReviewRow {
    /// The row of `permit`'s review state.
    pub fn new(permit: &PermitId, review: ReviewState) -> Self {
        ReviewRow {
            permit_id: permit.as_str().to_string(),
            occasion: review.next.map(|n| n.occasion),
            due_on: review.next.map(|n| n.due_on),
            last_occasion: review.last_occasion,
        }
    }

    /// The review state.
    pub fn into_domain(self) -> Result<ReviewState, StoredDataError> {
        let r = RowReader::new("reviews", &self.permit_id);
        Ok(ReviewState {
            next: next_review(&r, self.occasion, self.due_on)?,
            last_occasion: self.last_occasion,
        })
    }
}

/// The stored next review: both dates or neither.
pub(crate) fn next_review(
    r: &RowReader<'_>,
    occasion: Option<NaiveDate>,
    due_on: Option<NaiveDate>,
) -> Result<Option<NextReview>, StoredDataError> {
    match (occasion, due_on) {
        (Some(occasion), Some(due_on)) => Ok(Some(NextReview { occasion, due_on })),
        (None, None) => Ok(None),
        _ => Err(r.fail("due_on", "set without occasion, or the other way round")),
    }
}

/// The columns a tick reads of a due permit.
#[derive(Debug, Clone, Queryable)]
pub struct DueRow {
    /// Key.
    pub permit_id: String,
    /// Ground.
    pub ground: String,
    /// Own unit.
    pub unit: Option<String>,
    /// Valid from.
    #[diesel(deserialize_as = Day)]
    pub valid_from: NaiveDate,
    /// Valid until.
    #[diesel(deserialize_as = MaybeDay)]
    pub valid_until: Option<NaiveDate>,
    /// The stored next review's occasion.
    #[diesel(deserialize_as = MaybeDay)]
    pub review_occasion: Option<NaiveDate>,
}

impl TryFrom<DueRow> for DueReview {
    type Error = StoredDataError;
    fn try_from(row: DueRow) -> Result<Self, StoredDataError> {
        let r = RowReader::new("permits", &row.permit_id);
        Ok(DueReview {
            permit_id: r.read("permit_id", PermitId::parse(&row.permit_id))?,
            unit: row.unit.map(|u| r.unit("unit", u)).transpose()?,
            ground: r.ground("ground", row.ground)?,
            validity: Validity { valid_from: row.valid_from, valid_until: row.valid_until },
            owed_since: row.review_occasion.ok_or_else(|| {
                RowReader::new("reviews", &row.permit_id).fail("occasion", "empty while due_on is set")
            })?,
        })
    }
}

/// The columns `plan` reads of an active permit.
#[derive(Debug, Clone, Queryable)]
pub struct PlanRow {
    /// Key.
    pub permit_id: String,
    /// Ground.
    pub ground: String,
    /// Own unit.
    pub unit: Option<String>,
    /// Valid from.
    #[diesel(deserialize_as = Day)]
    pub valid_from: NaiveDate,
    /// Valid until.
    #[diesel(deserialize_as = MaybeDay)]
    pub valid_until: Option<NaiveDate>,
    /// The stored next review's occasion.
    #[diesel(deserialize_as = MaybeDay)]
    pub review_occasion: Option<NaiveDate>,
    /// When its task becomes due.
    #[diesel(deserialize_as = MaybeDay)]
    pub review_due_on: Option<NaiveDate>,
    /// The latest occasion with a task.
    #[diesel(deserialize_as = MaybeDay)]
    pub last_review_occasion: Option<NaiveDate>,
}
