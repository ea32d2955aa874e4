//! `import signals FILE`: outside events (population register, universities, employers) are
//! checked and stored as pending signals in order of receipt; the next tick turns them into tasks.
//!
//! Feeds are re-delivered, so a signal whose id was received before (in an earlier import or
//! earlier in the same file) is a duplicate: counted and ignored, not an error. Otherwise as for
//! permits: one transaction, every error reported, nothing kept unless `skip_invalid`.

use super::check_signal::{SignalChecker, FIELDS};
use super::read::{Format, RecordError, Records};
use super::seen::SeenIds;
use super::{Halt, ImportError, ImportOptions, ImportReport, Intake};
use crate::domain::import::ImportKind;
use crate::domain::policy::Policy;
use crate::domain::signal::NewSignal;
use crate::privacy::PnKey;
use crate::storage::signals as store;
use crate::storage::{PassKind, Store, Tx};

/// Signals written per batch.
const BATCH: usize = 1_000;

/// Imports a signal feed; `on_error` hears every invalid record as it is found.
pub fn import_signals(
    store: &Store,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> Result<ImportReport, ImportError> {
    if opts.format_or(Format::Jsonl)? != Format::Jsonl {
        return Err(ImportError::NotJsonLines { file: opts.file.clone() });
    }
    let input = opts.open()?;
    let seen = SeenIds::new(std::env::temp_dir());
    let mut run = Writer { intake: Intake::new(opts, ImportKind::Signals), seen, batch: Vec::new() };
    // One piece: the feed lands whole or not at all.
    let pass = store.pass(PassKind::ImportSignals, run.intake.stamp(), |pass| {
        let at = pass.at();
        pass.write(|tx| {
            run.intake.begin(tx, at)?;
            let checker = SignalChecker {
                policy,
                key,
                import_id: run.intake.import_id,
                received_at: at.now,
                received_on: at.today,
            };
            let unreadable = |source| ImportError::Unreadable { file: opts.file.clone(), source };
            let mut records = Records::new(input, Format::Jsonl, &opts.file, FIELDS).map_err(unreadable)?;
            while let Some(next) = records.next_record().map_err(unreadable)? {
                match next.and_then(|f| checker.check(&opts.file, &f).map(|s| (f.line, s))) {
                    Err(errors) => run.intake.fail(errors, on_error),
                    Ok((line, signal)) if run.intake.writing() => run.take(tx, line, signal)?,
                    Ok(_) => {}
                }
                run.intake.keep_rejects(tx)?;
            }
            run.flush(tx)?;
            run.intake.close(tx)
        })
    });
    run.intake.outcome(pass)
}

struct Writer<'a> {
    intake: Intake<'a>,
    seen: SeenIds,
    batch: Vec<NewSignal>,
}

impl Writer<'_> {
    /// Keeps a checked signal for the batch, unless one of its id came earlier in the file.
    fn take(&mut self, tx: &mut Tx, line: u64, signal: NewSignal) -> Result<(), Halt> {
        let file = || self.intake.opts.file.clone();
        let first = self.seen.first_line(signal.id.as_str(), line);
        if first.map_err(|source| ImportError::TempFiles { file: file(), source })?.is_some() {
            self.intake.counts.duplicates += 1;
            return Ok(());
        }
        self.batch.push(signal);
        if self.batch.len() >= BATCH {
            self.flush(tx)?;
        }
        Ok(())
    }

    /// Stores the batch, skipping signals received in earlier imports.
    fn flush(&mut self, tx: &mut Tx) -> Result<(), Halt> {
        if self.batch.is_empty() || !self.intake.writing() {
            self.batch.clear();
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.batch);
        let ids: Vec<&str> = batch.iter().map(|s| s.id.as_str()).collect();
        let known = store::known_ids(tx, &ids)?;
        batch.retain(|s| !known.contains(s.id.as_str()));
        self.intake.counts.duplicates += known.len() as u64;
        self.intake.counts.inserted += batch.len() as u64;
        store::insert(tx, &batch)?;
        Ok(())
    }
}
