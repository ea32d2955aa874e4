//! `import navet FILE`: a Tax Agency Navet notification file (docs/REFERENCE.md §12). Each
//! record is a person's whole current entry; it is compared with what was kept of the
//! person's last one (`domain::navet::compare`), and what changed becomes derived signals,
//! stored pending like any feed's, which the next tick turns into tasks.
//!
//! One transaction: the file lands whole or not at all, and a file that cannot be read as a
//! whole (not well-formed, a DTD, another root, truncated, a count that disagrees with
//! `AntalPoster`) is refused even with `skip_invalid`. Safe to run twice: a file is known by
//! its `BestallningsId`, `JobbId` and `FilNr`, and one read before adds nothing; a derived
//! signal's id is made of the same and the record's place, so that none is stored twice.

pub mod check;
mod first;
#[cfg(test)]
mod model_tests;
pub mod xml;

use super::read::RecordError;
use super::{Halt, ImportError, ImportOptions, Intake};
use crate::domain::ids::PnHash;
use crate::domain::import::{ImportCounts, ImportKind};
use crate::domain::navet::{compare, Change, Kept};
use crate::domain::signal::{NewSignal, Subject, PROTECTED_IDENTITY};
use crate::privacy::{salt_of, PnKey};
use crate::storage::navet as kept_store;
use crate::storage::signals as signal_store;
use crate::storage::{PassKind, Store, Tx};
use check::{check_header, check_record, country_of, observe, Checked, FileHeader};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::io::BufReader;
use std::sync::mpsc::{Receiver, SyncSender};
use xml::{Item, NavetReader, Problem};

/// Records compared per batch: their kept records are read in one query.
const BATCH: usize = 1_000;
/// The read buffer.
const READ_BUFFER: usize = 64 * 1024;

/// What an import of a Navet file did.
#[derive(Debug, Clone, Default)]
pub struct NavetReport {
    /// Persons new (`inserted`), records that changed what was kept (`updated`), records
    /// equal to it (`unchanged`), records of a file read before and signals received before
    /// (`duplicates`), invalid records (`rejected`).
    pub counts: ImportCounts,
    /// Records read.
    pub records: u64,
    /// Signals derived, by kind.
    pub signals: BTreeMap<String, u64>,
}

/// Imports a Navet file; `on_error` hears every problem as it is found.
pub fn import_navet(
    store: &Store,
    key: &PnKey,
    opts: &ImportOptions,
    on_error: &mut dyn FnMut(&RecordError),
) -> Result<NavetReport, ImportError> {
    let input = opts.open()?;
    let mut run = Run {
        intake: Intake::new(opts, ImportKind::Navet),
        key,
        report: NavetReport::default(),
        first: None,
    };
    let pass = store.pass(PassKind::ImportNavet, run.intake.stamp(), |pass| {
        let at = pass.at();
        pass.write(|tx| {
            run.intake.begin(tx, at)?;
            let mut reader = NavetReader::new(BufReader::with_capacity(READ_BUFFER, input));
            let header = run.header(&mut reader, on_error)?;
            let repeat = kept_store::file_read_by(tx, &header.key)?.is_some();
            run.first = kept_store::none_kept(tx)?.then(first::Stored::new);
            // One thread reads, checks and hashes the records while this one compares and
            // writes them: on two cores the XML and the hashing cost next to nothing beside
            // the database's work (and on PostgreSQL the server's).
            std::thread::scope(|scope| {
                let (send, received) = std::sync::mpsc::sync_channel(IN_FLIGHT);
                let what = Reading { file: &opts.file, key, today: opts.today, repeat };
                scope.spawn(move || what.read(reader, send));
                run.take_all(tx, &header, received, on_error)
            })?;
            if !repeat && run.intake.writing() {
                kept_store::file_read(tx, &header.key, run.intake.import_id, run.report.records)?;
                kept_store::add_tallies(tx, &run.report.signals)?;
            }
            run.intake.close(tx)
        })
    });
    let mut report = std::mem::take(&mut run.report);
    report.counts = run.intake.outcome(pass)?.counts;
    Ok(report)
}

/// Chunks of records in flight between the reading thread and the writing one.
const IN_FLIGHT: usize = 8;
/// Records a chunk.
const CHUNK: usize = 256;

/// What the reading thread found, in the file's order.
enum Found {
    /// A record, checked: what to compare, or its errors.
    Record(Box<Result<Checked, Vec<RecordError>>>),
    /// A record of a file read before: counted, not checked.
    Again,
    /// The end, with the number of records read.
    End(u64),
    /// The file cannot be read as a whole from here on.
    Problem(Problem),
}

