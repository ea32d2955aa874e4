//! What `report` prints: the figures of a period as a table, JSON keyed by the words the table
//! uses, CSV with one header row, or an HTML page that reads as the report the agency sends the
//! ministry (docs/REFERENCE.md §7).

use super::page::csv_line;
use super::PageFormat;
use crate::domain::calendar::week_label;
use crate::domain::policy::Policy;
use crate::domain::report::Distribution;
use crate::domain::signal::SignalState;
use crate::domain::task::Outcome;
use crate::i18n::Language;
use crate::jobs::report::Report;
use crate::layout::chart::{Chart, Series};
use crate::layout::table::{Cell, Column, Table};
use crate::layout::{Frame, Kind, StyleSheet};
use askama::Template;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders `report` in `format`.
pub fn render(
    r: &Report,
    policy: &Policy,
    (generated_at, language): (DateTime<Utc>, Language),
    format: PageFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        PageFormat::Table => table(r),
        PageFormat::Json => serde_json::to_string_pretty(&json(r, generated_at))? + "\n",
        PageFormat::Csv => csv(r),
        PageFormat::Html => html(r, policy, generated_at, language)?,
    })
}

/// Sums counts by the part of their key `part` picks.
fn by<K: Ord + Clone, P: Ord + Clone>(counts: &BTreeMap<K, u64>, part: impl Fn(&K) -> P) -> BTreeMap<P, u64> {
    let mut out = BTreeMap::new();
    for (k, n) in counts {
        *out.entry(part(k)).or_default() += n;
    }
    out
}

fn total<K>(counts: &BTreeMap<K, u64>) -> u64 {
    counts.values().sum()
}

/// Signals by kind: received, and how many of them are now in each state.
fn signals_by_kind(r: &Report) -> BTreeMap<String, BTreeMap<SignalState, u64>> {
    let mut out: BTreeMap<String, BTreeMap<SignalState, u64>> = BTreeMap::new();
    for ((kind, state), n) in &r.counts.signals {
        *out.entry(kind.clone()).or_default().entry(*state).or_default() += n;
    }
    out
}

fn median(d: &Distribution) -> String {
    if d.median.fract() == 0.0 {
        format!("{}", d.median as i64)
    } else {
        format!("{:.1}", d.median)
    }
}

fn table(r: &Report) -> String {
    let c = &r.counts;
    let mut out = format!("report {} to {}\n\ntasks created: {}\n", r.from, r.to, total(&c.created));
    let rows: Vec<Vec<String>> =
        c.created.iter().map(|((u, g, k), n)| vec![u.clone(), g.clone(), k.clone(), n.to_string()]).collect();
    out += &super::output::table(&["UNIT", "GROUND", "CAUSE", "TASKS"], &rows);
    let _ = writeln!(out, "{} row(s)\n\ntasks closed: {}", rows.len(), total(&c.closed));
    let rows: Vec<Vec<String>> =
        c.closed.iter().map(|((u, o), n)| vec![u.clone(), o.to_string(), n.to_string()]).collect();
    out += &super::output::table(&["UNIT", "OUTCOME", "TASKS"], &rows);
    let _ = writeln!(
        out,
        "{} row(s)\n\nat the end of {}: {} open, {} overdue",
        rows.len(),
        r.to,
        total(&c.open_at_end),
        total(&c.overdue_at_end)
    );
    let rows: Vec<Vec<String>> = c
        .open_at_end
        .iter()
        .map(|(u, n)| {
            vec![u.clone(), n.to_string(), c.overdue_at_end.get(u).copied().unwrap_or(0).to_string()]
        })
        .collect();
    out += &super::output::table(&["UNIT", "OPEN", "OVERDUE"], &rows);
    let _ = writeln!(out, "{} row(s)\n\ndays from creation to closing:", rows.len());
    let rows: Vec<Vec<String>> = r
        .days_to_close
        .iter()
        .map(|((u, cause), d)| {
            vec![
                u.clone(),
                cause.clone().unwrap_or_else(|| "(all)".into()),
                d.tasks.to_string(),
                median(d),
                d.p90.to_string(),
            ]
        })
        .collect();
    out += &super::output::table(&["UNIT", "CAUSE", "CLOSED", "MEDIAN", "90TH PERCENTILE"], &rows);
    let _ = writeln!(out, "{} row(s)\n\nsignals received: {}", rows.len(), total(&c.signals));
    let rows: Vec<Vec<String>> = signals_by_kind(r)
        .into_iter()
        .map(|(kind, states)| {
            let derived = c.derived.get(&kind).copied().unwrap_or(0).to_string();
            let mut row = vec![kind, states.values().sum::<u64>().to_string()];
            row.extend(SignalState::ALL.iter().map(|s| states.get(s).copied().unwrap_or(0).to_string()));
            row.push(derived);
            row
        })
        .collect();
    out += &super::output::table(
        &["KIND", "RECEIVED", "PENDING", "PROCESSED", "UNMATCHED", "FROM NAVET"],
        &rows,
    );
    let _ = writeln!(out, "{} row(s)\n\ndigests sent: {}", rows.len(), total(&c.digests));
    let rows: Vec<Vec<String>> = c.digests.iter().map(|(u, n)| vec![u.clone(), n.to_string()]).collect();
    out += &super::output::table(&["UNIT", "DIGESTS"], &rows);
    let _ = writeln!(out, "{} row(s)", rows.len());
    out += &super::yields::table(&r.yields);
    out
}

