//! Personal numbers are stored only as HMAC-SHA-256 under a local key, so that signals can be
//! matched to permits without the number ever being kept, logged or printed; one found where
//! it does not belong (free text, a signal's data) is replaced by a marker made with the same
//! key ([`redact`]).

mod redact;

use crate::domain::ids::{EmployerRef, OrgNo, PnHash};
use crate::domain::navet::Digest;
use crate::domain::personal_number::PersonalNumber;
use anyhow::{bail, Context};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::io::Write;
use std::path::Path;

/// Bytes of a new key.
const KEY_LEN: usize = 32;

/// The hashing key, kept as HMAC's state after the key was absorbed, so that each of a
/// million hashes of an import starts from it instead of hashing the key again. `Debug` never
/// shows it.
#[derive(Clone)]
pub struct PnKey(Hmac<Sha256>);

impl std::fmt::Debug for PnKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PnKey([redacted])")
    }
}

impl PnKey {
    /// Reads the key file, creating it with mode 0600 and a random key when missing.
    pub fn load_or_create(path: &Path) -> anyhow::Result<PnKey> {
        if path.exists() {
            return Self::load(path);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness for a new key: {e}"))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(hex::encode(key).as_bytes())
                    .and_then(|_| file.sync_all())
                    .with_context(|| format!("cannot write the privacy key {}", path.display()))?;
                Ok(PnKey::from_bytes(&key))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load(path),
            Err(e) => Err(e).with_context(|| format!("cannot create the privacy key {}", path.display())),
        }
    }

    /// Reads an existing key file (64 hex digits).
    pub fn load(path: &Path) -> anyhow::Result<PnKey> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the privacy key {}", path.display()))?;
        let key = hex::decode(text.trim()).ok().filter(|k| k.len() >= 16);
        match key {
            Some(k) => Ok(PnKey::from_bytes(&k)),
            None => bail!("{}: privacy key is not 32 bytes in hex", path.display()),
        }
    }

    /// The key of these bytes (the key file's, or a test's).
    pub fn from_bytes(bytes: &[u8]) -> PnKey {
        // HMAC takes a key of any length: a longer one is hashed, a shorter one padded.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(bytes);
        PnKey(mac.unwrap_or_else(|_| unreachable!("HMAC takes any key length")))
    }

    fn mac(&self) -> Hmac<Sha256> {
        self.0.clone()
    }

    /// How an employer's organisation number is stored: as given for a company, keyed-hashed
    /// (`sole-trader:…`) for a sole trader, whose number is the owner's personal number.
    pub fn employer(&self, org: &OrgNo) -> EmployerRef {
        if !org.is_personal() {
            return EmployerRef::new(org.as_str().to_string());
        }
        let mut mac = self.mac();
        mac.update(b"org:");
        mac.update(org.as_str().as_bytes());
        EmployerRef::new(format!("sole-trader:{}", &hex::encode(mac.finalize().into_bytes())[..24]))
    }

    /// The keyed hash of one value a Navet record is compared by (docs/REFERENCE.md §12): a
    /// name's parts, a date of birth, a country, a deregistration. `what` names the value, so
    /// that equal text in two places hashes apart, and `salt` is the person's, so that equal
    /// values of two persons do too. Cut to 64 bits: a change shows, the value cannot be read.
    pub fn digest(&self, salt: i64, what: &str, parts: &[&str]) -> Digest {
        let mut mac = self.mac();
        mac.update(b"navet:");
        mac.update(what.as_bytes());
        mac.update(&salt.to_be_bytes());
        for part in parts {
            // Each part's length first, so that ("ab", "c") and ("a", "bc") hash apart.
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let bytes = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&bytes[..8]);
        i64::from_be_bytes(first)
    }

    /// The keyed hash of a personal number, as stored and matched.
    pub fn hash(&self, pn: &PersonalNumber) -> PnHash {
        let mut mac = self.mac();
        mac.update(pn.canonical());
        PnHash::new(hex::encode(mac.finalize().into_bytes()))
    }
}

/// The salt of a person first seen under the number hashed as `hash`: its first 60 bits.
pub fn salt_of(hash: &PnHash) -> i64 {
    let head = hash.as_str().get(..15).unwrap_or("0");
    i64::from_str_radix(head, 16).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_navet_digest_differs_by_value_salt_field_and_split() {
        let k = PnKey::from_bytes(b"k1k1k1k1k1k1k1k1");
        let a = k.digest(1, "name", &["Anna", "", "Berg"]);
        assert_eq!(a, k.digest(1, "name", &["Anna", "", "Berg"]));
        assert_ne!(a, k.digest(2, "name", &["Anna", "", "Berg"]));
        assert_ne!(a, k.digest(1, "birth", &["Anna", "", "Berg"]));
        assert_ne!(a, k.digest(1, "name", &["Ann", "a", "Berg"]));
        let h = k.hash(&PersonalNumber::parse("199001011239", "2026-01-01".parse().unwrap()).unwrap());
        assert_eq!(salt_of(&h), salt_of(&h.clone()));
    }

    #[test]
    fn the_hash_is_the_same_for_every_spelling_and_differs_by_key() {
        let k = PnKey::from_bytes(b"k1k1k1k1k1k1k1k1");
        let on = "2026-01-01".parse().unwrap();
        let a = PersonalNumber::parse("19900101-1239", on).unwrap();
        let b = PersonalNumber::parse("199001011239", on).unwrap();
        assert_eq!(k.hash(&a), k.hash(&b));
        assert_eq!(k.hash(&a), k.hash(&PersonalNumber::parse("900101-1239", on).unwrap()));
        assert_ne!(k.hash(&a), PnKey::from_bytes(b"k2k2k2k2k2k2k2k2").hash(&a));
        assert!(!k.hash(&a).as_str().contains("199001011239"));
    }

    #[test]
    fn a_sole_traders_number_is_stored_hashed_and_a_companys_as_given() {
        let k = PnKey::from_bytes(b"k1k1k1k1k1k1k1k1");
        assert_eq!(k.employer(&OrgNo::parse("556000-0001").unwrap()).as_str(), "5560000001");
        let sole = k.employer(&OrgNo::parse("9001011239").unwrap());
        assert!(sole.as_str().starts_with("sole-trader:") && !sole.as_str().contains("1239"), "{sole}");
        assert_eq!(sole, k.employer(&OrgNo::parse("900101-1239").unwrap()));
    }

    #[test]
    fn a_new_key_file_is_private_to_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/privacy.key");
        let k1 = PnKey::load_or_create(&path).unwrap();
        let k2 = PnKey::load_or_create(&path).unwrap();
        let pn = PersonalNumber::parse("19900101-1239", "2026-01-01".parse().unwrap()).unwrap();
        assert_eq!(k1.hash(&pn), k2.hash(&pn));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_damaged_key_file_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("privacy.key");
        std::fs::write(&path, "not hex").unwrap();
        let e = PnKey::load(&path).unwrap_err().to_string();
        assert!(e.contains("privacy.key"), "{e}");
    }
}
