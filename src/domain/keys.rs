//! The keys of the configuration's grounds and units (`[grounds.KEY]`, `[units.KEY]`), as
//! every task, permit, digest and count carries them. Typed, so that a unit is never passed
//! where a ground is meant, and never empty.

use serde::Serialize;
use std::borrow::Borrow;
use std::fmt;

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(pub String);

macro_rules! key {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Reads a key: not empty, nor only spaces.
            pub fn parse(text: &str) -> Result<Self, KeyError> {
                Self::try_from(text.to_string())
            }

            /// The key as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        /// Reads a key it owns already (a stored one).
        impl TryFrom<String> for $name {
            type Error = KeyError;
            fn try_from(text: String) -> Result<Self, KeyError> {
                if text.trim().is_empty() {
                    return Err(KeyError(format!("{} must not be empty", $kind)));
                }
                Ok(Self(text))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        /// Maps keyed by it are looked up by `&str` as well.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        /// Literal keys, for tests.
        #[cfg(test)]
        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::parse(text).expect("a test's key")
            }
        }
    };
}

key!(
    /// A unit's key (`[units.KEY]`): who gets a task, whose capacity it counts against.
    UnitKey,
    "a unit"
);
key!(
    /// A ground's key (`[grounds.KEY]`): what a permit was granted on, whose policy reviews it.
    GroundKey,
    "a ground"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_never_empty_and_reads_as_written() {
        assert!(UnitKey::parse("").is_err());
        assert!(GroundKey::parse("  ").is_err());
        let unit = UnitKey::parse("study").unwrap();
        assert_eq!(unit, "study");
        assert_eq!(unit.to_string(), "study");
        let map: std::collections::BTreeMap<UnitKey, u32> = [(unit, 1)].into();
        assert_eq!(map.get("study"), Some(&1));
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"study":1}"#);
    }
}
