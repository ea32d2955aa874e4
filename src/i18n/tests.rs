//! The localisation files against each other and against the templates: every message exists
//! in both languages with the same arguments, every message a template or the code names
//! exists, and no word a person reads is written into a template instead of a `.ftl` file.

use super::*;
use chrono::NaiveDate;
use fluent_syntax::ast::{self, Entry, Expression, InlineExpression, PatternElement};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Each message of a language's files and the arguments it uses.
fn messages(code: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for path in files(&repo(&format!("locales/{code}")), "ftl") {
        let text = std::fs::read_to_string(&path).unwrap();
        let resource = fluent_syntax::parser::parse(text.as_str())
            .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
        for entry in resource.body {
            match entry {
                Entry::Message(m) => {
                    let mut args = BTreeSet::new();
                    if let Some(value) = &m.value {
                        pattern_args(value, &mut args);
                    }
                    let previous = out.insert(m.id.name.to_string(), args);
                    assert!(previous.is_none(), "{} is defined twice in {code}", m.id.name);
                }
                Entry::Junk { content } => panic!("{}: cannot read {content:?}", path.display()),
                _ => {}
            }
        }
    }
    out
}

fn pattern_args(pattern: &ast::Pattern<&str>, args: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let PatternElement::Placeable { expression } = element {
            expression_args(expression, args);
        }
    }
}

fn expression_args(expression: &Expression<&str>, args: &mut BTreeSet<String>) {
    match expression {
        Expression::Select { selector, variants } => {
            inline_args(selector, args);
            for v in variants {
                pattern_args(&v.value, args);
            }
        }
        Expression::Inline(inline) => inline_args(inline, args),
    }
}

fn inline_args(inline: &InlineExpression<&str>, args: &mut BTreeSet<String>) {
    match inline {
        InlineExpression::VariableReference { id } => {
            args.insert(id.name.to_string());
        }
        InlineExpression::Placeable { expression } => expression_args(expression, args),
        _ => {}
    }
}

#[test]
fn every_message_exists_in_both_languages_with_the_same_arguments() {
    let (en, sv) = (messages("en"), messages("sv"));
    assert!(en.len() > 50, "the English files were read: {}", en.len());
    let only_en: Vec<&String> = en.keys().filter(|k| !sv.contains_key(*k)).collect();
    let only_sv: Vec<&String> = sv.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(only_en.is_empty() && only_sv.is_empty(), "only in en: {only_en:?}; only in sv: {only_sv:?}");
    for (id, args) in &en {
        assert_eq!(args, &sv[id], "{id} takes other arguments in Swedish");
    }
    for language in Language::ALL {
        for id in en.keys() {
            assert!(language.try_t(id).is_some() || !en[id].is_empty(), "{id} does not load in {language}");
        }
    }
}

