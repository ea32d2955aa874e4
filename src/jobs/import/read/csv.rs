//! CSV records through `csv_core` into buffers of a fixed size: a record longer than
//! [`MAX_RECORD_BYTES`] or with more than [`MAX_FIELDS`] values is read past and reported, so
//! that no line of a file, however long, is ever held whole. Quoted values may span lines (the
//! record keeps the line it starts on); CRLF, LF and CR end a record; blank lines are skipped.

use super::{error, field_name, Fields, RecordError, MAX_RECORD_BYTES};
use csv_core::ReadRecordResult;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

/// The most values one record may have; a permit has ten.
const MAX_FIELDS: usize = 1_024;

/// Reads the records of one CSV file after its header.
pub(super) struct CsvRecords {
    reader: RawReader,
    header: Arc<[String]>,
    file: String,
}

/// The records after a usable header and its unknown columns, or the header's errors.
type Header = Result<(CsvRecords, Vec<RecordError>), Vec<RecordError>>;

/// What one raw record came to.
enum Raw {
    /// The values as text, and where each ends.
    Values(String, Vec<usize>),
    /// Longer than [`MAX_RECORD_BYTES`].
    TooLong,
    /// More than [`MAX_FIELDS`] values.
    TooManyFields,
    /// Value number `.0` (0-based) is not UTF-8.
    NotUtf8(usize),
}

impl CsvRecords {
    /// Reads the header row. A file without one (empty, or only blank lines), a header that
    /// cannot be read, or one naming a column twice is an error for the whole file; unknown
    /// columns are returned to be reported while the records are still checked.
    pub(super) fn new(input: Box<dyn Read + Send>, file: &str, known: &[&str]) -> io::Result<Header> {
        let mut reader = RawReader::new(input);
        let fail = |line, why: &str| Ok(Err(vec![error(file, line, "header", why, None)]));
        let header: Vec<String> = match reader.next()? {
            None => return fail(1, "the file is empty: a header row naming the columns is required"),
            Some((line, Raw::Values(text, ends))) => {
                let mut start = 0;
                let names = ends.iter().map(|&end| {
                    let name = text[start..end].trim().to_string();
                    start = end;
                    name
                });
                let names: Vec<String> = names.collect();
                if let Some(twice) = repeated(&names) {
                    return fail(line, &twice);
                }
                names
            }
            Some((line, Raw::NotUtf8(i))) => {
                return fail(line, &format!("column {} is not valid UTF-8", i + 1))
            }
            Some((line, Raw::TooLong)) => {
                return fail(line, &format!("is longer than {MAX_RECORD_BYTES} bytes"))
            }
            Some((line, Raw::TooManyFields)) => {
                return fail(line, &format!("has more than {MAX_FIELDS} columns"))
            }
        };
        let unknown = header
            .iter()
            .filter(|h| !known.contains(&h.as_str()))
            .map(|h| error(file, 1, &field_name(h), "unknown column", None))
            .collect();
        Ok(Ok((CsvRecords { reader, header: header.into(), file: file.to_string() }, unknown)))
    }

    /// The next record or the errors of an invalid one; `None` at the end.
    pub(super) fn next_record(&mut self) -> io::Result<Option<Result<Fields, Vec<RecordError>>>> {
        let file = &self.file;
        let Some((line, raw)) = self.reader.next()? else { return Ok(None) };
        let bad = |field: &str, why: String| Ok(Some(Err(vec![error(file, line, field, &why, None)])));
        match raw {
            Raw::Values(_, ends) if ends.len() != self.header.len() => {
                bad("record", format!("has {} fields, the header {}", ends.len(), self.header.len()))
            }
            Raw::Values(text, ends) => Ok(Some(Ok(Fields::new(line, Arc::clone(&self.header), text, &ends)))),
            Raw::TooLong => {
                bad("record", format!("is longer than {MAX_RECORD_BYTES} bytes; it was not read"))
            }
            Raw::TooManyFields => bad("record", format!("has more than {MAX_FIELDS} fields")),
            Raw::NotUtf8(i) => match self.header.get(i) {
                Some(name) => bad(&field_name(name), "is not valid UTF-8".into()),
                None => bad("record", "is not valid UTF-8".into()),
            },
        }
    }
}

