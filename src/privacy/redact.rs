//! Replacing personal numbers found where they do not belong (docs/REFERENCE.md §2.4): in
//! free text, and anywhere in a signal's `data` — a string, a part of a longer text, an object
//! key, a JSON number, inside arrays and objects at any depth.
//!
//! Each number becomes a marker `[pn:<12 hex digits>]`: the first 12 hex digits of its keyed
//! hash, the same hash the register stores (`permits.pn_hash`). The marker tells a caseworker
//! whether two mentions are the same person, and who holds the key can tell whose number it
//! was, but it shows nothing of the number itself.

use super::PnKey;
use crate::domain::personal_number::{personal_numbers_in, PersonalNumber};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// Hex digits of the keyed hash a marker keeps: 48 bits, enough to tell the numbers of one
/// record or feed apart, and a prefix of the stored hash.
const MARKER_HEX_DIGITS: usize = 12;

impl PnKey {
    /// The marker that replaces `pn` in text: `[pn:<12 hex digits of its hash>]`.
    pub fn marker(&self, pn: &PersonalNumber) -> String {
        format!("[pn:{}]", &self.hash(pn).as_str()[..MARKER_HEX_DIGITS])
    }

    /// `text` with every personal number in it replaced by its marker, or `None` when it holds
    /// none. A 10-digit number takes its century from `on` (the date of receipt).
    pub fn redact_text(&self, text: &str, on: NaiveDate) -> Option<String> {
        let found = personal_numbers_in(text, on);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(text.len() + 8 * found.len());
        let mut from = 0;
        for (range, pn) in found {
            out.push_str(&text[from..range.start]);
            out.push_str(&self.marker(&pn));
            from = range.end;
        }
        out.push_str(&text[from..]);
        Some(out)
    }

    /// Replaces every personal number in `value`: in strings, keys and numbers, at any depth.
    /// A number that held one becomes a string (`199001011239` → `"[pn:…]"`). Two keys of one
    /// object that become the same marker keep both values: the second gets ` (2)` appended.
    pub fn redact_json(&self, value: &mut Value, on: NaiveDate) {
        match value {
            Value::String(s) => {
                if let Some(redacted) = self.redact_text(s, on) {
                    *s = redacted;
                }
            }
            Value::Number(n) => {
                if let Some(redacted) = self.redact_text(&n.to_string(), on) {
                    *value = Value::String(redacted);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_json(v, on)),
            Value::Object(map) => self.redact_object(map, on),
            Value::Null | Value::Bool(_) => {}
        }
    }

    /// [`PnKey::redact_json`] for the members of one object, keys included.
    pub fn redact_object(&self, map: &mut Map<String, Value>, on: NaiveDate) {
        let mut out = Map::new();
        for (key, mut v) in std::mem::take(map) {
            self.redact_json(&mut v, on);
            let key = self.redact_text(&key, on).unwrap_or(key);
            let mut free = key.clone();
            let mut n = 1;
            while out.contains_key(&free) {
                n += 1;
                free = format!("{key} ({n})");
            }
            out.insert(free, v);
        }
        *map = out;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> PnKey {
        PnKey::from_bytes(b"k1k1k1k1k1k1k1k1")
    }

    fn on() -> NaiveDate {
        "2026-11-20".parse().unwrap()
    }

    fn marker(text: &str) -> String {
        key().marker(&PersonalNumber::parse(text, on()).unwrap())
    }

    #[test]
    fn every_spelling_of_a_number_gets_the_same_marker_a_prefix_of_its_stored_hash() {
        let m = marker("19900101-1239");
        assert!(m.starts_with("[pn:") && m.len() == 4 + MARKER_HEX_DIGITS + 1, "{m}");
        for spelling in ["199001011239", "900101-1239", "9001011239"] {
            assert_eq!(marker(spelling), m, "{spelling}");
        }
        let hash = key().hash(&PersonalNumber::parse("199001011239", on()).unwrap());
        assert!(hash.as_str().starts_with(&m[4..16]));
        assert_ne!(marker("19811218-9876"), m);
    }

    #[test]
    fn numbers_inside_free_text_are_replaced_and_the_rest_kept() {
        let m = marker("199001011239");
        let text = "Ring 900101-1239 eller 19811218-9876; ärende UT-2025-134730.";
        let out = key().redact_text(text, on()).unwrap();
        assert_eq!(out, format!("Ring {m} eller {}; ärende UT-2025-134730.", marker("198112189876")));
        assert_eq!(key().redact_text("no number here: 5560000001", on()), None);
    }

    #[test]
    fn data_is_replaced_in_keys_values_numbers_and_arrays_at_any_depth() {
        let m = marker("199001011239");
        let mut data = json!({
            "note": "holder 19900101-1239 moved",
            "199001011239": "keyed by the number",
            "nested": {"list": [9001011239u64, "x", {"deep": ["900101+1239"]}], "n": 199001011239u64},
            "amount_sek": 24350,
            "900101-1239": 1,
        });
        key().redact_json(&mut data, on());
        let text = data.to_string();
        for spelling in ["199001011239", "19900101-1239", "9001011239", "900101-1239", "900101+1239"] {
            assert!(!text.contains(spelling), "{spelling} left in {text}");
        }
        assert_eq!(data["note"], format!("holder {m} moved"));
        assert_eq!(data[&m], "keyed by the number");
        assert_eq!(data[format!("{m} (2)")], 1, "two keys that become one marker keep both values");
        assert_eq!(data["nested"]["list"][0], m.as_str());
        assert_eq!(data["nested"]["n"], m.as_str());
        assert_eq!(data["amount_sek"], 24350, "other numbers stay numbers");
        let plus = marker("900101+1239");
        assert_eq!(data["nested"]["list"][2]["deep"][0], plus.as_str(), "+ is a century earlier");
        assert_ne!(plus, m);
    }
}
