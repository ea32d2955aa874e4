//! What `plan` prints: per unit and ISO week the periodic tasks daily ticks would create and the
//! deferred backlog at the week's end, with a proposal beside it for `--compare`, as a table,
//! JSON, CSV or an HTML page with a chart per unit (docs/REFERENCE.md §7).

use super::page::csv_line;
use super::PageFormat;
use crate::domain::calendar::week_label;
use crate::domain::keys::UnitKey;
use crate::domain::policy::Policy;
use crate::domain::workload::{Summary, WeekFigures};
use crate::i18n::Language;
use crate::jobs::plan::{Forecast, SignalEstimate};
use crate::layout::chart::{Chart, Series};
use crate::layout::{Frame, Kind, StyleSheet};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use std::fmt::Write;

/// Everything a `plan` output says.
pub struct PlanView<'a> {
    /// The period.
    pub from: NaiveDate,
    /// Its last day.
    pub to: NaiveDate,
    /// When the forecast was made.
    pub generated_at: DateTime<Utc>,
    /// The policy in force (unit names).
    pub policy: &'a Policy,
    /// The forecast under it.
    pub current: &'a Forecast,
    /// The forecast under the proposed configuration, and where it came from.
    pub proposed: Option<(&'a Forecast, String)>,
    /// The signal tasks reserved, when the figures are an estimate.
    pub estimate: Option<&'a SignalEstimate>,
    /// The proposed policy (its capacities), with `--compare`.
    pub proposed_policy: Option<&'a Policy>,
    /// The language of the HTML page.
    pub language: Language,
}

impl PlanView<'_> {
    /// A unit's weekly capacity under the proposal.
    fn proposed_capacity(&self, unit: &str) -> Option<u32> {
        self.proposed_policy.and_then(|p| p.capacity(unit))
    }
}

/// Renders `view` in `format`.
pub fn render(view: &PlanView, format: PageFormat) -> anyhow::Result<String> {
    Ok(match format {
        PageFormat::Table => table(view),
        PageFormat::Json => serde_json::to_string_pretty(&json(view))? + "\n",
        PageFormat::Csv => csv(view),
        PageFormat::Html => html(view)?,
    })
}

/// A unit's key, its weeks under the configuration in force, and under the proposal.
type UnitRow<'v> = (&'v str, &'v [WeekFigures], Option<&'v [WeekFigures]>);

/// Each unit's row, in unit order.
fn units<'v>(view: &'v PlanView) -> Vec<UnitRow<'v>> {
    let mut names: Vec<&str> = view.current.weeks.keys().map(UnitKey::as_str).collect();
    if let Some((p, _)) = &view.proposed {
        names.extend(p.weeks.keys().map(UnitKey::as_str).filter(|u| !view.current.weeks.contains_key(*u)));
    }
    names.sort_unstable();
    names
        .into_iter()
        .map(|u| {
            let now = view.current.weeks.get(u).map_or(&[][..], Vec::as_slice);
            (u, now, view.proposed.as_ref().map(|(p, _)| p.weeks.get(u).map_or(&[][..], Vec::as_slice)))
        })
        .collect()
}

fn figure(weeks: &[WeekFigures], i: usize) -> (u32, u32) {
    weeks.get(i).map_or((0, 0), |w| (w.created, w.backlog))
}

/// What the figures are: exact, or an estimate with signal tasks reserved.
fn kind(view: &PlanView) -> String {
    match view.estimate {
        None => "exact: daily ticks with no signals arriving".into(),
        Some(e) => format!(
            "an estimate: every week reserves each unit's average weekly signal tasks of the {} weeks {} to {}",
            e.weeks, e.history.0, e.history.1
        ),
    }
}

/// The week the backlog stops growing, for scripts: a week, or `never`.
fn stops(s: &Summary) -> String {
    s.stops_growing.map_or_else(|| "never".to_string(), week_label)
}