fn json(r: &Report, generated_at: DateTime<Utc>) -> Value {
    let c = &r.counts;
    let map = |m: BTreeMap<String, u64>| Value::Object(m.into_iter().map(|(k, v)| (k, json!(v))).collect());
    let mut closed_by_unit: Map<String, Value> = Map::new();
    for ((unit, outcome), n) in &c.closed {
        closed_by_unit.entry(unit.clone()).or_insert_with(|| json!({}))[outcome.as_str()] = json!(n);
    }
    let by_outcome: Map<String, Value> = Outcome::ALL
        .iter()
        .map(|o| {
            (
                o.as_str().to_string(),
                json!(c.closed.iter().filter(|((_, x), _)| x == o).map(|(_, n)| n).sum::<u64>()),
            )
        })
        .collect();
    let dist = |d: &Distribution| json!({"tasks": d.tasks, "median": d.median, "p90": d.p90});
    let mut by_unit: Map<String, Value> = Map::new();
    let mut by_unit_cause: Map<String, Value> = Map::new();
    for ((unit, cause), d) in &r.days_to_close {
        match cause {
            None => {
                by_unit.insert(unit.clone(), dist(d));
            }
            Some(cause) => {
                by_unit_cause.entry(unit.clone()).or_insert_with(|| json!({}))[cause.as_str()] = dist(d);
            }
        }
    }
    let signals: Map<String, Value> = signals_by_kind(r)
        .into_iter()
        .map(|(kind, states)| {
            let mut v = json!({"received": states.values().sum::<u64>()});
            for s in SignalState::ALL {
                v[s.as_str()] = json!(states.get(&s).copied().unwrap_or(0));
            }
            v["derived_from_navet"] = json!(c.derived.get(&kind).copied().unwrap_or(0));
            (kind, v)
        })
        .collect();
    let weeks: Vec<Value> = r
        .weeks
        .iter()
        .flat_map(|(unit, ws)| ws.iter().map(move |w| json!({"unit": unit, "week": week_label(w.week), "created": w.created, "open": w.open})))
        .collect();
    json!({
        "from": r.from.to_string(), "to": r.to.to_string(), "generated_at": generated_at.to_rfc3339(),
        "tasks_created": {
            "total": total(&c.created),
            "by_unit": map(by(&c.created, |k| k.0.clone())), "by_ground": map(by(&c.created, |k| k.1.clone())),
            "by_cause": map(by(&c.created, |k| k.2.clone())),
            "by_unit_ground_cause": c.created.iter().map(|((u, g, k), n)| json!({"unit": u, "ground": g, "cause": k, "tasks": n})).collect::<Vec<_>>(),
        },
        "tasks_closed": {"total": total(&c.closed), "by_outcome": by_outcome, "by_unit": closed_by_unit},
        "open_at_end": {"total": total(&c.open_at_end), "by_unit": map(c.open_at_end.clone())},
        "overdue_at_end": {"total": total(&c.overdue_at_end), "by_unit": map(c.overdue_at_end.clone())},
        "days_to_close": {"by_unit": by_unit, "by_unit_and_cause": by_unit_cause},
        "signals": {"received": total(&c.signals), "derived_from_navet": total(&c.derived), "by_kind": signals},
        "digests_sent": {"total": total(&c.digests), "by_unit": map(c.digests.clone())},
        "weeks": weeks,
        "yields": super::yields::json(&r.yields),
    })
}

