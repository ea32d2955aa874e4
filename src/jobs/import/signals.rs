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
use crate::domain::expectation::Cover;
use crate::domain::ids::quoted;
use crate::domain::import::ImportKind;
use crate::domain::policy::Policy;
use crate::domain::signal::NewSignal;
use crate::privacy::PnKey;
use crate::storage::expectations::{self, Declared};
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
    import_signals_covering(store, policy, key, opts, &[], on_error)
}

/// Imports a signal feed that holds every report of each of `covers` (`--covers`,
/// docs/REFERENCE.md §13): the periods are declared with the feed, in its transaction. A feed
/// with rejected records is not complete, so with `skip_invalid` its valid signals land and
/// its periods are not declared (the report says so).
pub fn import_signals_covering(
    store: &Store,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    covers: &[Cover],
    on_error: &mut dyn FnMut(&RecordError),
) -> Result<ImportReport, ImportError> {
    if opts.format_or(Format::Jsonl)? != Format::Jsonl {
        return Err(ImportError::NotJsonLines { file: opts.file.clone() });
    }
    check_covers(policy, &opts.file, covers)?;
    let mut declared = Vec::new();
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
            if !covers.is_empty() {
                records.allow_empty();
            }
            while let Some(next) = records.next_record().map_err(unreadable)? {
                match next.and_then(|f| checker.check(&opts.file, &f).map(|s| (f.line, s))) {
                    Err(errors) => run.intake.fail(errors, on_error),
                    Ok((line, signal)) if run.intake.writing() => run.take(tx, line, signal)?,
                    Ok(_) => {}
                }
                run.intake.keep_rejects(tx)?;
            }
            run.flush(tx)?;
            if run.intake.complete() {
                declared = declare(tx, &opts.file, run.intake.import_id, covers, at.now)?;
            }
            run.intake.close(tx)
        })
    });
    let mut report = run.intake.outcome(pass)?;
    report.covers = declared;
    Ok(report)
}

/// Each cover's kind is a signal kind, and no period is given twice with other dates.
fn check_covers(policy: &Policy, file: &str, covers: &[Cover]) -> Result<(), ImportError> {
    for (i, c) in covers.iter().enumerate() {
        let bad = |why: String| ImportError::BadCover { file: file.to_string(), cover: c.to_string(), why };
        if !policy.signals.contains_key(&c.kind) {
            return Err(bad(format!("unknown kind {} (not under [signals])", quoted(&c.kind))));
        }
        if let Some(other) = covers[..i].iter().find(|o| o.kind == c.kind && o.period.label == c.period.label)
        {
            if other.period != c.period {
                return Err(bad(format!("{}:{} is given twice, also as {other}", c.kind, c.period.label)));
            }
        }
    }
    Ok(())
}

/// Declares the covers; a period covered before with other dates stops the import.
fn declare(
    tx: &mut Tx,
    file: &str,
    import_id: i64,
    covers: &[Cover],
    at: chrono::NaiveDateTime,
) -> Result<Vec<(Cover, Declared)>, Halt> {
    let mut distinct: Vec<Cover> = Vec::new();
    for c in covers {
        if !distinct.contains(c) {
            distinct.push(c.clone());
        }
    }
    let outcome = expectations::declare(tx, import_id, &distinct, at)?;
    let pairs: Vec<(Cover, Declared)> = distinct.into_iter().zip(outcome).collect();
    if let Some((c, Declared::Conflict(stored))) =
        pairs.iter().find(|(_, d)| matches!(d, Declared::Conflict(_)))
    {
        let why = format!(
            "{}:{} is already covered as {}..{}, which a later feed cannot change",
            c.kind, stored.label, stored.from, stored.to
        );
        return Err(ImportError::BadCover { file: file.to_string(), cover: c.to_string(), why }.into());
    }
    Ok(pairs)
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
