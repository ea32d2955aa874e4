//! Coverage and expected reports (docs/REFERENCE.md §13): the periods feeds declared complete,
//! what each expectation has judged, the holders who missed a period, and what the rule needs
//! to know of them (their reports, their numbers, the periods their tasks name).

use super::rows::RowReader;
use super::schema::{
    audit_events::dsl as a, coverage::dsl as cv, expectation_marks::dsl as m, imports::dsl as i,
    permits::dsl as p, person_numbers::dsl as n, signals::dsl as s, tasks::dsl as t,
};
use super::{AnyConnection, Result, Tx};
use crate::domain::audit::AuditKind;
use crate::domain::expectation::{Cover, Label, Period};
use crate::domain::ids::{PermitId, PersonId, PnHash, TaskId};
use crate::domain::keys::{GroundKey, UnitKey};
use crate::domain::permit::Validity;
use crate::domain::task::{Evidence, TaskState};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable, Text};

/// Keys a query carries at most in one `IN` list.
const BATCH: usize = 2_000;

/// A period as declared: its order of declaration and the import that declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Covered {
    /// Order of declaration.
    pub seq: i64,
    /// The kind of report.
    pub kind: String,
    /// The period.
    pub period: Period,
    /// The import that first declared it.
    pub import_id: i64,
    /// That import's file.
    pub file: String,
    /// When.
    pub declared_at: NaiveDateTime,
}

/// What became of one `--covers` of an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// Declared by this import.
    New,
    /// Declared before, with the same dates, by the import given.
    Already(i64),
    /// Declared before with other dates: the stored period.
    Conflict(Period),
}

/// Declares `covers` for the import `import_id`; a period declared before with the same dates
/// is left as it is, one with other dates is a conflict (nothing is written for it).
pub fn declare(tx: &mut Tx, import_id: i64, covers: &[Cover], at: NaiveDateTime) -> Result<Vec<Declared>> {
    let mut out = Vec::new();
    for c in covers {
        let conn = &mut *tx.conn;
        let stored: Option<(i64, NaiveDate, NaiveDate)> = cv::coverage
            .filter(cv::kind.eq(&c.kind))
            .filter(cv::label.eq(c.period.label.as_str()))
            .select((cv::import_id, cv::from_on, cv::to_on))
            .first(conn)
            .optional()?;
        out.push(match stored {
            Some((import, from, to)) if (from, to) == (c.period.from, c.period.to) => {
                Declared::Already(import)
            }
            Some((_, from, to)) => Declared::Conflict(Period { label: c.period.label.clone(), from, to }),
            None => {
                crate::on_engine!(conn, c2 => diesel::insert_into(cv::coverage)
                    .values((
                        cv::kind.eq(&c.kind),
                        cv::label.eq(c.period.label.as_str()),
                        cv::from_on.eq(c.period.from),
                        cv::to_on.eq(c.period.to),
                        cv::import_id.eq(import_id),
                        cv::declared_at.eq(at),
                    ))
                    .execute(c2))?;
                Declared::New
            }
        });
    }
    Ok(out)
}

/// Every declared period, by kind and then first day.
pub fn list(tx: &mut Tx) -> Result<Vec<Covered>> {
    let conn = &mut *tx.conn;
    type Row = (i64, String, String, NaiveDate, NaiveDate, i64, NaiveDateTime, Option<String>);
    let rows: Vec<Row> = cv::coverage
        .left_join(i::imports.on(i::id.eq(cv::import_id)))
        .order((cv::kind.asc(), cv::from_on.asc(), cv::label.asc()))
        .select((
            cv::seq,
            cv::kind,
            cv::label,
            cv::from_on,
            cv::to_on,
            cv::import_id,
            cv::declared_at,
            i::file.nullable(),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, kind, label, from, to, import_id, declared_at, file)| {
            let r = RowReader::new("coverage", &seq);
            let label = r.read("label", Label::parse(&label))?;
            Ok(Covered {
                seq,
                kind,
                period: Period { label, from, to },
                import_id,
                file: file.unwrap_or_default(),
                declared_at,
            })
        })
        .collect()
}