/// The same for people: `no backlog` when there never was one.
fn stops_words(s: &Summary) -> String {
    if s.peak_backlog == 0 {
        "no backlog".to_string()
    } else {
        stops(s)
    }
}

fn table(view: &PlanView) -> String {
    let mut out = format!(
        "plan {} to {}: periodic tasks created per ISO week and the deferred backlog at its end\n",
        view.from, view.to
    );
    let _ = writeln!(out, "figures: {}", kind(view));
    if let Some((_, source)) = &view.proposed {
        let _ = writeln!(out, "proposed: {source}");
    }
    let compare = view.proposed.is_some();
    let mut header = vec!["UNIT", "WEEK", "CREATED", "BACKLOG"];
    if compare {
        header.extend(["PROPOSED CREATED", "PROPOSED BACKLOG", "DIFF CREATED", "DIFF BACKLOG"]);
    }
    let mut rows = Vec::new();
    for (unit, now, then) in units(view) {
        for (i, w) in now.iter().enumerate() {
            let mut row =
                vec![unit.to_string(), week_label(w.week), w.created.to_string(), w.backlog.to_string()];
            if let Some(then) = then {
                let (c, b) = figure(then, i);
                row.extend([c.to_string(), b.to_string(), signed(c, w.created), signed(b, w.backlog)]);
            }
            rows.push(row);
        }
    }
    out += &super::output::table(&header, &rows);
    let _ = writeln!(out, "{} row(s)\n\nsummary:", rows.len());
    let mut header = vec!["UNIT", "NAME", "TASKS", "PEAK BACKLOG", "BACKLOG STOPS GROWING"];
    if compare {
        header.extend(["PROPOSED TASKS", "PROPOSED PEAK", "PROPOSED STOPS GROWING"]);
    }
    let rows: Vec<Vec<String>> = summaries(view)
        .into_iter()
        .map(|(unit, name, now, then)| {
            let mut row = vec![
                unit.to_string(),
                name,
                now.created.to_string(),
                now.peak_backlog.to_string(),
                stops_words(&now),
            ];
            if let Some(t) = then {
                row.extend([t.created.to_string(), t.peak_backlog.to_string(), stops_words(&t)]);
            }
            row
        })
        .collect();
    out + &super::output::table(&header, &rows) + &format!("{} unit(s)\n", rows.len())
}

/// `b - a` with its sign.
fn signed(b: u32, a: u32) -> String {
    let d = i64::from(b) - i64::from(a);
    if d > 0 {
        format!("+{d}")
    } else {
        d.to_string()
    }
}

/// Each unit's (key, display name, summary now, summary proposed).
fn summaries<'v>(view: &'v PlanView) -> Vec<(&'v str, String, Summary, Option<Summary>)> {
    units(view)
        .into_iter()
        .map(|(unit, now, then)| {
            let name = view.policy.units.get(unit).map_or_else(|| unit.to_string(), |u| u.name.clone());
            (unit, name, crate::domain::workload::summary(now), then.map(crate::domain::workload::summary))
        })
        .collect()
}

fn json(view: &PlanView) -> Value {
    let mut weeks = Vec::new();
    for (unit, now, then) in units(view) {
        for (i, w) in now.iter().enumerate() {
            let mut row =
                json!({"unit": unit, "week": week_label(w.week), "created": w.created, "backlog": w.backlog});
            if let Some(then) = then {
                let (c, b) = figure(then, i);
                row["proposed_created"] = json!(c);
                row["proposed_backlog"] = json!(b);
                row["difference_created"] = json!(i64::from(c) - i64::from(w.created));
                row["difference_backlog"] = json!(i64::from(b) - i64::from(w.backlog));
            }
            weeks.push(row);
        }
    }
    let summary = |s: &Summary| json!({"created": s.created, "peak_backlog": s.peak_backlog, "backlog_stops_growing": stops(s)});
    let units: Vec<Value> = summaries(view)
        .into_iter()
        .map(|(unit, name, now, then)| {
            let mut u = json!({"unit": unit, "name": name, "current": summary(&now)});
            if let Some(t) = then {
                u["proposed"] = summary(&t);
            }
            u
        })
        .collect();
    let estimate = view.estimate.map(|e| {
        json!({"history_from": e.history.0.to_string(), "history_to": e.history.1.to_string(), "weeks": e.weeks,
               "signal_tasks_per_week": e.per_week, "reserved_per_week": e.reserved})
    });
    json!({
        "from": view.from.to_string(), "to": view.to.to_string(), "generated_at": view.generated_at.to_rfc3339(),
        "estimate": view.estimate.is_some(), "signal_estimate": estimate,
        "proposed_config": view.proposed.as_ref().map(|(_, s)| s.clone()),
        "weeks": weeks, "units": units,
    })
}