/// "column X appears twice (columns 1 and 4)" for the first name given twice.
fn repeated(names: &[String]) -> Option<String> {
    names.iter().enumerate().find_map(|(i, name)| {
        let first = names[..i].iter().position(|n| n == name)?;
        Some(format!(
            "column {} appears twice (columns {} and {}); which value counts cannot be told",
            field_name(name),
            first + 1,
            i + 1
        ))
    })
}

/// `csv_core` over a buffered input, counting lines itself.
struct RawReader {
    input: BufReader<Box<dyn Read + Send>>,
    core: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// The line the next byte of input is on.
    line: u64,
}

impl RawReader {
    fn new(input: Box<dyn Read + Send>) -> Self {
        RawReader {
            input: BufReader::with_capacity(1 << 16, input),
            core: csv_core::Reader::new(),
            out: vec![0; MAX_RECORD_BYTES],
            ends: vec![0; MAX_FIELDS],
            line: 1,
        }
    }

    /// The next record that is not blank, with the line it starts on.
    fn next(&mut self) -> io::Result<Option<(u64, Raw)>> {
        loop {
            if !self.skip_line_ends()? {
                return Ok(None);
            }
            let line = self.line;
            match self.read_one()? {
                None => return Ok(None),
                Some(Raw::Values(text, ends)) if ends.len() == 1 && text.trim().is_empty() => continue,
                Some(raw) => return Ok(Some((line, raw))),
            }
        }
    }

    /// Consumes the line ends before a record, so that its line is the one it starts on;
    /// `false` at the end of the input.
    fn skip_line_ends(&mut self) -> io::Result<bool> {
        loop {
            let (skipped, newlines, available) = {
                let data = self.input.fill_buf()?;
                let n = data.iter().take_while(|b| matches!(b, b'\n' | b'\r')).count();
                (n, data[..n].iter().filter(|&&b| b == b'\n').count(), data.len())
            };
            if available == 0 {
                return Ok(false);
            }
            self.input.consume(skipped);
            self.line += newlines as u64;
            if skipped < available {
                return Ok(true);
            }
        }
    }

    /// One record, its values in `out` (or read past when they do not fit).
    fn read_one(&mut self) -> io::Result<Option<Raw>> {
        let (mut outlen, mut endlen) = (0, 0);
        let (mut too_long, mut too_many) = (false, false);
        loop {
            let (res, nin, nout, nend, newlines) = {
                let data = self.input.fill_buf()?;
                let (res, nin, nout, nend) =
                    self.core.read_record(data, &mut self.out[outlen..], &mut self.ends[endlen..]);
                (res, nin, nout, nend, data[..nin].iter().filter(|&&b| b == b'\n').count())
            };
            self.input.consume(nin);
            self.line += newlines as u64;
            outlen += nout;
            endlen += nend;
            match res {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => (too_long, outlen) = (true, 0),
                ReadRecordResult::OutputEndsFull => (too_many, endlen) = (true, 0),
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return Ok(None),
            }
        }
        if too_long {
            return Ok(Some(Raw::TooLong));
        }
        if too_many {
            return Ok(Some(Raw::TooManyFields));
        }
        let ends = self.ends[..endlen].to_vec();
        Ok(Some(match std::str::from_utf8(&self.out[..outlen]) {
            Ok(text) => Raw::Values(text.to_string(), ends),
            Err(e) => Raw::NotUtf8(ends.iter().position(|&end| end > e.valid_up_to()).unwrap_or(0)),
        }))
    }
}
