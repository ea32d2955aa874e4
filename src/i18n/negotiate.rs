//! Which of our languages a browser asks for: its `Accept-Language` header (RFC 9110 §12.5.4)
//! read as a pure function, so the inbox and its tests share one rule.

use super::Language;

/// The language of the first range in `accept_language`, by falling weight (`q`), whose primary
/// subtag is one we write (`sv-SE` and `sv` are Swedish, `en-GB` English); `default` when it
/// names neither (or only `*`), is empty or cannot be read. Ranges of weight 0 are refused ones.
pub fn negotiate(accept_language: Option<&str>, default: Language) -> Language {
    let Some(header) = accept_language else {
        return default;
    };
    let mut ranges: Vec<(u16, Option<Language>)> = header
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let weight = parts.find_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")));
            let weight = match weight {
                None => 1000,
                Some(q) => thousandths(q)?,
            };
            let primary = tag.split('-').next()?.to_ascii_lowercase();
            let language = match primary.as_str() {
                "*" => Some(default),
                code => Language::parse(code).ok(),
            };
            (weight > 0 && !tag.is_empty()).then_some((weight, language))
        })
        .collect();
    // A stable sort: of equal weight, the first named wins.
    ranges.sort_by_key(|r| std::cmp::Reverse(r.0));
    ranges.into_iter().find_map(|(_, language)| language).unwrap_or(default)
}

/// A weight `0`, `0.8`, `1.000` in thousandths; `None` when it is not one.
fn thousandths(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let fraction: u16 = format!("{fraction:0<3}").parse().ok()?;
    let value = whole * 1000 + fraction;
    (value <= 1000).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Language::{En, Sv};

    #[test]
    fn a_swedish_browser_gets_swedish_and_an_english_one_english() {
        assert_eq!(negotiate(Some("sv-SE,sv;q=0.9,en-US;q=0.8,en;q=0.7"), En), Sv);
        assert_eq!(negotiate(Some("en-GB,en;q=0.9,sv;q=0.8"), Sv), En);
        assert_eq!(negotiate(Some("SV"), En), Sv, "tags are case-insensitive");
    }

    #[test]
    fn the_weights_decide_not_the_order() {
        assert_eq!(negotiate(Some("en;q=0.5, sv;q=0.8"), En), Sv);
        assert_eq!(negotiate(Some("sv;q=0.5, en"), Sv), En);
        assert_eq!(negotiate(Some("sv;q=0.5, en;q=0.5"), En), Sv, "equal weights: the first named");
    }

    #[test]
    fn languages_we_do_not_write_are_passed_over_for_the_next_one_we_do() {
        assert_eq!(negotiate(Some("fi-FI, nb;q=0.9, sv;q=0.3"), En), Sv);
        assert_eq!(negotiate(Some("de-DE, fr;q=0.9"), Sv), Sv, "neither: the default");
        assert_eq!(negotiate(Some("de, *;q=0.5, en;q=0.4"), Sv), Sv, "the wildcard is the default");
    }

    #[test]
    fn a_refused_language_is_never_chosen() {
        assert_eq!(negotiate(Some("sv;q=0, en;q=0.1"), Sv), En);
        assert_eq!(negotiate(Some("en;q=0"), Sv), Sv);
    }

    #[test]
    fn a_missing_empty_or_unreadable_header_gives_the_default() {
        assert_eq!(negotiate(None, Sv), Sv);
        assert_eq!(negotiate(Some(""), Sv), Sv);
        assert_eq!(negotiate(Some(" , ;q=1"), En), En);
        assert_eq!(negotiate(Some("sv;q=2"), En), En, "a weight above 1 is no weight");
        assert_eq!(negotiate(Some("sv;q=abc, en;q=0.2"), Sv), En);
        assert_eq!(negotiate(Some("sv;q=0.9999"), En), En, "at most three decimals");
    }
}