/// The periods declared for `kind`, in order of their first day, each with its order of declaration.
pub fn periods_of(tx: &mut Tx, kind: &str) -> Result<Vec<(i64, Period)>> {
    let conn = &mut *tx.conn;
    let rows: Vec<(i64, String, NaiveDate, NaiveDate)> = cv::coverage
        .filter(cv::kind.eq(kind))
        .order((cv::from_on.asc(), cv::seq.asc()))
        .select((cv::seq, cv::label, cv::from_on, cv::to_on))
        .load(conn)?;
    rows.into_iter()
        .map(|(seq, label, from, to)| {
            let label = RowReader::new("coverage", &seq).read("label", Label::parse(&label))?;
            Ok((seq, Period { label, from, to }))
        })
        .collect()
}

/// How far an expectation has judged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mark {
    /// The fingerprint of the expectation it judged under.
    pub fingerprint: String,
    /// The last coverage it saw (`coverage.seq`).
    pub coverage_seq: i64,
    /// The last permit import it saw.
    pub permit_import: i64,
    /// The last audit event it saw.
    pub audit_seq: i64,
}

/// The kinds that have a declared period.
pub fn covered_kinds(tx: &mut Tx) -> Result<Vec<String>> {
    let conn = &mut *tx.conn;
    Ok(cv::coverage.select(cv::kind).distinct().load(conn)?)
}

/// Stores the mark of the expectation `name`.
pub fn set_mark(tx: &mut Tx, name: &str, mark: &Mark) -> Result<()> {
    let conn = &mut *tx.conn;
    let values = (
        m::name.eq(name),
        m::fingerprint.eq(&mark.fingerprint),
        m::coverage_seq.eq(mark.coverage_seq),
        m::permit_import.eq(mark.permit_import),
        m::audit_seq.eq(mark.audit_seq),
    );
    crate::on_engine!(conn, c => diesel::insert_into(m::expectation_marks)
        .values(values)
        .on_conflict(m::name)
        .do_update()
        .set(values)
        .execute(c))?;
    Ok(())
}

/// The newest coverage, permit import and audit event.
pub type Latest = (i64, i64, i64);

#[derive(QueryableByName)]
struct MarkRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    coverage: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    import: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    audit: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    fingerprint: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    coverage_seq: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    permit_import: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    audit_seq: Option<i64>,
}

/// The marks of the expectations that ever judged, by name, and the newest coverage, permit
/// import and audit event (what a mark is brought up to), in one statement: what every tick
/// reads to learn that there is nothing to judge.
pub fn marks(tx: &mut Tx) -> Result<(Vec<(String, Mark)>, Latest)> {
    let conn = &mut *tx.conn;
    let sql = "SELECT l.coverage, l.import, l.audit, m.name, m.fingerprint, m.coverage_seq, m.permit_import, m.audit_seq \
               FROM (SELECT (SELECT max(seq) FROM coverage) AS coverage, \
                            (SELECT max(id) FROM imports WHERE kind = 'permits') AS import, \
                            (SELECT max(id) FROM audit_events) AS audit) l \
               LEFT JOIN expectation_marks m ON 1 = 1";
    let rows: Vec<MarkRow> = crate::on_engine!(conn, c => diesel::sql_query(sql).load(c))?;
    let latest = rows
        .first()
        .map_or((0, 0, 0), |r| (r.coverage.unwrap_or(0), r.import.unwrap_or(0), r.audit.unwrap_or(0)));
    let marks = rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.name?,
                Mark {
                    fingerprint: r.fingerprint?,
                    coverage_seq: r.coverage_seq?,
                    permit_import: r.permit_import?,
                    audit_seq: r.audit_seq?,
                },
            ))
        })
        .collect();
    Ok((marks, latest))
}

/// A permit an expectation judges: what the rule and a new task need of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The permit.
    pub permit: PermitId,
    /// Its holder.
    pub person: PersonId,
    /// Its ground.
    pub ground: GroundKey,
    /// The unit it names, if any.
    pub unit: Option<UnitKey>,
    /// Its validity.
    pub validity: Validity,
}

#[derive(QueryableByName)]
struct HolderRow {
    #[diesel(sql_type = Text)]
    permit_id: String,
    #[diesel(sql_type = Text)]
    person_id: String,
    #[diesel(sql_type = Text)]
    ground: String,
    #[diesel(sql_type = Nullable<Text>)]
    unit: Option<String>,
    #[diesel(sql_type = Date)]
    valid_from: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    valid_until: Option<NaiveDate>,
}

