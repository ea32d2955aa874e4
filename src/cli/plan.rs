//! What `plan` prints: per unit and ISO week the periodic tasks daily ticks would create and the
//! deferred backlog at the week's end, with a proposal beside it for `--compare`, as a table,
//! JSON, CSV or an HTML page with a chart per unit (docs/REFERENCE.md §7).

use super::page::{self, chart, csv_line, escape, Series};
use super::PageFormat;
use crate::domain::calendar::week_label;
use crate::domain::policy::Policy;
use crate::domain::workload::{Summary, WeekFigures};
use crate::jobs::plan::{Forecast, SignalEstimate};
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
        PageFormat::Html => html(view),
    })
}

/// A unit's key, its weeks under the configuration in force, and under the proposal.
type UnitRow<'v> = (&'v str, &'v [WeekFigures], Option<&'v [WeekFigures]>);

/// Each unit's row, in unit order.
fn units<'v>(view: &'v PlanView) -> Vec<UnitRow<'v>> {
    let mut names: Vec<&str> = view.current.weeks.keys().map(String::as_str).collect();
    if let Some((p, _)) = &view.proposed {
        names.extend(p.weeks.keys().map(String::as_str).filter(|u| !view.current.weeks.contains_key(*u)));
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

/// The colour of the tasks created under the configuration in force.
const NOW_BARS: &str = "#4c78a8";
/// The colour of its backlog.
const NOW_LINE: &str = "#e45756";
/// The colour of the tasks created under the proposal.
const THEN_BARS: &str = "#9ecae9";
/// The colour of its backlog.
const THEN_LINE: &str = "#b279a2";

fn html(view: &PlanView) -> String {
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p>Generated {} for the period {} to {} (ISO weeks {} to {}). Each week shows the periodic review tasks that daily \
         ticks would create for the unit, and the reviews still waiting for capacity at the week's end.</p>",
        view.generated_at.format("%Y-%m-%d %H:%M UTC"),
        view.from,
        view.to,
        week_label(view.from),
        week_label(view.to)
    );
    let _ = writeln!(body, "<p class=\"note\"><strong>Figures:</strong> {}.</p>", escape(&kind(view)));
    if let Some((_, source)) = &view.proposed {
        let _ = writeln!(
            body,
            "<p>Compared with the proposed configuration <code>{}</code>: lighter bars and dashed lines.</p>",
            escape(source)
        );
    }
    body.push_str(&summary_table(view));
    // Units the proposal changes come first: they are what the page is read for.
    let mut rows = units(view);
    rows.sort_by_key(|(_, now, then)| then.is_none_or(|t| t == *now));
    for (unit, now, then) in rows {
        let name = view.policy.units.get(unit).map_or_else(|| unit.to_string(), |u| u.name.clone());
        let labels: Vec<String> = now.iter().map(|w| week_label(w.week)).collect();
        let (c_now, b_now): (Vec<u32>, Vec<u32>) = now.iter().map(|w| (w.created, w.backlog)).unzip();
        let (c_then, b_then): (Vec<u32>, Vec<u32>) =
            then.map_or((Vec::new(), Vec::new()), |t| (0..now.len()).map(|i| figure(t, i)).unzip());
        let mut created =
            vec![Series { name: "created", values: &c_now, bars: true, color: NOW_BARS, dashed: false }];
        let mut backlog =
            vec![Series { name: "backlog", values: &b_now, bars: false, color: NOW_LINE, dashed: false }];
        if then.is_some() {
            created.push(Series {
                name: "proposed: created",
                values: &c_then,
                bars: true,
                color: THEN_BARS,
                dashed: true,
            });
            backlog.push(Series {
                name: "proposed: backlog",
                values: &b_then,
                bars: false,
                color: THEN_LINE,
                dashed: true,
            });
        }
        let _ = write!(
            body,
            "<section class=\"unit\">\n<h2>{} <small>({})</small></h2>\n",
            escape(&name),
            escape(unit)
        );
        if c_now.iter().chain(&c_then).chain(&b_now).chain(&b_then).all(|v| *v == 0) {
            body.push_str("<p>No periodic reviews fall due for this unit in the period.</p>\n</section>\n");
            continue;
        }
        let cap_now = view.policy.capacity(unit);
        let cap_then = view.proposed.as_ref().and_then(|(_, _)| view.proposed_capacity(unit));
        let mut limits = Vec::new();
        if let Some(c) = cap_now {
            limits.push(("weekly capacity", c));
        }
        if let Some(c) = cap_then.filter(|c| Some(*c) != cap_now) {
            limits.push(("proposed capacity", c));
        }
        body += &chart("Periodic review tasks created per week", &labels, &created, &limits);
        if b_now.iter().chain(&b_then).all(|v| *v == 0) {
            body.push_str(
                "<p>No backlog: every review that falls due fits the unit's weekly capacity.</p>\n",
            );
        } else {
            body += &chart("Backlog: reviews waiting for capacity at the week's end", &labels, &backlog, &[]);
        }
        body.push_str("</section>\n");
    }
    body.push_str(DEFINITIONS);
    page::page(
        &format!("Follow-up workload forecast {} to {}", view.from, view.to),
        "permit-followup plan",
        &body,
    )
}

fn summary_table(view: &PlanView) -> String {
    let compare = view.proposed.is_some();
    let cap = |c: Option<u32>| c.map_or_else(|| "unlimited".to_string(), |c| c.to_string());
    let mut out = String::from(
        "<h2>Summary</h2>\n<table>\n<tr><th class=\"text\">Unit</th><th>Weekly capacity</th><th>Tasks</th><th>Peak backlog</th>\
         <th class=\"text\">Backlog stops growing</th>",
    );
    if compare {
        out.push_str(
            "<th>Proposed: capacity</th><th>Proposed: tasks</th><th>Proposed: peak backlog</th>\
             <th class=\"text\">Proposed: stops growing</th>",
        );
    }
    out.push_str("</tr>\n");
    for (unit, name, now, then) in summaries(view) {
        let _ = write!(
            out,
            "<tr><td>{} <small>({})</small></td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td>",
            escape(&name),
            escape(unit),
            cap(view.policy.capacity(unit)),
            now.created,
            now.peak_backlog,
            stops_words(&now)
        );
        if let Some(t) = then {
            let _ = write!(
                out,
                "<td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td>",
                cap(view.proposed_capacity(unit)),
                t.created,
                t.peak_backlog,
                stops_words(&t)
            );
        }
        out.push_str("</tr>\n");
    }
    out + "</table>\n"
}

/// What each figure means, at the foot of the page.
const DEFINITIONS: &str = "<h2>Definitions</h2>\n<dl>\n\
<dt>Tasks created</dt><dd>Periodic review tasks a daily tick would create for the unit in the week: one for each permit whose review falls due, within the unit's weekly capacity (signal tasks are not forecast; with an estimate, each week first reserves the unit's average weekly signal tasks).</dd>\n\
<dt>Backlog</dt><dd>Reviews that are due but were deferred because the unit's weekly capacity was used up, as counted after the week's last tick. They are taken up in later weeks, oldest first.</dd>\n\
<dt>Peak backlog</dt><dd>The largest backlog at any week's end in the period.</dd>\n\
<dt>Backlog stops growing</dt><dd>The first week from which the backlog never rises again in the period; \"never\" when it is still rising in the last week.</dd>\n\
<dt>Week</dt><dd>An ISO week, Monday to Sunday in the schedule's time zone, written year-Wweek.</dd>\n</dl>\n";