/// The reading thread's part: the records of one file, checked with `key`.
struct Reading<'a> {
    file: &'a str,
    key: &'a PnKey,
    today: chrono::NaiveDate,
    repeat: bool,
}

impl Reading<'_> {
    /// Reads to the end or to the first problem, a chunk at a time; stops when the writing
    /// side has stopped listening.
    fn read<R: std::io::BufRead>(self, mut reader: NavetReader<R>, send: SyncSender<Vec<Found>>) {
        let mut chunk = Vec::with_capacity(CHUNK);
        loop {
            let found = match reader.next_item() {
                Ok(Some(Item::Record(_))) if self.repeat => Found::Again,
                Ok(Some(Item::Record(raw))) => {
                    Found::Record(Box::new(check_record(self.file, &raw, self.key, self.today)))
                }
                Ok(Some(Item::End(n))) => Found::End(n),
                Ok(Some(_)) => continue,
                Ok(None) => break,
                Err(p) => {
                    chunk.push(Found::Problem(p));
                    break;
                }
            };
            chunk.push(found);
            if chunk.len() >= CHUNK
                && send.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).is_err()
            {
                return;
            }
        }
        let _ = send.send(chunk);
    }
}

struct Run<'a> {
    intake: Intake<'a>,
    key: &'a PnKey,
    report: NavetReport,
    /// When nobody was kept before this import: the numbers it stored (`first`).
    first: Option<first::Stored>,
}