/// The ids named by literal in `lang.t("…")`, `lang.tr("…"` and the like, in templates and code.
fn named_ids() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut sources = files(&repo("templates"), "html");
    sources.extend(files(&repo("templates"), "txt"));
    sources.extend(files(&repo("src"), "rs"));
    for path in sources {
        let text = std::fs::read_to_string(&path).unwrap();
        for call in ["t(\"", "tr(\"", "try_t(\""] {
            for (i, _) in text.match_indices(call) {
                let before = text[..i].chars().last();
                if !matches!(before, Some('.') | Some(' ') | Some('(')) {
                    continue;
                }
                let rest = &text[i + call.len()..];
                let id: String = rest.chars().take_while(|c| *c != '"').collect();
                if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
                    out.insert((id, path.display().to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn every_message_a_template_or_the_code_names_exists() {
    let en = messages("en");
    let named = named_ids();
    assert!(named.len() > 40, "the templates and code were read: {}", named.len());
    let missing: Vec<_> = named.iter().filter(|(id, _)| !en.contains_key(id)).collect();
    assert!(missing.is_empty(), "named but not in locales/: {missing:?}");
}

/// `text` without the template engine's `{{ … }}`, `{% … %}` and `{# … #}`.
fn without_expressions(text: &str) -> String {
    let mut out = text.to_string();
    for (open, close) in [("{#", "#}"), ("{%", "%}"), ("{{", "}}")] {
        while let Some(start) = out.find(open) {
            let end = out[start..].find(close).map_or(out.len(), |e| start + e + close.len());
            out.replace_range(start..end, " ");
        }
    }
    out
}

/// The words of `template` outside the engine's expressions and tags, and those in attributes a
/// person reads or hears (`aria-label`, `title`, `alt`, `placeholder`, `value`).
fn own_words(template: &str) -> Vec<String> {
    let text = without_expressions(template);
    let mut prose = String::new();
    let mut rest = text.as_str();
    while let Some(lt) = rest.find('<') {
        prose.push_str(&rest[..lt]);
        let end = rest[lt..].find('>').map_or(rest.len(), |e| lt + e + 1);
        let tag = &rest[lt..end];
        for attribute in ["aria-label=\"", "title=\"", "alt=\"", "placeholder=\"", "value=\""] {
            if let Some(at) = tag.find(attribute) {
                let value: String = tag[at + attribute.len()..].chars().take_while(|c| *c != '"').collect();
                prose.push(' ');
                prose.push_str(&value);
            }
        }
        prose.push(' ');
        rest = &rest[end..];
    }
    prose.push_str(rest);
    prose.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

#[test]
fn the_word_check_finds_words_in_text_and_in_read_attributes_but_not_in_markup() {
    assert!(own_words("<p class=\"x\">{{ lang.t(\"a\") }}</p>{# note #}{% if b %}.{% endif %}").is_empty());
    assert_eq!(own_words("<p>{{ x }} Due</p>"), ["Due"]);
    assert_eq!(own_words("<a aria-label=\"Close\" href=\"/\">{{ x }}</a>"), ["Close"]);
}

#[test]
fn no_word_a_person_reads_is_written_into_a_template() {
    let mut templates = files(&repo("templates"), "html");
    templates.extend(files(&repo("templates"), "txt"));
    assert!(templates.len() >= 4, "{templates:?}");
    for path in templates {
        let words = own_words(&std::fs::read_to_string(&path).unwrap());
        assert!(words.is_empty(), "{}: words outside locales/: {words:?}", path.display());
    }
}

#[test]
fn dates_and_numbers_are_written_as_each_language_writes_them() {
    let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    assert_eq!(Language::En.date(day), "2 December 2026");
    assert_eq!(Language::Sv.date(day), "2 december 2026");
    let may = NaiveDate::from_ymd_opt(2027, 5, 19).unwrap();
    assert_eq!(Language::Sv.date(may), "19 maj 2027");
    assert_eq!(Language::En.number(12345), "12,345");
    assert_eq!(Language::Sv.number(12345u64), "12\u{a0}345");
    assert_eq!(Language::En.decimal(2.5, 1), "2.5");
    assert_eq!(Language::Sv.decimal(1234.5, 1), "1\u{a0}234,5");
    assert_eq!(Language::En.percent(1.0 / 6.0), "16.7%");
    assert_eq!(Language::Sv.percent(1.0 / 6.0), "16,7\u{a0}%");
    assert_eq!(Language::En.percent(0.0), "0%");
}

#[test]
fn numbers_inside_messages_take_the_languages_separators_and_no_isolation_marks() {
    let args = |n: i64| [("title", Arg::from(format!("n = {}", Language::En.number(n))))];
    assert_eq!(Language::En.tr("chart-figures", &args(1000)), "The chart's figures: n = 1,000");
    let en = Language::En.tr("plan-figures-estimate", &[("weeks", 1000.into()), ("period", "P".into())]);
    assert!(en.contains("the 1,000 weeks P"), "{en}");
    let sv = Language::Sv.tr("plan-figures-estimate", &[("weeks", 1000.into()), ("period", "P".into())]);
    assert!(sv.contains("de 1\u{a0}000 veckorna P"), "{sv}");
    let one = Language::Sv.tr("plan-figures-estimate", &[("weeks", 1.into()), ("period", "P".into())]);
    assert!(one.contains("under veckan P"), "{one}");
    assert!(!en.contains('\u{2068}') && !sv.contains('\u{2069}'));
}

#[test]
fn codes_read_back_and_others_are_refused() {
    for language in Language::ALL {
        assert_eq!(Language::parse(language.code()), Ok(language));
    }
    assert!(Language::parse("de").unwrap_err().contains("\"en\" or \"sv\""));
}