impl HolderRow {
    fn into_domain(self) -> Result<Holder> {
        let r = RowReader::new("permits", &self.permit_id);
        Ok(Holder {
            permit: r.read("permit_id", PermitId::parse(&self.permit_id))?,
            person: r.read("person_id", PersonId::parse(&self.person_id))?,
            ground: r.ground("ground", self.ground)?,
            unit: self.unit.map(|u| r.unit("unit", u)).transpose()?,
            validity: Validity { valid_from: self.valid_from, valid_until: self.valid_until },
        })
    }
}

/// The columns of a [`Holder`].
const HOLDER: &str = "p.permit_id, p.person_id, p.ground, p.unit, p.valid_from, p.valid_until";

/// `$1`-style placeholders for PostgreSQL, `?1`-style for SQLite: both number the binds.
fn placeholder(conn: &AnyConnection, n: usize) -> String {
    match conn {
        AnyConnection::Postgresql(_) => format!("${n}"),
        AnyConnection::Sqlite(_) => format!("?{n}"),
    }
}

/// Whose misses [`missed`] reads: every holder's, or only those of the holders with an open
/// task of the cause given (read from that cause's open tasks, not from the register).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Among<'a> {
    /// Every active permit of the grounds.
    Everyone,
    /// The permits with an open task of this cause.
    OpenTasksOf(&'a str),
}

/// The active permits of `grounds` valid through every period of `window` whose holder has no
/// report of `kind` for any of them — by person id, by the number of any of the holder's
/// permits, or by a number linked to the holder: one anti-join, the cost of which is the cost
/// of a newly covered period (a window of several periods costs about what one does: each
/// holder's reports are read once either way). In no order: the caller sorts and deduplicates
/// the holders of every period together.
pub fn missed(
    tx: &mut Tx,
    kind: &str,
    grounds: &[GroundKey],
    window: &[Period],
    among: Among<'_>,
) -> Result<Vec<Holder>> {
    let (Some(from), Some(to)) = (window.iter().map(|p| p.from).min(), window.iter().map(|p| p.to).max())
    else {
        return Ok(Vec::new());
    };
    let conn = &mut *tx.conn;
    let ph = |k: usize| placeholder(conn, k);
    // $1 kind, $2 and $3 the window's first and last day, $4 the cause, then each period's
    // label, first and last day, then the grounds.
    let (kind_p, from_p, to_p, cause_p) = (ph(1), ph(2), ph(3), ph(4));
    let labels: Vec<String> = (0..window.len()).map(|k| ph(5 + 3 * k)).collect();
    let days: Vec<String> = (0..window.len())
        .map(|k| format!("s.occurred_on BETWEEN {} AND {}", ph(6 + 3 * k), ph(7 + 3 * k)))
        .collect();
    let ground_ps: Vec<String> = (0..grounds.len()).map(|k| ph(5 + 3 * window.len() + k)).collect();
    let reports = format!(
        "s.kind = {kind_p} AND (s.period IN ({labels}) OR (s.period IS NULL AND ({days})))",
        labels = labels.join(", "),
        days = days.join(" OR "),
    );
    let source = match among {
        Among::Everyone => "permits p".to_string(),
        Among::OpenTasksOf(_) => format!(
            "(SELECT DISTINCT permit_id FROM tasks WHERE cause = {cause_p} AND state = 'open') t \
             JOIN permits p ON p.permit_id = t.permit_id"
        ),
    };
    let sql = format!(
        "SELECT {HOLDER} FROM {source} \
         WHERE p.status = 'active' AND p.ground IN ({grounds}) \
           AND p.valid_from <= {from_p} AND (p.valid_until IS NULL OR p.valid_until >= {to_p}) \
           AND NOT EXISTS (SELECT 1 FROM signals s WHERE s.person_id = p.person_id AND {reports}) \
           AND NOT EXISTS (SELECT 1 FROM permits q JOIN signals s ON s.pn_hash = q.pn_hash \
                           WHERE q.person_id = p.person_id AND q.pn_hash IS NOT NULL AND {reports}) \
           AND NOT EXISTS (SELECT 1 FROM person_numbers l JOIN signals s ON s.pn_hash = l.pn_hash \
                           WHERE l.person_id = p.person_id AND {reports})",
        grounds = ground_ps.join(", "),
    );
    let cause = match among {
        Among::Everyone => "",
        Among::OpenTasksOf(cause) => cause,
    };
    let rows: Vec<HolderRow> = crate::on_engine!(conn, c => {
        let mut q = diesel::sql_query(&sql)
            .bind::<Text, _>(kind)
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<Text, _>(cause)
            .into_boxed();
        for p in window {
            q = q.bind::<Text, _>(p.label.as_str()).bind::<Date, _>(p.from).bind::<Date, _>(p.to);
        }
        for g in grounds {
            q = q.bind::<Text, _>(g.as_str());
        }
        q.load(c)
    })?;
    rows.into_iter().map(HolderRow::into_domain).collect()
}