/// One header row; each figure a row with the keys it is counted by.
fn csv(r: &Report) -> String {
    let c = &r.counts;
    let mut out =
        csv_line(&["figure", "unit", "ground", "cause", "outcome", "kind", "state", "week", "value"]);
    let mut row = |f: &str, keys: [&str; 7], v: String| {
        out += &csv_line(&[&[f][..], &keys[..], &[v.as_str()][..]].concat());
    };
    for ((u, g, k), n) in &c.created {
        row("tasks_created", [u, g, k, "", "", "", ""], n.to_string());
    }
    for ((u, o), n) in &c.closed {
        row("tasks_closed", [u, "", "", o.as_str(), "", "", ""], n.to_string());
    }
    for (u, n) in &c.open_at_end {
        row("open_at_end", [u, "", "", "", "", "", ""], n.to_string());
    }
    for (u, n) in &c.overdue_at_end {
        row("overdue_at_end", [u, "", "", "", "", "", ""], n.to_string());
    }
    for ((u, cause), d) in &r.days_to_close {
        let cause = cause.as_deref().unwrap_or("");
        row("days_to_close_median", [u, "", cause, "", "", "", ""], d.median.to_string());
        row("days_to_close_p90", [u, "", cause, "", "", "", ""], d.p90.to_string());
    }
    for ((kind, state), n) in &c.signals {
        row("signals_received", ["", "", "", "", kind, state.as_str(), ""], n.to_string());
    }
    for (kind, n) in &c.derived {
        row("signals_derived_from_navet", ["", "", "", "", kind, "", ""], n.to_string());
    }
    for (u, n) in &c.digests {
        row("digests_sent", [u, "", "", "", "", "", ""], n.to_string());
    }
    for (u, ws) in &r.weeks {
        for w in ws {
            let week = week_label(w.week);
            row("week_created", [u, "", "", "", "", "", &week], w.created.to_string());
            row("week_open", [u, "", "", "", "", "", &week], w.open.to_string());
        }
    }
    out += &super::yields::csv(&r.yields);
    out
}

fn unit_name(policy: &Policy, unit: &str) -> String {
    policy.units.get(unit).map_or_else(|| unit.to_string(), |u| u.name.clone())
}

/// A unit's week-by-week chart.
struct UnitWeeks {
    name: String,
    chart: Chart,
}

/// `templates/report.html`.
#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    frame: Frame,
    lang: Language,
    period: String,
    intro: String,
    tables: Vec<Table>,
    weeks: Vec<UnitWeeks>,
    /// What each cause yielded, after the weeks: a chart, then the table.
    yields: Table,
    shares: Option<crate::layout::shares::ShareChart>,
    /// The causes none of whose tasks was closed, in a sentence (empty when there are none).
    none_closed: String,
}

fn html(r: &Report, policy: &Policy, generated_at: DateTime<Utc>, lang: Language) -> anyhow::Result<String> {
    let period = super::plan::period(lang, r.from, r.to);
    let name = |u: &str| format!("{} ({u})", unit_name(policy, u));
    let weeks = r
        .weeks
        .iter()
        .map(|(unit, weeks)| {
            let labels: Vec<String> = weeks.iter().map(|w| week_label(w.week)).collect();
            let created: Vec<u32> =
                weeks.iter().map(|w| u32::try_from(w.created).unwrap_or(u32::MAX)).collect();
            let open: Vec<u32> = weeks.iter().map(|w| u32::try_from(w.open).unwrap_or(u32::MAX)).collect();
            let series = [
                Series {
                    name: lang.t("report-series-created"),
                    values: &created,
                    bars: true,
                    colour: 1,
                    proposed: false,
                },
                Series {
                    name: lang.t("report-series-open"),
                    values: &open,
                    bars: false,
                    colour: 2,
                    proposed: false,
                },
            ];
            UnitWeeks {
                name: name(unit),
                chart: Chart::new(lang, lang.t("report-chart-title"), &labels, &series, &[]),
            }
        })
        .collect();
    let page = ReportPage {
        frame: Frame {
            lang,
            title: lang.tr("report-title", &[("period", period.as_str().into())]),
            subtitle: lang.t("report-subtitle"),
            style: StyleSheet::Embedded,
            kind: Kind::Page,
        },
        lang,
        intro: lang.tr("report-intro", &[("generated", super::plan::generated(lang, generated_at).into())]),
        period,
        tables: tables(r, policy, lang),
        weeks,
        yields: super::yields::html_table(&r.yields, lang, |u| format!("{} ({u})", unit_name(policy, u))),
        shares: super::yields::chart(&r.yields, lang),
        none_closed: super::yields::none_closed(&r.yields, lang),
    };
    Ok(page.render()?)
}

