//! `import permits FILE`: validates every record, then upserts the register in one pass.
//!
//! Streaming: records are checked and written in batches inside one transaction, so a million
//! rows never sit in memory; the first invalid record (without `--skip-invalid`) stops the
//! writing, the rest of the file is still checked so that every error is reported, and the
//! transaction is rolled back. Only a 16-byte fingerprint per permit id is kept, to find ids
//! that occur twice.

use super::read::{self, Fields, Format, RecordError, Records};
use super::{ImportOptions, ImportReport, Intake};
use crate::domain::ids::{quoted, OrgNo, PermitId, PersonId, PersonalNumber};
use crate::domain::policy::Policy;
use crate::domain::review::next_review;
use crate::domain::task::{Outcome, PermitStatus, PERIODIC_REVIEW};
use crate::privacy::PnKey;
use crate::storage::imports::Counts;
use crate::storage::rows::{NewAuditRow, PermitRow};
use crate::storage::{self, audit, bulk, in_pass, permits, tasks, AnyConnection};
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::mpsc::{self, SyncSender};

/// The columns and keys of a permit record.
pub const FIELDS: &[&str] = &[
    "permit_id",
    "person_id",
    "personal_number",
    "ground",
    "valid_from",
    "valid_until",
    "status",
    "unit",
    "employer_org_no",
    "institution",
];

/// Records checked per batch sent to the writer.
const BATCH: usize = 1_000;

/// Records written per batch (one lookup of existing rows, then the writes), by engine: on
/// PostgreSQL one COPY, where fewer and larger COPYs cut a million-row import by about a sixth;
/// on SQLite inserts in cached chunks of 100, which run faster while the batch is still in the
/// processor's cache.
fn write_batch(conn: &AnyConnection) -> usize {
    match conn {
        AnyConnection::Postgresql(_) => 5_000,
        AnyConnection::Sqlite(_) => 1_000,
    }
}

/// A rough size of one CSV or JSON record, to tell a bulk load from an update.
const BYTES_PER_ROW: u64 = 80;

/// A file expected to hold more rows than this, and more than twice the register, is loaded
/// with the register's secondary indexes rebuilt at the end (see `storage::bulk`).
const BULK_MIN_ROWS: u64 = 50_000;

/// Past this many written permits the planner's statistics are refreshed, so the next tick uses
/// the due-review index at once instead of waiting for autovacuum.
const ANALYZE_AFTER: i64 = 10_000;

/// Imports a permit file; `on_error` hears every invalid record as it is found.
///
/// Two threads: one reads and checks the records (parsing, validation, the keyed hash of the
/// personal number), the other writes them, so a large file keeps both cores busy. The checked
/// records pass in batches through a bounded channel, which keeps memory flat.
pub fn import_permits(
    conn: &mut AnyConnection,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> anyhow::Result<ImportReport> {
    let format = opts.format_or(Format::Csv)?;
    let input = read::open(&opts.file).map_err(|e| anyhow::anyhow!("{}: {e}", opts.file))?;
    let now = storage::micros(opts.now);
    let mut run = Run::new(policy, opts, now, write_batch(conn));
    let expected_rows = std::fs::metadata(&opts.file).map_or(0, |m| m.len() / BYTES_PER_ROW);
    let started = std::time::Instant::now();
    storage::set_cache(conn, storage::SQLITE_IMPORT_CACHE_KIB)?;
    // A first look outside the pass, only to choose the journal; the pass decides again.
    let journal_switched = matches!(conn, AnyConnection::Sqlite(_))
        && bulk_load(conn, expected_rows)?
        && bulk::rollback_journal(conn)?;
    tracing::debug!(rollback_journal = journal_switched, "import begins");
    let pass = std::thread::scope(|scope| {
        let (checked, to_write) = mpsc::sync_channel::<Vec<Checked>>(CHANNEL_BATCHES);
        let checker = Checker::new(policy, key, &opts.file);
        let reading = scope.spawn(move || checker.check_all(input, format, &checked));
        in_pass(conn, "import permits", |c| {
            permits::sync_ground_schedules(c, policy)?;
            run.intake.begin(c)?;
            // Into an empty register nothing can exist yet (a second row of an id is an error).
            run.register_empty = bulk::register_is_empty(c)?;
            let suspended = if bulk_load(c, expected_rows)? {
                Some(bulk::suspend(c, bulk::REGISTER_INDEXES)?)
            } else {
                None
            };
            for batch in to_write {
                for item in batch {
                    run.take(c, item, on_error)?;
                }
            }
            // The channel also ends when the reading thread dies: only a thread that returned
            // has read the whole file, so anything else rolls the import back.
            if reading.join().is_err() {
                anyhow::bail!("{}: reading stopped before the end of the file", opts.file);
            }
            run.flush(c)?;
            run.intake.close(c)?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "permits written");
            if let Some(indexes) = suspended {
                indexes.rebuild(c)?;
                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "indexes rebuilt");
            }
            if run.intake.counts.inserted + run.intake.counts.updated > ANALYZE_AFTER {
                permits::analyze(c)?;
            }
            Ok(())
        })
    });
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "import committed");
    if journal_switched {
        bulk::restore_wal(conn);
    }
    run.intake.outcome(pass, summary)
}