/// The active permits of `grounds` that an import brought in after the import `since`, or that
/// the audit trail says an import changed after the event `since_event`.
pub fn changed(tx: &mut Tx, grounds: &[GroundKey], since: i64, since_event: i64) -> Result<Vec<Holder>> {
    let conn = &mut *tx.conn;
    let mut ids: Vec<String> = p::permits.filter(p::imported_by.gt(since)).select(p::permit_id).load(conn)?;
    let updated: Vec<String> = a::audit_events
        .filter(a::id.gt(since_event))
        .filter(a::event.eq(AuditKind::Updated.as_str()))
        .select(a::permit_id)
        .load(conn)?;
    ids.extend(updated);
    ids.sort();
    ids.dedup();
    holders(tx, grounds, Some(&ids))
}

/// The active permits of `grounds`, all of them (`ids` None) or those of `ids`.
pub fn holders(tx: &mut Tx, grounds: &[GroundKey], ids: Option<&[String]>) -> Result<Vec<Holder>> {
    let conn = &mut *tx.conn;
    let grounds: Vec<&str> = grounds.iter().map(GroundKey::as_str).collect();
    type Row = (String, String, String, Option<String>, NaiveDate, Option<NaiveDate>);
    let columns = (p::permit_id, p::person_id, p::ground, p::unit, p::valid_from, p::valid_until);
    let active = || p::status.eq("active").and(p::ground.eq_any(&grounds));
    let mut rows: Vec<Row> = Vec::new();
    match ids {
        None => rows = p::permits.filter(active()).select(columns).order(p::permit_id.asc()).load(conn)?,
        Some(ids) => {
            for chunk in ids.chunks(BATCH) {
                let part: Vec<Row> = p::permits
                    .filter(active())
                    .filter(p::permit_id.eq_any(chunk))
                    .select(columns)
                    .order(p::permit_id.asc())
                    .load(conn)?;
                rows.extend(part);
            }
        }
    }
    rows.into_iter()
        .map(|(permit_id, person_id, ground, unit, valid_from, valid_until)| {
            HolderRow { permit_id, person_id, ground, unit, valid_from, valid_until }.into_domain()
        })
        .collect()
}

/// The numbers each of `persons` may report under: those of their permits and those linked to them.
pub fn numbers_of(tx: &mut Tx, persons: &[&PersonId]) -> Result<Vec<(PersonId, PnHash)>> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = persons.iter().map(|p| p.as_str()).collect();
    let mut pairs: Vec<(String, String)> = Vec::new();
    for chunk in keys.chunks(BATCH) {
        let on_permits: Vec<(String, Option<String>)> = p::permits
            .filter(p::person_id.eq_any(chunk))
            .filter(p::pn_hash.is_not_null())
            .select((p::person_id, p::pn_hash))
            .load(conn)?;
        pairs.extend(on_permits.into_iter().filter_map(|(person, h)| h.map(|h| (person, h))));
        let linked: Vec<(String, String)> = n::person_numbers
            .filter(n::person_id.eq_any(chunk))
            .select((n::person_id, n::pn_hash))
            .load(conn)?;
        pairs.extend(linked);
    }
    pairs.sort();
    pairs.dedup();
    pairs
        .into_iter()
        .map(|(person, hash)| {
            let r = RowReader::new("person_numbers", &person);
            Ok((r.read("person_id", PersonId::parse(&person))?, PnHash::new(hash)))
        })
        .collect()
}

/// A report as the rule reads it: whose, and for which period or on which day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The person it names, when it names one.
    pub person: Option<String>,
    /// The hash of the number it names, when it names one.
    pub pn_hash: Option<String>,
    /// Its `data.period`.
    pub period: Option<String>,
    /// When it happened.
    pub occurred_on: NaiveDate,
}

/// A report's row: person, number, period, day.
type ReportRow = (Option<String>, Option<String>, Option<String>, NaiveDate);