impl Run<'_> {
    /// Reads up to the records and checks the header.
    fn header<R: std::io::BufRead>(
        &mut self,
        reader: &mut NavetReader<R>,
        on_error: &mut dyn FnMut(&RecordError),
    ) -> Result<FileHeader, Halt> {
        let header = match reader.next_item() {
            Ok(Some(Item::Header(h))) => h,
            Ok(_) => return Err(self.refuse(1, "Folkbokforingsposter", "is required".into(), on_error)),
            Err(Problem { line, field, reason }) => return Err(self.refuse(line, &field, reason, on_error)),
        };
        check_header(&self.intake.opts.file, &header).map_err(|errors| {
            let count = errors.len() as u64;
            errors.iter().for_each(&mut *on_error);
            self.refused(count)
        })
    }

    /// The file as a whole cannot be read: reported, and everything rolled back.
    fn refuse(
        &mut self,
        line: u64,
        field: &str,
        reason: String,
        on_error: &mut dyn FnMut(&RecordError),
    ) -> Halt {
        on_error(&super::read::error(&self.intake.opts.file, line, field, &reason, None));
        self.refused(1)
    }

    fn refused(&self, count: u64) -> Halt {
        Halt::Import(ImportError::Rejected {
            kind: ImportKind::Navet,
            count: count + self.intake.counts.rejected,
            kept_valid: false,
            counts: ImportCounts::default(),
        })
    }

    /// Takes what the reading thread found, in order: counts, reports and compares the
    /// records a batch at a time; a problem of the file refuses it whole.
    fn take_all(
        &mut self,
        tx: &mut Tx,
        header: &FileHeader,
        received: Receiver<Vec<Found>>,
        on_error: &mut dyn FnMut(&RecordError),
    ) -> Result<(), Halt> {
        let mut batch = Vec::new();
        for found in received.iter().flatten() {
            match found {
                Found::Again => {
                    self.report.records += 1;
                    self.intake.counts.duplicates += 1;
                }
                Found::Record(checked) => {
                    self.report.records += 1;
                    match *checked {
                        Err(errors) => self.intake.fail(errors, on_error),
                        Ok(record) if self.intake.writing() => batch.push(record),
                        Ok(_) => {}
                    }
                    if batch.len() >= BATCH {
                        self.compare(tx, header, std::mem::take(&mut batch), on_error)?;
                    }
                    self.intake.keep_rejects(tx)?;
                }
                Found::End(n) if n != header.count => {
                    let why = format!("says {} record(s), the file holds {n}", header.count);
                    return Err(self.refuse(header.count_line, "AntalPoster", why, on_error));
                }
                Found::End(_) => {}
                Found::Problem(p) => return Err(self.refuse(p.line, &p.field, p.reason, on_error)),
            }
        }
        self.compare(tx, header, batch, on_error)
    }

    /// Compares a batch of records with what was kept, in the file's order; stores what to
    /// keep now and the signals derived.
    fn compare(
        &mut self,
        tx: &mut Tx,
        header: &FileHeader,
        batch: Vec<Checked>,
        on_error: &mut dyn FnMut(&RecordError),
    ) -> Result<(), Halt> {
        if batch.is_empty() || !self.intake.writing() {
            return Ok(());
        }
        let numbers: Vec<&PnHash> = batch
            .iter()
            .flat_map(|r| {
                std::iter::once(&r.person).chain(r.deregistration.as_ref().and_then(|d| d.2.as_ref()))
            })
            .filter(|number| self.first.as_ref().is_none_or(|f| f.may_have(number)))
            .collect();
        let stored = kept_store::kept(tx, &numbers)?;
        let mut state: HashMap<PnHash, Kept> = HashMap::new();
        let mut signals = Vec::new();
        for record in &batch {
            let prior = state.get(&record.person).or_else(|| stored.get(&record.person)).cloned();
            let salt = prior.as_ref().map_or_else(|| salt_of(&record.person), |k| k.salt);
            let (changes, next) = compare(prior.as_ref(), salt, &observe(self.key, salt, record));
            let counts = &mut self.intake.counts;
            match &prior {
                None => counts.inserted += 1,
                Some(p) if *p != next => counts.updated += 1,
                Some(_) => counts.unchanged += 1,
            }
            for change in &changes {
                match self.signal(header, record, salt, change) {
                    Ok(signal) => signals.push(signal),
                    Err(why) => return Err(self.refuse(record.line, "BestallningsId", why, on_error)),
                }
                if let Change::NumberReplaced { new_number, .. } = change {
                    if !state.contains_key(new_number) && !stored.contains_key(new_number) {
                        state.insert(new_number.clone(), next.inherited());
                    }
                }
            }
            if prior.as_ref() != Some(&next) {
                state.insert(record.person.clone(), next);
            }
        }
        let (old, new): (Vec<_>, Vec<_>) = state.iter().partition(|(hash, _)| stored.contains_key(*hash));
        kept_store::insert(tx, &new, self.intake.import_id)?;
        if let Some(first) = &mut self.first {
            new.iter().for_each(|(number, _)| first.stored(number));
        }
        kept_store::update(tx, &old, self.intake.import_id)?;
        self.store(tx, signals)
    }

    /// The signal a change derives.
    fn signal(
        &self,
        header: &FileHeader,
        record: &Checked,
        salt: i64,
        change: &Change,
    ) -> Result<NewSignal, String> {
        let kind = change.kind();
        let id = header.signal_id(record.position, kind)?;
        let mut data = Map::new();
        let mut new_pn_hash = None;
        if let Some(on) = change.deregistered_on() {
            data.insert("deregistered_on".into(), json!(on.to_string()));
        }
        match change {
            Change::Deregistered { code, .. } => {
                data.insert("code".into(), json!(crate::domain::ids::cut(code)));
            }
            Change::NumberReplaced { new_number, .. } => {
                data.insert("new_personal_number".into(), json!("[linked]"));
                new_pn_hash = Some(new_number.clone());
            }
            Change::CitizenshipChanged { added, removed } => {
                let removed: Vec<String> = removed.iter().map(|h| country_of(self.key, salt, *h)).collect();
                data.insert("added".into(), json!(added));
                data.insert("removed".into(), json!(removed));
            }
            _ => {}
        }
        if record.protected {
            data.insert(PROTECTED_IDENTITY.into(), Value::Bool(true));
        }
        let shown_name =
            self.key.redact_text(&header.name, self.intake.opts.today).unwrap_or_else(|| header.name.clone());
        data.insert("navet_file".into(), json!(shown_name));
        data.insert("navet_record".into(), json!(record.position));
        let at = self.intake.stamp();
        Ok(NewSignal {
            id,
            kind: kind.to_string(),
            subject: Subject::Number(record.person.clone()),
            new_pn_hash,
            occurred_on: change.deregistered_on().unwrap_or(header.effective_on),
            data,
            import_id: self.intake.import_id,
            received_at: at.now,
            received_on: at.today,
        })
    }

    /// Stores the signals not received before.
    fn store(&mut self, tx: &mut Tx, mut signals: Vec<NewSignal>) -> Result<(), Halt> {
        let ids: Vec<&str> = signals.iter().map(|s| s.id.as_str()).collect();
        let known = signal_store::known_ids(tx, &ids)?;
        signals.retain(|s| !known.contains(s.id.as_str()));
        self.intake.counts.duplicates += known.len() as u64;
        for s in &signals {
            *self.report.signals.entry(s.kind.clone()).or_default() += 1;
        }
        signal_store::insert(tx, &signals)?;
        Ok(())
    }
}