/// Whether a file expected to hold `expected_rows` is a bulk load: large, and more than twice
/// the register (counted only for a large file).
fn bulk_load(c: &mut AnyConnection, expected_rows: u64) -> anyhow::Result<bool> {
    if expected_rows <= BULK_MIN_ROWS {
        return Ok(false);
    }
    let before = bulk::permit_count(c)?;
    Ok(expected_rows > 2 * u64::try_from(before).unwrap_or(u64::MAX))
}

/// `3 inserted, 1 updated, 0 unchanged`.
pub fn summary(c: &Counts) -> String {
    format!("{} inserted, {} updated, {} unchanged", c.inserted, c.updated, c.unchanged)
}

/// A record as checked: the row to write, or every error found in it.
type Checked = Result<PermitRow, Vec<RecordError>>;

/// Batches of checked records that may wait for the writer (each of [`BATCH`] records; one more
/// is being filled and one written).
const CHANNEL_BATCHES: usize = 4;

/// Reads and checks records on its own thread.
struct Checker<'a> {
    policy: &'a Policy,
    key: &'a PnKey,
    file: &'a str,
    /// A 16-byte fingerprint and the line of every permit id seen, to find ids that occur twice.
    seen: HashMap<[u64; 2], u32>,
    hashers: (RandomState, RandomState),
}

impl<'a> Checker<'a> {
    fn new(policy: &'a Policy, key: &'a PnKey, file: &'a str) -> Self {
        Checker { policy, key, file, seen: HashMap::new(), hashers: (RandomState::new(), RandomState::new()) }
    }

    /// Checks the whole input and sends the results in batches; stops early only when the
    /// writer has gone (its pass failed).
    fn check_all(
        mut self,
        input: Box<dyn std::io::Read + Send>,
        format: Format,
        out: &SyncSender<Vec<Checked>>,
    ) {
        let mut batch = Vec::with_capacity(BATCH);
        match Records::new(input, format, self.file, FIELDS) {
            Ok(mut records) => {
                let header = records.take_header_errors();
                if !header.is_empty() {
                    batch.push(Err(header));
                }
                while let Some(next) = records.next_record() {
                    batch.push(next.and_then(|f| self.validate(&f)));
                    if batch.len() >= BATCH
                        && out.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err()
                    {
                        return;
                    }
                }
            }
            Err(errors) => batch.push(Err(errors)),
        }
        let _ = out.send(batch);
    }

