//! Numbers with a language's separators, for [`super::Language`] and for the numbers Fluent puts
//! into messages.

use fluent_templates::fluent_bundle::FluentValue;

/// `n` with `separator` between each group of three digits: `12,345`, `-1 000`.
pub(super) fn group(n: i64, separator: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + 8);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// `x` rounded to at most `places` decimals, trailing zeros dropped, with the separators given.
pub(super) fn decimal(x: f64, places: usize, separator: &str, mark: char) -> String {
    let fixed = format!("{:.*}", places, x.abs());
    let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let fraction = fraction.trim_end_matches('0');
    let whole: i64 = whole.parse().unwrap_or(i64::MAX);
    let sign = if x < 0.0 && (whole != 0 || !fraction.is_empty()) { "-" } else { "" };
    let mut out = format!("{sign}{}", group(whole, separator));
    if !fraction.is_empty() {
        out.push(mark);
        out.push_str(fraction);
    }
    out
}

/// How an English message writes a number argument.
pub(super) fn fluent_en<M>(value: &FluentValue, _: &M) -> Option<String> {
    number(value, ",", '.')
}

/// How a Swedish message writes a number argument.
pub(super) fn fluent_sv<M>(value: &FluentValue, _: &M) -> Option<String> {
    number(value, "\u{a0}", ',')
}

fn number(value: &FluentValue, separator: &str, mark: char) -> Option<String> {
    match value {
        FluentValue::Number(n) => Some(decimal(n.value, 3, separator, mark)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped_by_three_with_the_separator_given() {
        assert_eq!(group(0, ","), "0");
        assert_eq!(group(999, ","), "999");
        assert_eq!(group(1000, ","), "1,000");
        assert_eq!(group(1234567, "\u{a0}"), "1\u{a0}234\u{a0}567");
        assert_eq!(group(-12345, ","), "-12,345");
        assert_eq!(group(i64::MIN, ","), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn decimals_keep_only_the_places_they_need() {
        assert_eq!(decimal(2.5, 1, ",", '.'), "2.5");
        assert_eq!(decimal(2.5, 1, "\u{a0}", ','), "2,5");
        assert_eq!(decimal(3.0, 1, ",", '.'), "3");
        assert_eq!(decimal(1234.56, 1, "\u{a0}", ','), "1\u{a0}234,6");
        assert_eq!(decimal(-0.04, 1, ",", '.'), "0");
        assert_eq!(decimal(-1.25, 2, ",", '.'), "-1.25");
    }
}
