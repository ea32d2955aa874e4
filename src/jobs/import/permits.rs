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
use super::{Halt, ImportError, ImportOptions, ImportReport, Intake};
use crate::domain::audit::AuditEvent;
use crate::domain::ids::PermitId;
use crate::domain::import::ImportKind;
use crate::domain::permit::{Permit, ReviewState};
use crate::domain::policy::Policy;
use crate::domain::review::review_after_import;
use crate::domain::task::{Cause, Outcome};
use crate::jobs::sync_schedules::sync_ground_schedules;
use crate::privacy::PnKey;
use crate::storage::{self, audit, bulk, permits, signals, tasks, PassKind, Store, Tx};
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
    store: &Store,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> Result<ImportReport, ImportError> {
    let format = opts.format_or(Format::Csv)?;
    let input = opts.open()?;
    let expected_rows = std::fs::metadata(&opts.path).map_or(0, |m| m.len() / BYTES_PER_ROW);
    let started = std::time::Instant::now();
    let mut run = Writer::new(policy, opts);
    let pass = std::thread::scope(|scope| {
        let (checked, to_write) = mpsc::sync_channel::<Vec<Checked>>(CHANNEL_BATCHES);
        let checker = PermitChecker::new(policy, key, &opts.file, opts.today).expecting(expected_rows);
        let reading = scope.spawn(move || check_all(checker, input, format, &checked));
        // One piece: the import lands whole or not at all.
        store.pass(PassKind::ImportPermits { expected_rows }, run.intake.stamp(), |pass| {
            let at = pass.at();
            run.now = at.now;
            pass.write(|tx| {
                sync_ground_schedules(tx, policy)?;
                run.intake.begin(tx, at)?;
                // Into an empty register nothing can exist yet (a second row of an id is an error).
                run.register_empty = bulk::register_is_empty(tx)?;
                run.write_batch = storage::import_batch_size(tx);
                for batch in to_write {
                    for item in batch {
                        run.take(tx, item, on_error)?;
                    }
                }
                // The channel also ends when the reading thread fails or dies: only a thread that
                // returned `Ok` has read the whole file, so anything else rolls the import back.
                let file = opts.file.clone();
                match reading.join() {
                    Ok(Ok(())) => {}
                    Ok(Err(source)) => return Err(ImportError::Unreadable { file, source }.into()),
                    Err(_) => {
                        let source = std::io::Error::other("reading stopped before the end of the file");
                        return Err(ImportError::Unreadable { file, source }.into());
                    }
                }
                run.flush(tx)?;
                run.intake.close(tx)?;
                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "permits written");
                Ok::<_, Halt>(())
            })
        })
    });
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "import committed");
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
    /// The time of receipt, as stored.
    now: NaiveDateTime,
    intake: Intake<'a>,
    batch: Vec<Permit>,
    /// The register was empty when the import began: no lookups of existing rows are needed.
    register_empty: bool,
    /// Records per write (`storage::import_batch_size`).
    write_batch: usize,
}

impl<'a> Writer<'a> {
    fn new(policy: &'a Policy, opts: &'a ImportOptions) -> Self {
        Writer {
            policy,
            now: NaiveDateTime::default(),
            intake: Intake::new(opts, ImportKind::Permits),
            batch: Vec::new(),
            write_batch: 1,
            register_empty: false,
        }
    }

    fn take(
        &mut self,
        tx: &mut Tx,
        next: Checked,
        on_error: &mut dyn FnMut(&RecordError),
    ) -> Result<(), Halt> {
        match next {
            Err(errors) => {
                self.intake.fail(errors, on_error);
                self.intake.keep_rejects(tx)?;
            }
            Ok(permit) if self.intake.writing() => {
                self.batch.push(permit);
                if self.batch.len() >= self.write_batch {
                    self.flush(tx)?;
                }
            }
            Ok(_) => {}
        }
        Ok(())
    }

    /// Writes the batch: new permits inserted, changed ones updated, unchanged ones counted.
    fn flush(&mut self, tx: &mut Tx) -> Result<(), Halt> {
        if self.batch.is_empty() || !self.intake.writing() {
            self.batch.clear();
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        let mut existing: HashMap<PermitId, (Permit, ReviewState)> = if self.register_empty {
            HashMap::new()
        } else {
            let ids: Vec<&PermitId> = batch.iter().map(|p| &p.id).collect();
            permits::existing(tx, &ids)?.into_iter().map(|(p, r)| (p.id.clone(), (p, r))).collect()
        };
        let (mut new, mut events, now) = (Vec::new(), Vec::new(), self.now);
        for permit in batch {
            let old = existing.remove(&permit.id);
            let changed = old.as_ref().map(|(before, _)| permit.changed_fields(before));
            if changed.as_ref().is_some_and(Vec::is_empty) {
                self.intake.counts.unchanged += 1;
                continue;
            }
            let Some(ground) = self.policy.grounds.get(&permit.ground) else {
                let (file, ground) = (self.intake.opts.file.clone(), permit.ground.to_string());
                return Err(ImportError::UnknownGround { file, permit: permit.id, ground }.into());
            };
            let review = review_after_import(ground, &permit, old.as_ref().map(|(p, r)| (p, r)));
            match (old, changed) {
                (Some((before, _)), Some(changed)) => {
                    self.intake.counts.updated += 1;
                    let (file, import) = (&self.intake.opts.file, self.intake.import_id);
                    events.push(AuditEvent::updated(permit.id.clone(), now, &changed, file, import));
                    if let Some(old_hash) =
                        before.pn_hash.as_ref().filter(|h| permit.pn_hash.as_ref() != Some(*h))
                    {
                        // The register replaced the number: signals with the old one still reach the person.
                        signals::link_number(tx, old_hash, &before.person)?;
                    }
                    if before.status.is_active() && !permit.status.is_active() {
                        events.extend(close_periodic(tx, &permit.id, (self.intake.opts.today, now))?);
                    }
                    permits::update(tx, permit, review, now)?;
                }
                // The import's own record is the permit's first event (`permits.imported_by`).
                _ => {
                    self.intake.counts.inserted += 1;
                    new.push((permit, review));
                }
            }
        }
        permits::insert(tx, new, self.intake.import_id, now)?;
        audit::append(tx, events)?;
        Ok(())
    }
}

/// Closes a permit's open periodic reviews with `permit_inactive`; returns their audit events.
fn close_periodic(
    tx: &mut Tx,
    permit: &PermitId,
    (today, now): (chrono::NaiveDate, NaiveDateTime),
) -> storage::Result<Vec<AuditEvent>> {
    let mut events = Vec::new();
    let cause = Cause::PeriodicReview;
    for (id, occasion) in tasks::open_of_cause(tx, permit, &cause)? {
        let by = crate::domain::audit::SYSTEM;
        if tasks::close(tx, (id, None), (Outcome::PermitInactive, INACTIVE_NOTE, by), (today, now))? {
            events.push(AuditEvent::task_closed(
                permit.clone(),
                now,
                (id, &cause, &occasion),
                (Outcome::PermitInactive, by),
                None,
            ));
        }
    }
    Ok(events)
}
