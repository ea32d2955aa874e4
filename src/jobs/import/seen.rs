//! The ids seen so far in one file, and the line each was first seen on, in memory that does
//! not grow with the file: a register of ten million lines is read with the same few tens of
//! MiB as one of a hundred thousand.
//!
//! Each id is kept as a 128-bit fingerprint (two independently keyed hashes, so that two
//! different ids sharing one is out of reach) with its line. The latest [`GENERATION`] ids are
//! held in a hash map; when it is full they are sorted and written to an anonymous temporary
//! file as one run, with every 256th fingerprint kept in memory as an index, and their
//! fingerprints go into a Bloom filter of a fixed size. An id is then new unless the map has
//! it, or the filter says it may have been seen and one of the runs on disk has it — which
//! costs a read only for ids given twice and for the filter's rare false alarms. The answer is
//! exact either way, and immediate: the line of a second occurrence is known when it is read.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// Ids held in memory before they are written out as a run: about 12 MiB of hash map when
/// full (7/8 of its 2^19 places).
pub const GENERATION: usize = 458_752;

/// Words (of 64 bits) of the Bloom filter over the ids written out, at most: 32 MiB, whatever
/// the file's length. With ten million ids it answers "maybe" for about one new id in 10,000.
const BLOOM_WORDS: usize = 1 << 22;

/// Bits of the filter per id a file is expected to hold, below [`BLOOM_WORDS`]: a register of
/// two million takes 8 MiB, where the full size would hold ten million as well. More ids than
/// expected only make the filter's rare "maybe" (a read of the run file) less rare.
const BLOOM_BITS_PER_EXPECTED_ID: u64 = 32;

/// The smallest filter: 64 KiB, one block per 64 bytes.
const BLOOM_MIN_WORDS: usize = 1 << 13;

/// Bits set per id, all in one 512-bit block (one cache line).
const BLOOM_BITS_PER_ID: u32 = 8;

/// Entries of a run per index entry: one read of 6 KiB finds an id in a run.
const BLOCK: usize = 256;

/// Bytes of one entry in a run file: fingerprint (16) and line (8).
const ENTRY_BYTES: usize = 24;

/// A fingerprint of an id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Print(u64, u64);

impl Hash for Print {
    /// Already a keyed hash: its first half is the map's hash.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.0);
    }
}

/// The map's hasher: passes a [`Print`]'s first half through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = bytes.iter().fold(self.0, |h, &b| h.rotate_left(8) ^ u64::from(b));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One sorted run on disk.
struct Run {
    /// Where it starts in the file, in entries.
    offset: usize,
    /// How many entries.
    len: usize,
    /// The first fingerprint of each block of [`BLOCK`] entries.
    index: Vec<Print>,
}

/// The ids of one file seen so far.
pub struct SeenIds {
    hashers: (RandomState, RandomState),
    recent: HashMap<Print, u64, BuildHasherDefault<PassThrough>>,
    bloom: Vec<u64>,
    /// Words the filter gets at the first run (a power of two).
    bloom_words: usize,
    runs: Vec<Run>,
    file: Option<File>,
    /// Entries written to `file` so far.
    written: usize,
    /// Where the temporary file goes (the system's temporary folder).
    dir: PathBuf,
}

