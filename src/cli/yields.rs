//! What `report` prints of what each cause yielded (docs/REFERENCE.md §7.5): per cause over all
//! units, then per unit, the tasks closed in the period, how many ended with each outcome and
//! what share, and the median days to close — as table rows, a JSON object keyed by the
//! words of the rest of the report, CSV rows, and the page's table.

use super::page::csv_line;
use crate::domain::task::Outcome;
use crate::domain::yields::{Yield, Yields};
use crate::i18n::Language;
use crate::layout::shares::{Part, ShareChart, Shares};
use crate::layout::table::{Cell, Column, Table};
use serde_json::{json, Map, Value};
use std::fmt::Write;

/// Every row of the yields in the order of `causes`: a cause over all units (unit `None`), then
/// that cause in each unit.
fn rows<'a>(y: &'a Yields, causes: &[&'a str]) -> Vec<(&'a str, Option<&'a str>, &'a Yield)> {
    let mut out = Vec::new();
    for (cause, all) in causes.iter().filter_map(|c| y.by_cause.get_key_value(*c)) {
        out.push((cause.as_str(), None, all));
        for ((unit, c), one) in &y.by_unit_and_cause {
            if c == cause {
                out.push((cause.as_str(), Some(unit.as_str()), one));
            }
        }
    }
    out
}

/// The causes by their keys, as the table and CSV list them.
fn by_key(y: &Yields) -> Vec<&str> {
    y.by_cause.keys().map(String::as_str).collect()
}

/// The causes as the page lists them: those with the most tasks closed first, the rest (none
/// closed) after them, each group by the cause's words in `lang`.
fn by_closed(y: &Yields, lang: Language) -> Vec<&str> {
    let mut causes: Vec<(std::cmp::Reverse<u64>, String, &str)> =
        y.by_cause.iter().map(|(c, v)| (std::cmp::Reverse(v.closed), lang.cause(c), c.as_str())).collect();
    causes.sort();
    causes.into_iter().map(|(_, _, c)| c).collect()
}

/// A share as JSON and CSV write it: a fraction rounded to four decimals (`0.1667`).
fn fraction(share: f64) -> f64 {
    (share * 10_000.0).round() / 10_000.0
}

/// A median as the table writes it: whole, or with one decimal.
fn days(median: f64) -> String {
    if median.fract() == 0.0 {
        format!("{}", median as i64)
    } else {
        format!("{median:.1}")
    }
}

/// The table's section, after the rest of the report.
pub(super) fn table(y: &Yields) -> String {
    let closed: u64 = y.by_cause.values().map(|v| v.closed).sum();
    let mut out = format!("\nwhat each cause yielded, of the {closed} task(s) closed in the period:\n");
    let mut header = vec!["CAUSE", "UNIT", "CLOSED"];
    for o in Outcome::ALL {
        header.push(match o {
            Outcome::RevocationInitiated => "REVOCATION INITIATED",
            Outcome::NoAction => "NO ACTION",
            Outcome::Referred => "REFERRED",
            Outcome::PermitInactive => "PERMIT INACTIVE",
        });
        header.push("%");
    }
    header.push("MEDIAN DAYS");
    let none = || super::output::NONE.to_string();
    let lines: Vec<Vec<String>> = rows(y, &by_key(y))
        .into_iter()
        .map(|(cause, unit, v)| {
            let mut row = vec![cause.to_string(), unit.unwrap_or("(all)").to_string(), v.closed.to_string()];
            for o in Outcome::ALL {
                row.push(v.tasks(o).to_string());
                row.push(v.share(o).map_or_else(none, |s| format!("{:.1}", s * 100.0)));
            }
            row.push(v.median_days.map_or_else(none, days));
            row
        })
        .collect();
    out += &super::output::table(&header, &lines);
    let _ = writeln!(out, "{} row(s)", lines.len());
    out
}

/// One yield as JSON: `closed`, each outcome's `{"tasks", "share"}` and `median_days` (a share
/// and the median are `null` when nothing was closed).
fn one(v: &Yield) -> Value {
    let mut out = json!({"closed": v.closed});
    for o in Outcome::ALL {
        out[o.as_str()] = json!({"tasks": v.tasks(o), "share": v.share(o).map(fraction)});
    }
    out["median_days"] = json!(v.median_days);
    out
}

/// The JSON object `yields`: `by_cause`, and `by_unit_and_cause` (unit → cause → yield).
pub(super) fn json(y: &Yields) -> Value {
    let by_cause: Map<String, Value> = y.by_cause.iter().map(|(cause, v)| (cause.clone(), one(v))).collect();
    let mut by_unit: Map<String, Value> = Map::new();
    for ((unit, cause), v) in &y.by_unit_and_cause {
        by_unit.entry(unit.clone()).or_insert_with(|| json!({}))[cause.as_str()] = one(v);
    }
    json!({"by_cause": by_cause, "by_unit_and_cause": by_unit})
}