fn csv(view: &PlanView) -> String {
    let compare = view.proposed.is_some();
    let mut header = vec!["unit", "week", "created", "backlog"];
    if compare {
        header.extend(["proposed_created", "proposed_backlog", "difference_created", "difference_backlog"]);
    }
    header.push("figures");
    let figures = if view.estimate.is_some() { "estimate" } else { "exact" };
    let mut out = csv_line(&header);
    for (unit, now, then) in units(view) {
        for (i, w) in now.iter().enumerate() {
            let mut row =
                vec![unit.to_string(), week_label(w.week), w.created.to_string(), w.backlog.to_string()];
            if let Some(then) = then {
                let (c, b) = figure(then, i);
                row.extend([
                    c.to_string(),
                    b.to_string(),
                    (i64::from(c) - i64::from(w.created)).to_string(),
                    (i64::from(b) - i64::from(w.backlog)).to_string(),
                ]);
            }
            row.push(figures.to_string());
            out += &csv_line(&row);
        }
    }
    out
}

/// The page's figures of one unit under one configuration, in the page's language.
struct Figures {
    capacity: String,
    tasks: String,
    peak: String,
    stops: String,
}

/// A row of the page's summary table.
struct SummaryRow {
    name: String,
    key: String,
    now: Figures,
    proposed: Option<Figures>,
}

/// A unit's part of the page: its charts, or none when nothing falls due.
struct UnitSection {
    name: String,
    key: String,
    charts: Vec<Chart>,
    no_backlog: bool,
}

/// `templates/plan.html`.
#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    frame: Frame,
    lang: Language,
    intro: String,
    figures: String,
    proposed_source: Option<String>,
    compare: bool,
    summary: Vec<SummaryRow>,
    units: Vec<UnitSection>,
}

fn html(view: &PlanView) -> anyhow::Result<String> {
    let lang = view.language;
    let period = period(lang, view.from, view.to);
    let weeks =
        lang.tr("period", &[("from", week_label(view.from).into()), ("to", week_label(view.to).into())]);
    let figures = match view.estimate {
        None => lang.t("plan-figures-exact"),
        Some(e) => lang.tr(
            "plan-figures-estimate",
            &[("weeks", e.weeks.into()), ("period", self::period(lang, e.history.0, e.history.1).into())],
        ),
    };
    let page = PlanPage {
        frame: Frame {
            lang,
            title: lang.tr("plan-title", &[("period", period.as_str().into())]),
            subtitle: lang.t("plan-subtitle"),
            style: StyleSheet::Embedded,
            kind: Kind::Page,
        },
        lang,
        intro: lang.tr(
            "plan-intro",
            &[
                ("generated", generated(lang, view.generated_at).into()),
                ("period", period.as_str().into()),
                ("weeks", weeks.into()),
            ],
        ),
        figures,
        proposed_source: view.proposed.as_ref().map(|(_, source)| source.clone()),
        compare: view.proposed.is_some(),
        summary: summary_rows(view),
        units: unit_sections(view),
    };
    Ok(page.render()?)
}

/// `1 March 2027 to 9 May 2027`.
pub(super) fn period(lang: Language, from: NaiveDate, to: NaiveDate) -> String {
    lang.tr("period", &[("from", lang.date(from).into()), ("to", lang.date(to).into())])
}

