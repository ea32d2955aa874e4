//! The link from a digest to the case system: a template such as
//! `https://case.example/permits/{permit_id}` (docs/REFERENCE.md §6.2, §8.4, §8.10). Checked once,
//! when the configuration is read, so that a digest never carries a link that cannot work or
//! that leaves the agency's network in clear text.

use std::fmt;

/// The placeholder a template must hold.
pub const PLACEHOLDER: &str = "{permit_id}";

/// The only scheme a link may have: case data never travels in clear text.
const SCHEME: &str = "https://";

/// A checked link template: `https://HOST/…{permit_id}…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseUrl(String);

impl CaseUrl {
    /// Checks a template: `https://`, a host that is not the placeholder, `{permit_id}` at
    /// least once, no other braces, and no spaces, quotes, `<`, `>` or `\` (which a URL would
    /// have to encode).
    pub fn parse(text: &str) -> Result<CaseUrl, String> {
        let Some(rest) = text.strip_prefix(SCHEME) else {
            return Err(format!("{text:?} must start with {SCHEME}"));
        };
        if !text.contains(PLACEHOLDER) {
            return Err(format!("{text:?} must contain {PLACEHOLDER}, where the permit id goes"));
        }
        if let Some(bad) =
            text.chars().find(|c| c.is_whitespace() || c.is_control() || "\"<>\\`".contains(*c))
        {
            return Err(format!("{text:?} holds {bad:?}, which a link cannot carry as it is"));
        }
        if text.replace(PLACEHOLDER, "").contains(['{', '}']) {
            return Err(format!("{text:?}: {PLACEHOLDER} is the only placeholder"));
        }
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains(PLACEHOLDER) {
            return Err(format!("{text:?} must name a host before the path"));
        }
        Ok(CaseUrl(text.to_string()))
    }

    /// The link to one permit's case: the template with the permit id percent-encoded (every
    /// byte but letters, digits, `-`, `.`, `_` and `~`, so a `/` in an id stays in its segment).
    pub fn link(&self, permit_id: &str) -> String {
        let mut encoded = String::with_capacity(permit_id.len());
        for b in permit_id.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                encoded.push(char::from(b));
            } else {
                encoded.push_str(&format!("%{b:02X}"));
            }
        }
        self.0.replace(PLACEHOLDER, &encoded)
    }

    /// The template as configured.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_puts_the_permit_id_in_place_of_the_placeholder() {
        let url = CaseUrl::parse("https://case.example/permits/{permit_id}?tab=tasks").unwrap();
        assert_eq!(url.link("UT-2025-132604"), "https://case.example/permits/UT-2025-132604?tab=tasks");
        assert_eq!(url.link("UT/2025.1_a"), "https://case.example/permits/UT%2F2025.1_a?tab=tasks");
        let twice = CaseUrl::parse("https://c.example/{permit_id}#{permit_id}").unwrap();
        assert_eq!(twice.link("A-1"), "https://c.example/A-1#A-1");
    }

    #[test]
    fn a_template_that_cannot_make_a_safe_working_link_is_refused_saying_why() {
        let refused = |text: &str, why: &str| {
            let err = CaseUrl::parse(text).unwrap_err();
            assert!(err.contains(why), "{text}: {err}");
        };
        refused("http://case.example/{permit_id}", "must start with https://");
        refused("case.example/{permit_id}", "must start with https://");
        refused("https://case.example/permits/", "must contain {permit_id}");
        refused("https://case.example/{permit_id}/{unit}", "the only placeholder");
        refused("https://case.example/{permit}", "must contain {permit_id}");
        refused("https://case.example/a b/{permit_id}", "holds ' '");
        refused("https://case.example/\"{permit_id}", "holds '\"'");
        refused("https:///{permit_id}", "must name a host");
        refused("https://{permit_id}.example/", "must name a host");
    }
}
