//! `import permits FILE`: checks every record, then upserts the register in one pass.
//!
//! Streaming: records are checked and written in batches inside one transaction, so a million
//! rows never sit in memory; the first invalid record (without `skip_invalid`) stops the
//! writing, the rest of the file is still checked so that every error is reported, and the
//! transaction is rolled back. Two threads: one reads and checks ([`PermitChecker`]: parsing,
//! validation, the keyed hash of the personal number), the other writes, so a large file keeps
//! both cores busy; the checked records pass in batches through a bounded channel, which keeps
//! memory flat.

use super::check_permit::{PermitChecker, FIELDS};
use super::read::{Format, RecordError, Records};
use super::{ImportError, ImportOptions, ImportReport, Intake};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::PermitId;
use crate::domain::import::ImportKind;
use crate::domain::permit::{Permit, ReviewState};
use crate::domain::policy::Policy;
use crate::domain::review::review_after_import;
use crate::domain::task::{Cause, Outcome};
use crate::jobs::sync_schedules::sync_ground_schedules;
use crate::privacy::PnKey;
use crate::storage::bulk::{self, LoadSession};
use crate::storage::{self, audit, in_pass, permits, signals, tasks, AnyConnection};
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::sync::mpsc::{self, SyncSender};

/// Records checked per batch sent to the writer.
const BATCH: usize = 1_000;

/// Batches of checked records that may wait for the writer (each of [`BATCH`] records; one more
/// is being filled and one written).
const CHANNEL_BATCHES: usize = 4;

/// A rough size of one CSV or JSON record, to tell a bulk load from an update.
const BYTES_PER_ROW: u64 = 80;

/// The note on periodic reviews closed because their permit stopped being active.
const INACTIVE_NOTE: &str = "the permit is no longer active";

/// A record as checked: the permit, or every error found in it.
type Checked = Result<Permit, Vec<RecordError>>;

/// Imports a permit file; `on_error` hears every invalid record as it is found.
pub fn import_permits(
    conn: &mut AnyConnection,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> anyhow::Result<ImportReport> {
    let format = opts.format_or(Format::Csv)?;
    let input = opts.open()?;
    let now = storage::micros(opts.now);
    let expected_rows = std::fs::metadata(&opts.path).map_or(0, |m| m.len() / BYTES_PER_ROW);
    let started = std::time::Instant::now();
    let mut conn = LoadSession::begin(conn, expected_rows)?;
    tracing::debug!(rollback_journal = conn.journal_switched(), "import begins");
    let mut run = Writer::new(policy, opts, now, storage::import_batch_size(&conn));
    let pass = std::thread::scope(|scope| {
        let (checked, to_write) = mpsc::sync_channel::<Vec<Checked>>(CHANNEL_BATCHES);
        let checker = PermitChecker::new(policy, key, &opts.file, opts.today).expecting(expected_rows);
        let reading = scope.spawn(move || check_all(checker, input, format, &checked));
        in_pass(&mut conn, "import permits", |c| {
            sync_ground_schedules(c, policy)?;
            run.intake.begin(c)?;
            // Into an empty register nothing can exist yet (a second row of an id is an error).
            run.register_empty = bulk::register_is_empty(c)?;
            let suspended = if bulk::is_bulk_load(c, expected_rows)? {
                Some(bulk::suspend(c, bulk::REGISTER_INDEXES)?)
            } else {
                None
            };
            for batch in to_write {
                for item in batch {
                    run.take(c, item, on_error)?;
                }
            }
            // The channel also ends when the reading thread fails or dies: only a thread that
            // returned `Ok` has read the whole file, so anything else rolls the import back.
            match reading.join() {
                Ok(Ok(())) => {}
                Ok(Err(source)) => {
                    return Err(ImportError::Unreadable { file: opts.file.clone(), source }.into())
                }
                Err(_) => anyhow::bail!("{}: reading stopped before the end of the file", opts.file),
            }
            run.flush(c)?;
            run.intake.close(c)?;
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "permits written");
            if let Some(indexes) = suspended {
                indexes.rebuild(c)?;
                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "indexes rebuilt");
            }
            permits::after_bulk_change(c, run.intake.counts.inserted + run.intake.counts.updated)?;
            Ok(())
        })
    });
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "import committed");
    drop(conn);
    run.intake.outcome(pass)
}