/// The CSV rows (`figure,unit,ground,cause,outcome,kind,state,week,value`): `yield_closed`,
/// `yield_tasks` and `yield_share` per outcome, `yield_median_days`; the unit empty for all
/// units; a share and a median only where something was closed.
pub(super) fn csv(y: &Yields) -> String {
    let mut out = String::new();
    let mut row = |figure: &str, unit: &str, cause: &str, outcome: &str, value: String| {
        out += &csv_line(&[figure, unit, "", cause, outcome, "", "", "", value.as_str()]);
    };
    for (cause, unit, v) in rows(y, &by_key(y)) {
        let unit = unit.unwrap_or("");
        row("yield_closed", unit, cause, "", v.closed.to_string());
        for o in Outcome::ALL {
            row("yield_tasks", unit, cause, o.as_str(), v.tasks(o).to_string());
            if let Some(share) = v.share(o) {
                row("yield_share", unit, cause, o.as_str(), fraction(share).to_string());
            }
        }
        if let Some(median) = v.median_days {
            row("yield_median_days", unit, cause, "", median.to_string());
        }
    }
    out
}

/// The page's table: a row per cause over all units, then per unit, each outcome's tasks with
/// their share (joined by a space that does not break, so a narrow column keeps them together).
pub(super) fn html_table(y: &Yields, lang: Language, unit_name: impl Fn(&str) -> String) -> Table {
    let mut columns = vec![
        Column::words(lang.t("col-cause")),
        Column::words(lang.t("col-unit")),
        Column::figures(lang.t("report-col-closed")),
    ];
    columns.extend(Outcome::ALL.iter().map(|o| Column::figures(lang.t(&format!("outcome-{}", o.as_str())))));
    columns.push(Column::figures(lang.t("report-col-median-days")));
    let rows = rows(y, &by_closed(y, lang))
        .into_iter()
        .map(|(cause, unit, v)| {
            let mut row = vec![
                Cell::words(lang.cause(cause)),
                Cell::words(unit.map_or_else(|| lang.t("report-all-units"), &unit_name)),
                Cell::figure(lang.number(v.closed)),
            ];
            row.extend(Outcome::ALL.iter().map(|o| {
                let n = lang.number(v.tasks(*o));
                Cell::figure(v.share(*o).map_or(n.clone(), |s| format!("{n}\u{a0}({})", lang.percent(s))))
            }));
            row.push(Cell::figure(v.median_days.map_or_else(|| "–".to_string(), |d| lang.decimal(d, 1))));
            row
        })
        .collect();
    Table { id: "yields".into(), heading: lang.t("report-yields"), columns, rows }
}

/// The page's chart: a bar per cause over all units with tasks closed, split by outcome, with
/// how many were closed and their median days beside it; `None` when none was closed.
pub(super) fn chart(y: &Yields, lang: Language) -> Option<ShareChart> {
    let parts: Vec<Part> = Outcome::ALL
        .iter()
        .map(|o| Part { name: lang.t(&format!("outcome-{}", o.as_str())), colour: colour(*o) })
        .collect();
    let bars: Vec<Shares> = by_closed(y, lang)
        .into_iter()
        .filter_map(|cause| y.by_cause.get(cause).map(|v| (cause, v)))
        // A cause with tasks closed has their median; the others are named under the chart.
        .filter_map(|(cause, v)| v.median_days.filter(|_| v.closed > 0).map(|median| (cause, v, median)))
        .map(|(cause, v, median)| Shares {
            label: lang.cause(cause),
            counts: Outcome::ALL.iter().map(|o| v.tasks(*o)).collect(),
            note: lang.tr(
                "report-yields-note",
                &[
                    ("closed", v.closed.into()),
                    ("median", lang.decimal(median, 1).into()),
                    ("days", i64::from(median == 1.0).into()),
                ],
            ),
        })
        .collect();
    (!bars.is_empty()).then(|| ShareChart::new(lang, lang.t("report-yields-chart-title"), &parts, &bars))
}

/// The sentence under the chart naming the causes none of whose tasks was closed; empty when
/// there are none.
pub(super) fn none_closed(y: &Yields, lang: Language) -> String {
    let names: Vec<String> = by_closed(y, lang)
        .into_iter()
        .filter(|c| y.by_cause.get(*c).is_some_and(|v| v.closed == 0))
        .map(|c| lang.cause(c))
        .collect();
    if names.is_empty() {
        return String::new();
    }
    lang.tr("report-yields-none-closed", &[("causes", names.join(", ").into())])
}