impl SeenIds {
    /// Nothing seen yet; runs, if any, are written to a temporary file in `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Self::expecting(dir, u64::MAX)
    }

    /// As [`SeenIds::new`], for a file expected to hold about `ids` ids: the filter is sized
    /// for them, up to its full size.
    pub fn expecting(dir: PathBuf, ids: u64) -> Self {
        let words = ids.saturating_mul(BLOOM_BITS_PER_EXPECTED_ID) / 64;
        let bloom_words = usize::try_from(words)
            .unwrap_or(BLOOM_WORDS)
            .clamp(BLOOM_MIN_WORDS, BLOOM_WORDS)
            .next_power_of_two()
            .min(BLOOM_WORDS);
        SeenIds {
            hashers: (RandomState::new(), RandomState::new()),
            // Grown as ids come, so that a feed of ten thousand signals takes a small map.
            recent: HashMap::with_hasher(BuildHasherDefault::default()),
            bloom: Vec::new(),
            bloom_words,
            runs: Vec::new(),
            file: None,
            written: 0,
            dir,
        }
    }

    /// Notes that `id` is on `line`; returns the line it was first seen on when it was seen
    /// before. An error only when the temporary file cannot be written or read; it names the
    /// folder.
    pub fn first_line(&mut self, id: &str, line: u64) -> io::Result<Option<u64>> {
        self.note(id, line).map_err(|e| {
            let folder = self.dir.display();
            io::Error::new(
                e.kind(),
                format!("cannot keep the ids seen so far in a temporary file in {folder}: {e}"),
            )
        })
    }

    fn note(&mut self, id: &str, line: u64) -> io::Result<Option<u64>> {
        let print = Print(self.hashers.0.hash_one(id), self.hashers.1.hash_one(id));
        if let Some(&first) = self.recent.get(&print) {
            return Ok(Some(first));
        }
        if !self.runs.is_empty() && self.bloom_may_hold(print) {
            if let Some(first) = self.find_on_disk(print)? {
                return Ok(Some(first));
            }
        }
        if self.recent.len() >= GENERATION {
            self.spill()?;
        }
        self.recent.insert(print, line);
        Ok(None)
    }

    /// The word and bits of `print` in a filter of `words` words (a power of two): one block,
    /// eight bits in it.
    fn bloom_bits(words: usize, print: Print) -> impl Iterator<Item = (usize, u64)> {
        let block = (print.0 as usize) & (words / 8 - 1);
        (0..BLOOM_BITS_PER_ID).map(move |i| {
            let bit = print.1.rotate_right(i * 9) & 511;
            (block * 8 + (bit / 64) as usize, 1u64 << (bit % 64))
        })
    }

    fn bloom_may_hold(&self, print: Print) -> bool {
        Self::bloom_bits(self.bloom.len(), print).all(|(word, mask)| self.bloom[word] & mask != 0)
    }

    /// Writes the map out as a sorted run and empties it.
    fn spill(&mut self) -> io::Result<()> {
        if self.bloom.is_empty() {
            self.bloom = vec![0; self.bloom_words];
        }
        let mut entries: Vec<(Print, u64)> = self.recent.drain().collect();
        entries.sort_unstable_by_key(|e| e.0);
        let file = match &self.file {
            Some(f) => f,
            None => self.file.insert(tempfile::tempfile_in(&self.dir)?),
        };
        let mut out = BufWriter::with_capacity(1 << 16, file);
        let mut index = Vec::with_capacity(entries.len() / BLOCK + 1);
        for (i, (print, line)) in entries.iter().enumerate() {
            if i % BLOCK == 0 {
                index.push(*print);
            }
            for (word, mask) in Self::bloom_bits(self.bloom.len(), *print) {
                self.bloom[word] |= mask;
            }
            out.write_all(&print.0.to_le_bytes())?;
            out.write_all(&print.1.to_le_bytes())?;
            out.write_all(&line.to_le_bytes())?;
        }
        out.flush()?;
        self.runs.push(Run { offset: self.written, len: entries.len(), index });
        self.written += entries.len();
        Ok(())
    }

    /// The line of `print` in the runs on disk, if it is there.
    fn find_on_disk(&self, print: Print) -> io::Result<Option<u64>> {
        let Some(file) = &self.file else { return Ok(None) };
        let mut buf = vec![0u8; BLOCK * ENTRY_BYTES];
        for run in &self.runs {
            let block = match run.index.partition_point(|first| *first <= print) {
                0 => continue,
                n => n - 1,
            };
            let start = block * BLOCK;
            let count = BLOCK.min(run.len - start);
            let bytes = &mut buf[..count * ENTRY_BYTES];
            file.read_exact_at(bytes, ((run.offset + start) * ENTRY_BYTES) as u64)?;
            let word = |e: &[u8], at: usize| u64::from_le_bytes(e[at..at + 8].try_into().unwrap_or([0; 8]));
            if let Some(e) = bytes.chunks_exact(ENTRY_BYTES).find(|e| Print(word(e, 0), word(e, 8)) == print)
            {
                return Ok(Some(word(e, 16)));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_given_again_reports_its_first_line_from_memory_or_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = SeenIds::new(dir.path().to_path_buf());
        let n = GENERATION * 2 + 1_000;
        for i in 0..n {
            assert_eq!(seen.first_line(&format!("UT-{i}"), i as u64 + 2).unwrap(), None, "UT-{i}");
        }
        assert_eq!(seen.runs.len(), 2, "two generations went to disk");
        assert_eq!(seen.first_line("UT-0", 99).unwrap(), Some(2), "from the first run");
        assert_eq!(
            seen.first_line(&format!("UT-{}", GENERATION + 7), 99).unwrap(),
            Some(GENERATION as u64 + 9)
        );
        assert_eq!(seen.first_line(&format!("UT-{}", n - 1), 99).unwrap(), Some(n as u64 + 1), "from memory");
        assert_eq!(seen.first_line("UT-new", 5).unwrap(), None);
        assert!(
            std::fs::read_dir(dir.path()).unwrap().next().is_none(),
            "the run file has no name to leave behind"
        );
    }

    #[test]
    fn a_filter_sized_for_fewer_ids_than_come_stays_exact_and_small() {
        let dir = tempfile::tempdir().unwrap();
        let mut seen = SeenIds::expecting(dir.path().to_path_buf(), 1_000);
        let n = GENERATION * 2 + 10;
        for i in 0..n {
            assert_eq!(seen.first_line(&format!("W-{i}"), i as u64 + 2).unwrap(), None, "W-{i}");
        }
        assert_eq!(seen.bloom.len(), BLOOM_MIN_WORDS, "sized for the ids expected, not those that came");
        for i in (0..n).step_by(9_973) {
            assert_eq!(seen.first_line(&format!("W-{i}"), 1).unwrap(), Some(i as u64 + 2), "W-{i}");
        }
        assert_eq!(SeenIds::expecting(dir.path().to_path_buf(), 2_000_000).bloom_words, 1 << 20);
        assert_eq!(SeenIds::new(dir.path().to_path_buf()).bloom_words, BLOOM_WORDS);
    }

    #[test]
    fn a_temporary_folder_that_cannot_be_written_is_an_error_at_the_first_run() {
        let mut seen = SeenIds::new(PathBuf::from("/nonexistent/permit-followup"));
        for i in 0..GENERATION {
            seen.first_line(&format!("UT-{i}"), 1).unwrap();
        }
        let e = seen.first_line("UT-last", 2).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound, "{e}");
        assert!(
            e.to_string().starts_with("cannot keep the ids seen so far in a temporary file in /nonexistent/"),
            "{e}"
        );
    }
}