    /// Checks one record: every field error of it, and an id seen earlier in the file.
    fn validate(&mut self, f: &Fields) -> Result<PermitRow, Vec<RecordError>> {
        let file = self.file;
        let mut errors = Vec::new();
        let key = f.get("permit_id").map(str::to_string);
        let mut bad =
            |field: &str, reason: String| errors.push(read::error(file, f.line, field, &reason, key.clone()));
        let required = |name: &str, bad: &mut dyn FnMut(&str, String)| {
            let v = f.get(name);
            if v.is_none() {
                bad(name, "is required".into());
            }
            v
        };
        let permit_id = required("permit_id", &mut bad)
            .and_then(|v| PermitId::parse(v).map_err(|e| bad("permit_id", e.0)).ok());
        let person_id = required("person_id", &mut bad)
            .and_then(|v| PersonId::parse(v).map_err(|e| bad("person_id", e.0)).ok());
        let pn = f
            .get("personal_number")
            .and_then(|v| PersonalNumber::parse(v).map_err(|e| bad("personal_number", e.0)).ok());
        let ground = required("ground", &mut bad).and_then(|g| {
            if self.policy.grounds.contains_key(g) {
                Some(g.to_string())
            } else {
                bad("ground", format!("unknown ground {}", quoted(g)));
                None
            }
        });
        let date = |name: &str, v: &str, bad: &mut dyn FnMut(&str, String)| {
            crate::storage::sqltime::parse_day(v).or_else(|| {
                bad(name, format!("{} is not a date (YYYY-MM-DD)", quoted(v)));
                None
            })
        };
        let valid_from = required("valid_from", &mut bad).and_then(|v| date("valid_from", v, &mut bad));
        let valid_until = f.get("valid_until").and_then(|v| date("valid_until", v, &mut bad));
        if let (Some(from), Some(until)) = (valid_from, valid_until) {
            if until <= from {
                bad("valid_until", format!("{until} is not after valid_from {from}"));
            }
        }
        let status =
            f.get("status").unwrap_or("active").parse::<PermitStatus>().map_err(|e| bad("status", e)).ok();
        let unit = f.get("unit").and_then(|u| {
            if self.policy.units.contains_key(u) {
                Some(u.to_string())
            } else {
                bad("unit", format!("unknown unit {}", quoted(u)));
                None
            }
        });
        let employer = f
            .get("employer_org_no")
            .and_then(|v| OrgNo::parse(v).map_err(|e| bad("employer_org_no", e.0)).ok());
        let institution = f.get("institution").map(str::to_string);
        if institution.as_ref().is_some_and(|i| i.chars().count() > 200) {
            bad("institution", "is longer than 200 characters".into());
        }
        if let Some(id) = &permit_id {
            let fp = self.fingerprint(id.as_str());
            if let Some(first) = self.seen.get(&fp) {
                bad("permit_id", format!("{id} appears twice in this file (first on line {first})"));
            } else {
                self.seen.insert(fp, u32::try_from(f.line).unwrap_or(u32::MAX));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let (Some(permit_id), Some(person_id), Some(ground), Some(valid_from), Some(status)) =
            (permit_id, person_id, ground, valid_from, status)
        else {
            unreachable!("a missing value was reported as an error")
        };
        Ok(PermitRow {
            permit_id: permit_id.as_str().to_string(),
            person_id: person_id.as_str().to_string(),
            pn_hash: pn.map(|pn| self.key.hash(&pn)),
            ground,
            valid_from,
            valid_until,
            status: status.as_str().to_string(),
            unit,
            employer_org_no: employer.map(|o| self.key.employer(&o)),
            institution,
            review_occasion: None,
            review_due_on: None,
            last_review_occasion: None,
            updated_at: NaiveDateTime::default(),
            imported_by: None,
        })
    }

    /// 128 bits from two independently keyed hashers: a false "twice" is out of reach.
    fn fingerprint(&self, id: &str) -> [u64; 2] {
        [self.hashers.0.hash_one(id), self.hashers.1.hash_one(id)]
    }
}

/// The writing side of one import.
struct Run<'a> {
    policy: &'a Policy,
    now: NaiveDateTime,
    intake: Intake<'a>,
    batch: Vec<PermitRow>,
    /// The register was empty when the import began: no lookups of existing rows are needed.
    register_empty: bool,
    /// Records per write ([`write_batch`]).
    write_batch: usize,
}

impl<'a> Run<'a> {
    fn new(policy: &'a Policy, opts: &'a ImportOptions, now: NaiveDateTime, write_batch: usize) -> Self {
        Run {
            policy,
            now,
            intake: Intake::new(opts, "permits"),
            batch: Vec::new(),
            write_batch,
            register_empty: false,
        }
    }

