//! A first file needs no lookups. When no person was kept before an import began (the pass
//! lock keeps anyone else from adding one meanwhile), a number has a kept record only if this
//! import stored it, so the import remembers what it stored and looks up only the numbers it
//! may have stored: next to none in a file of distinct persons. A first file of 2,000,000
//! persons otherwise read 2,000 batches of a thousand kept records that could not be there.
//!
//! The memory is a Bloom filter of a fixed [`BITS`] bits (8 MiB), whatever the file's size: a
//! number stored is always found in it; one never stored is taken for stored (and looked up
//! for nothing) about once in 1,600 at 2,000,000 numbers, once in 20 at 10,000,000.

use crate::domain::ids::PnHash;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// The filter's bits: 2^26, 8 MiB.
pub const BITS: usize = 1 << 26;
/// Bits set for each number.
const PROBES: u64 = 3;

/// The numbers an import that began with nothing kept has stored a kept record for.
pub struct Stored {
    words: Vec<u64>,
}

impl Stored {
    /// Nothing stored yet.
    pub fn new() -> Stored {
        // Zeroed pages are the system's until written: the 8 MiB count only as they fill.
        Stored { words: vec![0; BITS / 64] }
    }

    /// Whether `number` may have a kept record: false only for one certainly never stored.
    pub fn may_have(&self, number: &PnHash) -> bool {
        bits(number).all(|b| self.words[b / 64] & (1 << (b % 64)) != 0)
    }

    /// Remembers that `number`'s kept record was stored.
    pub fn stored(&mut self, number: &PnHash) {
        for b in bits(number) {
            self.words[b / 64] |= 1 << (b % 64);
        }
    }
}

/// The bits of `number`: [`PROBES`] positions from one 64-bit hash of it (double hashing).
/// `DefaultHasher::new` has fixed keys, so a number's bits are the same throughout an import.
fn bits(number: &PnHash) -> impl Iterator<Item = usize> {
    let h = BuildHasherDefault::<DefaultHasher>::default().hash_one(number.as_str());
    let (a, b) = (h & 0xffff_ffff, (h >> 32) | 1);
    (0..PROBES).map(move |i| (a.wrapping_add(i.wrapping_mul(b)) % BITS as u64) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(n: usize) -> PnHash {
        PnHash::new(format!("{n:064x}"))
    }

    #[test]
    fn a_number_stored_may_have_a_record_and_one_never_stored_has_none() {
        let mut s = Stored::new();
        s.stored(&number(1));
        assert!(s.may_have(&number(1)));
        assert!(!s.may_have(&number(2)));
    }

    #[test]
    fn every_number_stored_is_found_and_few_others_are_taken_for_stored() {
        let mut s = Stored::new();
        (0..100_000).for_each(|n| s.stored(&number(n)));
        assert!((0..100_000).all(|n| s.may_have(&number(n))));
        let mistaken = (100_000..200_000).filter(|n| s.may_have(&number(*n))).count();
        assert!(mistaken < 10, "{mistaken} of 100,000 never stored taken for stored");
    }
}
