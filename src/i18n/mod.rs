//! Words in two languages: every word a person reads in a digest or on a page comes from the
//! Project Fluent files under `locales/` (`locales/en/*.ftl`, `locales/sv/*.ftl`), compiled
//! into the binary, in the [`Language`] the reader asked for (`mail.language`, `[web]
//! language`, `--language`, or the browser's `Accept-Language` through [`negotiate`]).
//!
//! A message is looked up in its own language only: a test checks that every message of one
//! language exists in the other, so nothing falls back to English at run time. Numbers inside
//! messages, and those formatted here, take the language's separators (English `12,345.5`,
//! Swedish `12 345,5` with a no-break space); dates are written as the language writes them
//! (`2 December 2026`, `2 december 2026`), or ISO 8601 in a column of dates.

mod format;
mod negotiate;

pub use negotiate::negotiate;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{langid, LanguageIdentifier};
use std::borrow::Cow;
use std::collections::HashMap;

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around arguments (they would land in plain-text mail and
        // in `<title>`), and numbers with the bundle's own language's separators.
        customise: |bundle| {
            bundle.set_use_isolating(false);
            let swedish = bundle.locales.first().is_some_and(|l| l.language.as_str() == "sv");
            bundle.set_formatter(Some(if swedish { format::fluent_sv } else { format::fluent_en }));
        },
    };
}

/// A language the program writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English, the default.
    #[default]
    En,
    /// Swedish, as the agency writes it.
    Sv,
}

/// A value a message puts in its sentence: a text as it is, or a number (which a message may
/// also use to choose a plural form, and which is written with the language's separators).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// Shown as written.
    Text(Cow<'a, str>),
    /// A whole number.
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(i64, u64, u32, i32, usize);

impl Language {
    /// Both languages, English first.
    pub const ALL: [Language; 2] = [Language::En, Language::Sv];

    /// `en` or `sv`: the code the settings, `--language` and `<html lang>` use.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Sv => "sv",
        }
    }

    /// Reads `en` or `sv`.
    pub fn parse(code: &str) -> Result<Language, String> {
        match code.trim() {
            "en" => Ok(Language::En),
            "sv" => Ok(Language::Sv),
            other => Err(format!("{other:?} must be \"en\" or \"sv\"")),
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        static EN: LanguageIdentifier = langid!("en");
        static SV: LanguageIdentifier = langid!("sv");
        match self {
            Language::En => &EN,
            Language::Sv => &SV,
        }
    }

    /// The message `id` in this language.
    pub fn t(self, id: &str) -> String {
        self.lookup(id, None)
    }

    /// The message `id` in this language, or `None` when there is none (for words the program
    /// has only for some keys, such as the causes it knows).
    pub fn try_t(self, id: &str) -> Option<String> {
        LOCALES.lookup_single_language::<&str>(self.id(), id, None).ok()
    }

    /// A heading for a task's cause (its key: `periodic_review`, a signal kind, an income
    /// heading) in this language; a key the program has no words for (a kind a configuration
    /// added) is shown as its key, `_` read as a space: `study_leave` → `Study leave`.
    pub fn cause(self, key: &str) -> String {
        self.try_t(&format!("cause-{key}")).unwrap_or_else(|| humane(key))
    }

    /// The message `id` in this language, with its arguments.
    pub fn tr(self, id: &str, args: &[(&str, Arg)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Text(s) => FluentValue::from(s.to_string()),
                    Arg::Number(n) => FluentValue::from(*n),
                };
                (Cow::Owned((*name).to_string()), value)
            })
            .collect();
        self.lookup(id, Some(&args))
    }

    /// A missing message or argument is a bug the tests catch (every message is checked in
    /// both languages); a release build shows the message id rather than stopping a digest.
    fn lookup(self, id: &str, args: Option<&HashMap<Cow<'static, str>, FluentValue>>) -> String {
        match LOCALES.lookup_single_language(self.id(), id, args) {
            Ok(text) => text,
            Err(e) => {
                debug_assert!(false, "message {id} in {}: {e}", self.code());
                tracing::error!(message_id = id, language = self.code(), "a message is missing: {e}");
                id.to_string()
            }
        }
    }

    /// A day as the language writes it in prose: `2 December 2026`, `2 december 2026`.
    pub fn date(self, day: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        self.tr(
            "date-long",
            &[
                ("day", day.day().into()),
                ("month", day.month().into()),
                ("year", day.year().to_string().into()),
            ],
        )
    }

    /// A whole number with the language's thousands separator.
    pub fn number<N: TryInto<i64>>(self, n: N) -> String {
        format::group(n.try_into().unwrap_or(i64::MAX), self.thousands())
    }

    /// A number with at most `places` decimals (none when it is whole), with the language's
    /// separators.
    pub fn decimal(self, x: f64, places: usize) -> String {
        format::decimal(x, places, self.thousands(), self.decimal_mark())
    }

    /// A share (0 to 1) as a percentage with one decimal at most, as the language writes it:
    /// `16.7%`, `16,7 %` (Swedish spaces the sign, with a space that does not break).
    pub fn percent(self, share: f64) -> String {
        let figure = self.decimal(share * 100.0, 1);
        match self {
            Language::En => format!("{figure}%"),
            Language::Sv => format!("{figure}\u{a0}%"),
        }
    }

    fn thousands(self) -> &'static str {
        match self {
            Language::En => ",",
            Language::Sv => "\u{a0}",
        }
    }

    fn decimal_mark(self) -> char {
        match self {
            Language::En => '.',
            Language::Sv => ',',
        }
    }
}

/// `study_leave` → `Study leave`.
fn humane(key: &str) -> String {
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests;