/// The report's six tables, in the order of its sections.
fn tables(r: &Report, policy: &Policy, lang: Language) -> Vec<Table> {
    let c = &r.counts;
    let name = |u: &str| Cell::words(format!("{} ({u})", unit_name(policy, u)));
    let n = |v: u64| Cell::figure(lang.number(v));
    let words = |id: &str| Column::words(lang.t(id));
    let figures = |id: &str| Column::figures(lang.t(id));
    let table = |id: &str, heading: &str, columns, rows| Table {
        id: id.to_string(),
        heading: lang.t(heading),
        columns,
        rows,
    };
    let created_units = by(&c.created, |k| k.0.clone());
    let summary = created_units
        .keys()
        .map(String::as_str)
        .chain(c.open_at_end.keys().map(String::as_str))
        .chain(policy.units.keys().map(|u| u.as_str()))
        .collect::<std::collections::BTreeSet<&str>>()
        .into_iter()
        .map(|u| {
            let closed: u64 = c.closed.iter().filter(|((x, _), _)| x == u).map(|(_, n)| n).sum();
            let get = |m: &BTreeMap<String, u64>| n(m.get(u).copied().unwrap_or(0));
            vec![name(u), get(&created_units), n(closed), get(&c.open_at_end), get(&c.overdue_at_end)]
        })
        .collect();
    let created = c
        .created
        .iter()
        .map(|((u, g, k), count)| {
            vec![name(u), Cell::words(g.clone()), Cell::words(lang.cause(k)), n(*count)]
        })
        .collect();
    let closed = Outcome::ALL
        .iter()
        .map(|o| {
            let count = c.closed.iter().filter(|((_, x), _)| x == o).map(|(_, n)| n).sum::<u64>();
            vec![Cell::words(lang.t(&format!("outcome-{}", o.as_str()))), n(count)]
        })
        .collect();
    let days = r
        .days_to_close
        .iter()
        .map(|((u, cause), d)| {
            let cause = cause.as_deref().map_or_else(|| lang.t("report-all-causes"), |k| lang.cause(k));
            vec![
                name(u),
                Cell::words(cause),
                n(d.tasks),
                Cell::figure(lang.decimal(d.median, 1)),
                Cell::figure(lang.number(d.p90)),
            ]
        })
        .collect();
    let signals = signals_by_kind(r)
        .into_iter()
        .map(|(kind, states)| {
            let derived = n(c.derived.get(&kind).copied().unwrap_or(0));
            let mut row = vec![Cell::words(lang.cause(&kind)), n(states.values().sum::<u64>())];
            row.extend(SignalState::ALL.iter().map(|s| n(states.get(s).copied().unwrap_or(0))));
            row.push(derived);
            row
        })
        .collect();
    let digests = c.digests.iter().map(|(u, count)| vec![name(u), n(*count)]).collect();
    let mut signal_columns = vec![words("report-col-kind"), figures("report-col-received")];
    signal_columns
        .extend(SignalState::ALL.iter().map(|s| Column::figures(lang.t(&format!("signal-{}", s.as_str())))));
    signal_columns.push(figures("report-col-navet"));
    vec![
        table(
            "summary",
            "report-summary",
            vec![
                words("col-unit"),
                figures("report-col-created"),
                figures("report-col-closed"),
                figures("report-col-open"),
                figures("report-col-overdue"),
            ],
            summary,
        ),
        table(
            "created",
            "report-created",
            vec![words("col-unit"), words("report-col-ground"), words("col-cause"), figures("col-tasks")],
            created,
        ),
        table("closed", "report-closed", vec![words("report-col-outcome"), figures("col-tasks")], closed),
        table(
            "days",
            "report-days",
            vec![
                words("col-unit"),
                words("col-cause"),
                figures("report-col-closed"),
                figures("report-col-median"),
                figures("report-col-p90"),
            ],
            days,
        ),
        table("signals", "report-signals", signal_columns, signals),
        table("digests", "report-digests", vec![words("col-unit"), figures("report-col-digests")], digests),
    ]
}
