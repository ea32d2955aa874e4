//! A first file needs no lookups. When no person was kept before an import began (the pass
//! lock keeps anyone else from adding one meanwhile), a number has a kept record only if this
//! import stored it, so the import remembers what it stored — 8 bytes of a hash of each
//! number — and looks up only the numbers it may have stored: none, in a file of distinct
//! persons. A first file of 2,000,000 persons otherwise read 2,000 batches of a thousand kept
//! records that could not be there. Past [`MAX_REMEMBERED`] numbers it forgets them all and
//! looks every number up from then on, as any later import does: memory stays bounded
//! whatever the file's size.

use crate::domain::ids::PnHash;
use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

/// Numbers remembered at most: about 40 MiB of set at 8 bytes and a control byte each, with
/// the table's spare room — the national register's 2,000,000 holders fit twice over.
pub const MAX_REMEMBERED: usize = 3_500_000;

/// The numbers an import that began with nothing kept has stored a kept record for.
#[derive(Debug)]
pub struct Stored {
    /// 8 bytes of a hash of each number: two numbers may share them (then one is looked up
    /// for nothing), a number stored is never missed.
    seen: HashSet<u64, BuildHasherDefault<Unmixed>>,
    /// Past `limit` numbers: every number is looked up.
    forgot: bool,
    limit: usize,
}

impl Stored {
    /// Nothing stored yet.
    pub fn new() -> Stored {
        Stored::up_to(MAX_REMEMBERED)
    }

    /// Nothing stored yet; remembers up to `limit` numbers.
    fn up_to(limit: usize) -> Stored {
        Stored { seen: HashSet::default(), forgot: false, limit }
    }

    /// Whether `number` may have a kept record: false only for one certainly never stored.
    pub fn may_have(&self, number: &PnHash) -> bool {
        self.forgot || self.seen.contains(&short(number))
    }

    /// Remembers that `number`'s kept record was stored.
    pub fn stored(&mut self, number: &PnHash) {
        if self.forgot {
            return;
        }
        if self.seen.len() >= self.limit {
            self.forgot = true;
            self.seen = HashSet::default();
            return;
        }
        self.seen.insert(short(number));
    }
}

/// 8 bytes of a hash of a number's keyed hash (deterministic: `DefaultHasher::new` has fixed keys).
fn short(number: &PnHash) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(number.as_str())
}

/// The set's own hasher: its keys are already hashes, so it passes them through.
#[derive(Debug, Default)]
struct Unmixed(u64);

impl std::hash::Hasher for Unmixed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
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
    fn past_its_bound_it_forgets_and_every_number_is_looked_up() {
        let mut s = Stored::up_to(100);
        for n in 0..100 {
            s.stored(&number(n));
        }
        assert!(!s.may_have(&number(107)));
        s.stored(&number(100));
        assert!(s.may_have(&number(107)), "a number never stored is looked up once forgotten");
        assert!(s.seen.is_empty(), "the memory is given back");
    }
}