/// The reports of `kind` of `persons` or `numbers` that may report for `periods`: naming one
/// of their labels, or without a period on a day from the first `from` to the last `to`.
pub fn reports_of(
    tx: &mut Tx,
    kind: &str,
    (persons, numbers): (&[&str], &[&str]),
    periods: &[&Period],
) -> Result<Vec<Report>> {
    let conn = &mut *tx.conn;
    let (Some(lo), Some(hi)) = (periods.iter().map(|p| p.from).min(), periods.iter().map(|p| p.to).max())
    else {
        return Ok(Vec::new());
    };
    let labels: Vec<&str> = periods.iter().map(|p| p.label.as_str()).collect();
    let in_window =
        || s::period.eq_any(labels.clone()).or(s::period.is_null().and(s::occurred_on.between(lo, hi)));
    let mut out = Vec::new();
    for chunk in persons.chunks(BATCH) {
        let rows: Vec<ReportRow> = s::signals
            .filter(s::person_id.eq_any(chunk))
            .filter(s::kind.eq(kind))
            .filter(in_window())
            .select((s::person_id, s::pn_hash, s::period, s::occurred_on))
            .load(conn)?;
        out.extend(rows);
    }
    for chunk in numbers.chunks(BATCH) {
        let rows: Vec<ReportRow> = s::signals
            .filter(s::pn_hash.eq_any(chunk))
            .filter(s::kind.eq(kind))
            .filter(in_window())
            .select((s::person_id, s::pn_hash, s::period, s::occurred_on))
            .load(conn)?;
        out.extend(rows);
    }
    Ok(out
        .into_iter()
        .map(|(person, pn_hash, period, occurred_on)| Report { person, pn_hash, period, occurred_on })
        .collect())
}

/// A task of an expectation: what periods it names and whether it is open.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    /// The task.
    pub id: TaskId,
    /// Its permit.
    pub permit: PermitId,
    /// Whether it is open.
    pub open: bool,
    /// The labels it names: its occasion and its evidence's missed periods.
    pub labels: Vec<Label>,
}

/// The tasks of `cause` of `permits`, oldest first.
pub fn named(tx: &mut Tx, cause: &str, permits: &[&PermitId]) -> Result<Vec<Named>> {
    let conn = &mut *tx.conn;
    let keys: Vec<&str> = permits.iter().map(|p| p.as_str()).collect();
    let mut out = Vec::new();
    for chunk in keys.chunks(BATCH) {
        let rows: Vec<(i64, String, String, String, String)> = t::tasks
            .filter(t::permit_id.eq_any(chunk))
            .filter(t::cause.eq(cause))
            .order(t::id.asc())
            .select((t::id, t::permit_id, t::state, t::occasion, t::evidence))
            .load(conn)?;
        for (id, permit, state, occasion, evidence) in rows {
            let r = RowReader::new("tasks", &id);
            // A task of the cause made before the expectation had the name (a signal kind's
            // task, its occasion a signal id) names no period.
            let mut labels: Vec<Label> = Label::parse(&occasion).into_iter().collect();
            for e in super::tasks::parse_evidence(&r, &evidence)? {
                if let Evidence::Missed { missed, .. } = e {
                    labels.extend(Label::parse(&missed));
                }
            }
            out.push(Named {
                id: TaskId(id),
                permit: r.read("permit_id", PermitId::parse(&permit))?,
                open: state == TaskState::Open.as_str(),
                labels,
            });
        }
    }
    Ok(out)
}

/// Adds missed periods to the evidence of the task `id` if it is still open (a request may
/// have closed it since it was read: PostgreSQL's requests do not wait for the pass); whether it was.
pub fn add_evidence(tx: &mut Tx, id: TaskId, items: Vec<Evidence>) -> Result<bool> {
    let conn = &mut *tx.conn;
    let open = TaskState::Open.as_str();
    let row = t::tasks.filter(t::id.eq(id.0)).filter(t::state.eq(open)).select(t::evidence);
    let current: Option<String> = match conn {
        // A close waits for this transaction, and this one for a close under way.
        AnyConnection::Postgresql(c) => row.for_update().first(c).optional()?,
        // SQLite's pass holds the database's write lock already.
        AnyConnection::Sqlite(c) => row.first(c).optional()?,
    };
    let Some(current) = current else { return Ok(false) };
    let mut list = super::tasks::parse_evidence(&RowReader::new("tasks", &id), &current)?;
    list.extend(items);
    let text = super::rows::evidence_json(&list)?;
    let changed = diesel::update(t::tasks.filter(t::id.eq(id.0)).filter(t::state.eq(open)))
        .set(t::evidence.eq(text))
        .execute(conn)?;
    Ok(changed == 1)
}