/// Checks the whole input and sends the results in batches; stops early when the writer has
/// gone (its pass failed), and with an `Err` when the input cannot be read to its end.
fn check_all(
    mut checker: PermitChecker,
    input: Box<dyn std::io::Read + Send>,
    format: Format,
    out: &SyncSender<Vec<Checked>>,
) -> std::io::Result<()> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut records = Records::new(input, format, checker.file(), FIELDS)?;
    let header = records.take_header_errors();
    if !header.is_empty() {
        batch.push(Err(header));
    }
    while let Some(next) = records.next_record()? {
        batch.push(match next {
            Ok(f) => checker.check(&f)?,
            Err(errors) => Err(errors),
        });
        if batch.len() >= BATCH && out.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH))).is_err()
        {
            return Ok(());
        }
    }
    let _ = out.send(batch);
    Ok(())
}

/// The writing side of one import.
struct Writer<'a> {
    policy: &'a Policy,
    now: NaiveDateTime,
    intake: Intake<'a>,
    batch: Vec<Permit>,
    /// The register was empty when the import began: no lookups of existing rows are needed.
    register_empty: bool,
    /// Records per write (`storage::import_batch_size`).
    write_batch: usize,
}

impl<'a> Writer<'a> {
    fn new(policy: &'a Policy, opts: &'a ImportOptions, now: NaiveDateTime, write_batch: usize) -> Self {
        Writer {
            policy,
            now,
            intake: Intake::new(opts, ImportKind::Permits),
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
            Err(errors) => {
                self.intake.fail(errors, on_error);
                self.intake.keep_rejects(c)?;
            }
            Ok(permit) if self.intake.writing() => {
                self.batch.push(permit);
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
        let mut existing: HashMap<PermitId, (Permit, ReviewState)> = if self.register_empty {
            HashMap::new()
        } else {
            let ids: Vec<&PermitId> = batch.iter().map(|p| &p.id).collect();
            permits::existing(c, &ids)?.into_iter().map(|(p, r)| (p.id.clone(), (p, r))).collect()
        };
        let (mut new, mut events) = (Vec::new(), Vec::new());
        for permit in batch {
            let old = existing.remove(&permit.id);
            let changed = old.as_ref().map(|(before, _)| permit.changed_fields(before));
            if changed.as_ref().is_some_and(Vec::is_empty) {
                self.intake.counts.unchanged += 1;
                continue;
            }
            let Some(ground) = self.policy.grounds.get(&permit.ground) else {
                anyhow::bail!("ground {} of permit {} is not in the configuration", permit.ground, permit.id);
            };
            let review = review_after_import(ground, &permit, old.as_ref().map(|(p, r)| (p, r)));
            match (old, changed) {
                (Some((before, _)), Some(changed)) => {
                    self.intake.counts.updated += 1;
                    let (file, import) = (&self.intake.opts.file, self.intake.import_id);
                    events.push(AuditEvent::updated(permit.id.clone(), self.now, &changed, file, import));
                    if let Some(old_hash) =
                        before.pn_hash.as_ref().filter(|h| permit.pn_hash.as_ref() != Some(*h))
                    {
                        // The register replaced the number: signals with the old one still reach the person.
                        signals::link_number(c, old_hash, &before.person)?;
                    }
                    if before.status.is_active() && !permit.status.is_active() {
                        events.extend(close_periodic(c, &permit.id, (self.intake.opts.today, self.now))?);
                    }
                    permits::update(c, permit, review, self.now)?;
                }
                // The import's own record is the permit's first event (`permits.imported_by`).
                _ => {
                    self.intake.counts.inserted += 1;
                    new.push((permit, review));
                }
            }
        }
        permits::insert(c, new, self.intake.import_id, self.now)?;
        audit::append(c, events)?;
        Ok(())
    }
}

/// Closes a permit's open periodic reviews with `permit_inactive`; returns their audit events.
fn close_periodic(
    c: &mut AnyConnection,
    permit: &PermitId,
    (today, now): (chrono::NaiveDate, NaiveDateTime),
) -> anyhow::Result<Vec<AuditEvent>> {
    let mut events = Vec::new();
    let cause = Cause::PeriodicReview;
    for (id, occasion) in tasks::open_of_cause(c, permit, &cause)? {
        if tasks::close(c, id, Outcome::PermitInactive, INACTIVE_NOTE, (today, now))? {
            events.push(AuditEvent::task_closed(
                permit.clone(),
                now,
                (id, &cause, &occasion),
                Outcome::PermitInactive,
                None,
            ));
        }
    }
    Ok(events)
}