/// An outcome's colour in the chart (the stylesheet's `.s1` … `.s4`).
fn colour(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::NoAction => 1,
        Outcome::RevocationInitiated => 2,
        Outcome::Referred => 3,
        Outcome::PermitInactive => 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::report::ReportCounts;
    use crate::domain::yields::yields;

    fn sample() -> Yields {
        let mut c = ReportCounts::default();
        for (cause, outcome, days, n) in [
            ("periodic_review", Outcome::NoAction, 2, 4),
            ("periodic_review", Outcome::RevocationInitiated, 10, 1),
            ("periodic_review", Outcome::Referred, 5, 1),
        ] {
            c.closed_by_cause.insert(("study".into(), cause.into(), outcome), n);
            *c.days_to_close.entry(("study".into(), cause.into(), days)).or_default() += n;
        }
        yields(&c, &["periodic_review".into(), "emigrated".into()])
    }

    #[test]
    fn the_table_gives_each_outcome_its_tasks_and_share_and_a_dash_where_nothing_was_closed() {
        let t = table(&sample());
        let lines: Vec<Vec<&str>> = t.lines().map(|l| l.split_whitespace().collect()).collect();
        assert!(t.contains("of the 6 task(s) closed"), "{t}");
        assert!(
            lines.contains(&vec!["emigrated", "(all)", "0", "0", "-", "0", "-", "0", "-", "0", "-", "-"]),
            "{t}"
        );
        assert!(
            lines.contains(&vec![
                "periodic_review",
                "(all)",
                "6",
                "1",
                "16.7",
                "4",
                "66.7",
                "1",
                "16.7",
                "0",
                "0.0",
                "2"
            ]),
            "{t}"
        );
        assert!(t.ends_with("3 row(s)\n"), "{t}");
    }

    #[test]
    fn json_and_csv_key_the_outcomes_by_their_words_and_round_shares_to_four_decimals() {
        let j = json(&sample());
        let review = &j["by_cause"]["periodic_review"];
        assert_eq!(review["closed"], 6);
        assert_eq!(review["revocation_initiated"], json!({"tasks": 1, "share": 0.1667}));
        assert_eq!(review["median_days"], 2.0);
        assert_eq!(j["by_cause"]["emigrated"]["no_action"], json!({"tasks": 0, "share": null}));
        assert_eq!(j["by_cause"]["emigrated"]["median_days"], Value::Null);
        assert_eq!(j["by_unit_and_cause"]["study"]["periodic_review"]["no_action"]["tasks"], 4);
        let csv = csv(&sample());
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines.contains(&"yield_share,,,periodic_review,no_action,,,,0.6667"), "{csv}");
        assert!(lines.contains(&"yield_tasks,study,,periodic_review,referred,,,,1"), "{csv}");
        assert!(lines.contains(&"yield_median_days,study,,periodic_review,,,,,2"), "{csv}");
        assert!(lines.contains(&"yield_closed,,,emigrated,,,,,0"), "{csv}");
        assert!(!csv.contains("yield_share,,,emigrated"), "no share of nothing: {csv}");
    }

    #[test]
    fn the_page_table_writes_shares_and_medians_as_the_language_does() {
        let t = html_table(&sample(), Language::Sv, |u| format!("Enhet {u}"));
        let row = |i: usize| t.rows[i].iter().map(|c| c.value.as_str()).collect::<Vec<_>>();
        assert_eq!(row(0)[..2], ["Periodisk kontroll", "alla enheter"], "the most closed first");
        assert_eq!(row(1)[..4], ["Periodisk kontroll", "Enhet study", "6", "1\u{a0}(16,7\u{a0}%)"]);
        assert_eq!(row(2)[7], "–", "no median of nothing");
    }

    #[test]
    fn the_chart_has_a_bar_per_cause_with_its_closed_tasks_and_median_beside_it() {
        let c = chart(&sample(), Language::En).unwrap();
        let rows: Vec<(&str, &str, usize)> =
            c.rows.iter().map(|r| (r.label.as_str(), r.note.as_str(), r.parts.len())).collect();
        assert_eq!(
            rows,
            [("Periodic review", "6 closed, median 2 days", 3)],
            "a bar only where tasks were closed"
        );
        assert_eq!(c.rows[0].parts[0].tip, "Periodic review: Revocation initiated 1 (16.7%)");
        assert_eq!(
            none_closed(&sample(), Language::En),
            "No task of these causes was closed in the period: Registered as emigrated."
        );
        let sv = chart(&sample(), Language::Sv).unwrap();
        assert_eq!(sv.rows[0].note, "6 avslutade, median 2 dagar");
        assert_eq!(sv.legend[0].name, "Återkallelse inledd");
        assert!(chart(&yields(&ReportCounts::default(), &["emigrated".into()]), Language::En).is_none());
        assert_eq!(none_closed(&yields(&ReportCounts::default(), &[]), Language::En), "");
    }
}