/// `on 6 April 2027 at 12:00 UTC`.
pub(super) fn generated(lang: Language, at: DateTime<Utc>) -> String {
    let time = lang.tr(
        "clock",
        &[("hours", at.format("%H").to_string().into()), ("minutes", at.format("%M").to_string().into())],
    );
    lang.tr("generated-at", &[("date", lang.date(at.date_naive()).into()), ("time", time.into())])
}

fn summary_rows(view: &PlanView) -> Vec<SummaryRow> {
    let lang = view.language;
    let capacity = |c: Option<u32>| c.map_or_else(|| lang.t("plan-unlimited"), |c| lang.number(c));
    let stops = |s: &Summary| {
        if s.peak_backlog == 0 {
            lang.t("plan-no-backlog")
        } else {
            s.stops_growing.map_or_else(|| lang.t("plan-never"), week_label)
        }
    };
    summaries(view)
        .into_iter()
        .map(|(unit, name, now, then)| SummaryRow {
            name,
            key: unit.to_string(),
            now: Figures {
                capacity: capacity(view.policy.capacity(unit)),
                tasks: lang.number(now.created),
                peak: lang.number(now.peak_backlog),
                stops: stops(&now),
            },
            proposed: then.map(|t| Figures {
                capacity: capacity(view.proposed_capacity(unit)),
                tasks: lang.number(t.created),
                peak: lang.number(t.peak_backlog),
                stops: stops(&t),
            }),
        })
        .collect()
}

/// Each unit's charts; units the proposal changes come first, since they are what the page is
/// read for.
fn unit_sections(view: &PlanView) -> Vec<UnitSection> {
    let lang = view.language;
    let mut rows = units(view);
    rows.sort_by_key(|(_, now, then)| then.is_none_or(|t| t == *now));
    rows.into_iter()
        .map(|(unit, now, then)| {
            let name = view.policy.units.get(unit).map_or_else(|| unit.to_string(), |u| u.name.clone());
            let labels: Vec<String> = now.iter().map(|w| week_label(w.week)).collect();
            let (c_now, b_now): (Vec<u32>, Vec<u32>) = now.iter().map(|w| (w.created, w.backlog)).unzip();
            let (c_then, b_then): (Vec<u32>, Vec<u32>) =
                then.map_or((Vec::new(), Vec::new()), |t| (0..now.len()).map(|i| figure(t, i)).unzip());
            let series = |id: &str, values, bars, colour, proposed| Series {
                name: lang.t(id),
                values,
                bars,
                colour,
                proposed,
            };
            let mut created = vec![series("plan-series-created", &c_now, true, 1, false)];
            let mut backlog = vec![series("plan-series-backlog", &b_now, false, 2, false)];
            if then.is_some() {
                created.push(series("plan-series-proposed-created", &c_then, true, 3, true));
                backlog.push(series("plan-series-proposed-backlog", &b_then, false, 4, true));
            }
            let mut section =
                UnitSection { name, key: unit.to_string(), charts: Vec::new(), no_backlog: false };
            if c_now.iter().chain(&c_then).chain(&b_now).chain(&b_then).all(|v| *v == 0) {
                return section;
            }
            let cap_now = view.policy.capacity(unit);
            let mut limits = Vec::new();
            if let Some(c) = cap_now {
                limits.push((lang.t("plan-limit-capacity"), c));
            }
            if let Some(c) =
                view.proposed_capacity(unit).filter(|c| view.proposed.is_some() && Some(*c) != cap_now)
            {
                limits.push((lang.t("plan-limit-proposed-capacity"), c));
            }
            section.charts.push(Chart::new(lang, lang.t("plan-chart-created"), &labels, &created, &limits));
            if b_now.iter().chain(&b_then).all(|v| *v == 0) {
                section.no_backlog = true;
            } else {
                section.charts.push(Chart::new(lang, lang.t("plan-chart-backlog"), &labels, &backlog, &[]));
            }
            section
        })
        .collect()
}
