//! Rows as diesel reads and writes them, and their conversions to domain types: the one place
//! where the two meet.

use super::schema::*;
use super::sqltime::{Day, MaybeDay, Stamp};
use crate::domain::review::{NextReview, Validity};
use crate::domain::tick::DuePermit;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

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
    /// Next occasion without a task.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub review_occasion: Option<NaiveDate>,
    /// When its task becomes due.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub review_due_on: Option<NaiveDate>,
    /// Latest occasion with a task.
    #[diesel(serialize_as = MaybeDay, deserialize_as = MaybeDay)]
    pub last_review_occasion: Option<NaiveDate>,
    /// Last written.
    #[diesel(serialize_as = Stamp, deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// The import that first brought the permit in (set on insert, never changed).
    #[diesel(skip_update)]
    pub imported_by: Option<i64>,
}

impl PermitRow {
    /// The permit's dates.
    pub fn validity(&self) -> Validity {
        Validity { valid_from: self.valid_from, valid_until: self.valid_until }
    }

    /// Whether the imported fields (not the review state) equal `other`'s.
    pub fn same_record(&self, other: &PermitRow) -> bool {
        self.changed_fields(other).is_empty()
    }

    /// The names of the imported fields that differ from `other`'s (values are not shown: one
    /// of them is a personal number).
    pub fn changed_fields(&self, other: &PermitRow) -> Vec<&'static str> {
        let mut out = Vec::new();
        let mut check = |name, differs| {
            if differs {
                out.push(name)
            }
        };
        check("person_id", self.person_id != other.person_id);
        check("personal_number", self.pn_hash != other.pn_hash);
        check("ground", self.ground != other.ground);
        check("valid_from", self.valid_from != other.valid_from);
        check("valid_until", self.valid_until != other.valid_until);
        check("status", self.status != other.status);
        check("unit", self.unit != other.unit);
        check("employer_org_no", self.employer_org_no != other.employer_org_no);
        check("institution", self.institution != other.institution);
        out
    }

    /// Sets the stored next review.
    pub fn set_next(&mut self, next: Option<NextReview>) {
        self.review_occasion = next.map(|n| n.occasion);
        self.review_due_on = next.map(|n| n.due_on);
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

impl From<DueRow> for DuePermit {
    fn from(r: DueRow) -> Self {
        DuePermit {
            permit_id: r.permit_id,
            ground: r.ground,
            unit: r.unit,
            validity: Validity { valid_from: r.valid_from, valid_until: r.valid_until },
            owed_since: r.review_occasion.unwrap_or(r.valid_from),
        }
    }
}

/// A task to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = tasks, treat_none_as_default_value = false)]
pub struct NewTaskRow {
    /// Permit.
    pub permit_id: String,
    /// `periodic_review` or a signal kind.
    pub cause: String,
    /// The occasion date or the signal id.
    pub occasion: String,
    /// Unit.
    pub unit: String,
    /// Priority word.
    pub priority: String,
    /// Reason.
    pub reason: String,
    /// Legal basis.
    pub legal_basis: String,
    /// JSON list of evidence.
    pub evidence: String,
    /// Local date of creation.
    #[diesel(serialize_as = Day)]
    pub created_on: NaiveDate,
    /// Instant of creation (UTC).
    #[diesel(serialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    /// Due date.
    #[diesel(serialize_as = Day)]
    pub due_on: NaiveDate,
    /// `open`.
    pub state: String,
}

/// A stored task, as `tasks` lists it.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    /// Task id.
    pub id: i64,
    /// Permit.
    pub permit_id: String,
    /// Cause.
    pub cause: String,
    /// Occasion.
    pub occasion: String,
    /// Unit.
    pub unit: String,
    /// Priority.
    pub priority: String,
    /// Reason.
    pub reason: String,
    /// Legal basis.
    pub legal_basis: String,
    /// Evidence JSON.
    pub evidence: String,
    /// Created on.
    pub created_on: NaiveDate,
    /// Due on.
    pub due_on: NaiveDate,
    /// open or closed.
    pub state: String,
    /// Outcome when closed.
    pub outcome: Option<String>,
    /// Caseworker's note.
    pub note: Option<String>,
    /// When it went out in a digest.
    pub notified_at: Option<NaiveDateTime>,
}

/// An audit event to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct NewAuditRow {
    /// Permit.
    pub permit_id: String,
    /// When (UTC).
    #[diesel(serialize_as = Stamp)]
    pub at: NaiveDateTime,
    /// What happened, one word.
    pub event: String,
    /// The task concerned.
    pub task_id: Option<i64>,
    /// A sentence, no personal data.
    pub detail: String,
}

/// A stored audit event.
#[derive(Debug, Clone, Queryable, Serialize)]
pub struct AuditRow {
    /// Sequence.
    pub id: i64,
    /// Permit.
    pub permit_id: String,
    /// When (UTC).
    pub at: NaiveDateTime,
    /// Event word.
    pub event: String,
    /// Task.
    pub task_id: Option<i64>,
    /// Detail.
    pub detail: String,
}