    fn take(
        &mut self,
        c: &mut AnyConnection,
        next: Checked,
        on_error: &mut dyn FnMut(&RecordError),
    ) -> anyhow::Result<()> {
        match next {
            Err(errors) => self.intake.fail(errors, on_error),
            Ok(mut row) if self.intake.writing() => {
                row.updated_at = self.now;
                self.batch.push(row);
                if self.batch.len() >= self.write_batch {
                    self.flush(c)?;
                }
            }
            Ok(_) => {}
        }
        Ok(())
    }

    /// Writes the batch: new permits inserted, changed ones updated, unchanged ones counted.
    fn flush(&mut self, c: &mut AnyConnection) -> anyhow::Result<()> {
        if self.batch.is_empty() || !self.intake.writing() {
            self.batch.clear();
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let ids: Vec<&str> = batch.iter().map(|r| r.permit_id.as_str()).collect();
        let existing: HashMap<String, PermitRow> = if self.register_empty {
            HashMap::new()
        } else {
            permits::existing(c, &ids)?.into_iter().map(|r| (r.permit_id.clone(), r)).collect()
        };
        let (mut new_rows, mut audit_rows) = (Vec::new(), Vec::new());
        for mut row in batch {
            let old = existing.get(&row.permit_id);
            if old.is_some_and(|o| o.same_record(&row)) {
                self.intake.counts.unchanged += 1;
                continue;
            }
            self.schedule(&mut row, old);
            let event = |event: &str, detail: String| NewAuditRow {
                permit_id: row.permit_id.clone(),
                at: self.now,
                event: event.into(),
                task_id: None,
                detail,
            };
            match old {
                None => {
                    // The import's own record is the permit's first event (`permits.imported_by`).
                    self.intake.counts.inserted += 1;
                    row.imported_by = Some(self.intake.import_id);
                    new_rows.push(row);
                }
                Some(old) => {
                    self.intake.counts.updated += 1;
                    let changed = row.changed_fields(old).join(", ");
                    audit_rows.push(event(
                        "updated",
                        format!(
                            "{changed} changed by {} (import {})",
                            self.intake.opts.file, self.intake.import_id
                        ),
                    ));
                    if let Some(old_hash) = old.pn_hash.as_ref().filter(|h| row.pn_hash.as_ref() != Some(*h))
                    {
                        // The register replaced the number: signals with the old one still reach the person.
                        crate::storage::signals::link_number(c, old_hash, &old.person_id)?;
                    }
                    if old.status == "active" && row.status != "active" {
                        audit_rows.extend(close_periodic(c, &row.permit_id, self.now)?);
                    }
                    permits::update(c, row)?;
                }
            }
        }
        permits::insert(c, new_rows)?;
        audit::append(c, audit_rows)?;
        Ok(())
    }

    /// Sets the stored next review of a new or changed permit.
    fn schedule(&self, row: &mut PermitRow, old: Option<&PermitRow>) {
        row.last_review_occasion = old.and_then(|o| o.last_review_occasion);
        if row.status != "active" {
            row.set_next(None);
            return;
        }
        let unchanged_schedule = old.is_some_and(|o| {
            o.status == "active"
                && o.ground == row.ground
                && o.valid_from == row.valid_from
                && o.valid_until == row.valid_until
        });
        match old {
            Some(o) if unchanged_schedule => {
                row.review_occasion = o.review_occasion;
                row.review_due_on = o.review_due_on;
            }
            _ => {
                let gp = &self.policy.grounds[&row.ground];
                row.set_next(next_review(gp, row.validity(), row.last_review_occasion));
            }
        }
    }
}

/// Closes a permit's open periodic reviews with `permit_inactive`; returns their audit events.
fn close_periodic(
    c: &mut AnyConnection,
    permit: &str,
    now: NaiveDateTime,
) -> anyhow::Result<Vec<NewAuditRow>> {
    let mut events = Vec::new();
    for (id, occasion) in tasks::open_of_cause(c, permit, PERIODIC_REVIEW)? {
        let note = "the permit is no longer active";
        if tasks::close(c, id, Outcome::PermitInactive.as_str(), note, now)? {
            events.push(NewAuditRow {
                permit_id: permit.to_string(),
                at: now,
                event: "task_closed".into(),
                task_id: Some(id),
                detail: format!("task {id} (periodic_review {occasion}) closed: permit_inactive"),
            });
        }
    }
    Ok(events)
}
