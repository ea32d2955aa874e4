//! `import signals FILE`: outside events (population register, universities, employers) are
//! checked and stored as pending signals in order of receipt; the next tick turns them into tasks.
//!
//! Feeds are re-delivered, so a signal whose id was received before (in an earlier import or
//! earlier in the same file) is a duplicate: counted and ignored, not an error. Otherwise as for
//! permits: one transaction, every error reported, nothing kept unless `skip_invalid`.

use super::check_signal::{SignalChecker, FIELDS};
use super::read::{Format, RecordError, Records};
use super::seen::SeenIds;
use super::{ImportError, ImportOptions, ImportReport, Intake};
use crate::domain::import::ImportKind;
use crate::domain::policy::Policy;
use crate::domain::signal::NewSignal;
use crate::privacy::PnKey;
use crate::storage::signals as store;
use crate::storage::{self, in_pass, AnyConnection};

/// Signals written per batch.
const BATCH: usize = 1_000;

/// Imports a signal feed; `on_error` hears every invalid record as it is found.
pub fn import_signals(
    conn: &mut AnyConnection,
    policy: &Policy,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> anyhow::Result<ImportReport> {
    if opts.format_or(Format::Jsonl)? != Format::Jsonl {
        return Err(ImportError::NotJsonLines { file: opts.file.clone() }.into());
    }
    let input = opts.open()?;
    let seen = SeenIds::new(std::env::temp_dir());
    let mut run = Writer { intake: Intake::new(opts, ImportKind::Signals), seen, batch: Vec::new() };
    let pass = in_pass(conn, "import signals", |c| {
        run.intake.begin(c)?;
        let checker = SignalChecker {
            policy,
            key,
            import_id: run.intake.import_id,
            received_at: storage::micros(opts.now),
            received_on: opts.today,
        };
        let unreadable = |source| ImportError::Unreadable { file: opts.file.clone(), source };
        let mut records = Records::new(input, Format::Jsonl, &opts.file, FIELDS).map_err(unreadable)?;
        while let Some(next) = records.next_record().map_err(unreadable)? {
            match next.and_then(|f| checker.check(&opts.file, &f).map(|s| (f.line, s))) {
                Err(errors) => run.intake.fail(errors, on_error),
                Ok((line, signal)) if run.intake.writing() => run.take(c, line, signal)?,
                Ok(_) => {}
            }
            run.intake.keep_rejects(c)?;
        }
        run.flush(c)?;
        run.intake.close(c)
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
    fn take(&mut self, c: &mut AnyConnection, line: u64, signal: NewSignal) -> anyhow::Result<()> {
        if self.seen.first_line(signal.id.as_str(), line)?.is_some() {
            self.intake.counts.duplicates += 1;
            return Ok(());
        }
        self.batch.push(signal);
        if self.batch.len() >= BATCH {
            self.flush(c)?;
        }
        Ok(())
    }

    /// Stores the batch, skipping signals received in earlier imports.
    fn flush(&mut self, c: &mut AnyConnection) -> anyhow::Result<()> {
        if self.batch.is_empty() || !self.intake.writing() {
            self.batch.clear();
            return Ok(());
        }
        let mut batch = std::mem::take(&mut self.batch);
        let ids: Vec<&str> = batch.iter().map(|s| s.id.as_str()).collect();
        let known = store::known_ids(c, &ids)?;
        batch.retain(|s| !known.contains(s.id.as_str()));
        self.intake.counts.duplicates += known.len() as u64;
        self.intake.counts.inserted += batch.len() as u64;
        store::insert(c, &batch)?;
        Ok(())
    }
}
