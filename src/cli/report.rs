//! What `report` prints: the figures of a period as a table, JSON keyed by the words the table
//! uses, CSV with one header row, or an HTML page that reads as the report the agency sends the
//! ministry (docs/REFERENCE.md §7).

use super::page::{self, chart, csv_line, escape, Series};
use super::PageFormat;
use crate::domain::calendar::week_label;
use crate::domain::policy::Policy;
use crate::domain::report::Distribution;
use crate::domain::signal::SignalState;
use crate::domain::task::Outcome;
use crate::jobs::report::Report;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders `report` in `format`.
pub fn render(
    r: &Report,
    policy: &Policy,
    generated_at: DateTime<Utc>,
    format: PageFormat,
) -> anyhow::Result<String> {
    Ok(match format {
        PageFormat::Table => table(r),
        PageFormat::Json => serde_json::to_string_pretty(&json(r, generated_at))? + "\n",
        PageFormat::Csv => csv(r),
        PageFormat::Html => html(r, policy, generated_at),
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
            let mut row = vec![kind, states.values().sum::<u64>().to_string()];
            row.extend(SignalState::ALL.iter().map(|s| states.get(s).copied().unwrap_or(0).to_string()));
            row
        })
        .collect();
    out += &super::output::table(&["KIND", "RECEIVED", "PENDING", "PROCESSED", "UNMATCHED"], &rows);
    let _ = writeln!(out, "{} row(s)\n\ndigests sent: {}", rows.len(), total(&c.digests));
    let rows: Vec<Vec<String>> = c.digests.iter().map(|(u, n)| vec![u.clone(), n.to_string()]).collect();
    out += &super::output::table(&["UNIT", "DIGESTS"], &rows);
    let _ = writeln!(out, "{} row(s)", rows.len());
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
        "signals": {"received": total(&c.signals), "by_kind": signals},
        "digests_sent": {"total": total(&c.digests), "by_unit": map(c.digests.clone())},
        "weeks": weeks,
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
    out
}

fn unit_name(policy: &Policy, unit: &str) -> String {
    policy.units.get(unit).map_or_else(|| unit.to_string(), |u| u.name.clone())
}

/// An HTML table of `header` and `rows`: figures right-aligned, words left-aligned, each
/// header as its column.
fn html_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let is_text = |cell: &str| cell.parse::<f64>().is_err();
    let text_column: Vec<bool> =
        (0..header.len()).map(|i| rows.first().is_none_or(|r| r.get(i).is_none_or(|c| is_text(c)))).collect();
    let class = |text: bool| if text { " class=\"text\"" } else { "" };
    let mut out = String::from("<table>\n<tr>");
    for (h, text) in header.iter().zip(&text_column) {
        let _ = write!(out, "<th{}>{}</th>", class(*text), escape(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td{}>{}</td>", class(is_text(cell)), escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out + "</table>\n"
}

fn html(r: &Report, policy: &Policy, generated_at: DateTime<Utc>) -> String {
    let c = &r.counts;
    let name = |u: &str| format!("{} ({u})", unit_name(policy, u));
    let mut body = format!(
        "<p>Period: <strong>{} to {}</strong> (both days included). Generated {} by permit-followup from its register of tasks, \
         signals and digests. Definitions of every figure are at the end.</p>\n",
        r.from,
        r.to,
        generated_at.format("%Y-%m-%d %H:%M UTC")
    );
    let created_units = by(&c.created, |k| k.0.clone());
    let rows: Vec<Vec<String>> = created_units
        .keys()
        .chain(c.open_at_end.keys())
        .chain(policy.units.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|u| {
            let closed: u64 = c.closed.iter().filter(|((x, _), _)| x == u).map(|(_, n)| n).sum();
            let get = |m: &BTreeMap<String, u64>| m.get(u).copied().unwrap_or(0).to_string();
            vec![
                name(u),
                get(&created_units),
                closed.to_string(),
                get(&c.open_at_end),
                get(&c.overdue_at_end),
            ]
        })
        .collect();
    body += "<h2>1. Summary by unit</h2>\n";
    body += &html_table(&["Unit", "Tasks created", "Tasks closed", "Open at end", "Overdue at end"], &rows);
    let rows: Vec<Vec<String>> =
        c.created.iter().map(|((u, g, k), n)| vec![name(u), g.clone(), k.clone(), n.to_string()]).collect();
    body += "<h2>2. Tasks created, by unit, ground and cause</h2>\n";
    body += &html_table(&["Unit", "Ground", "Cause", "Tasks"], &rows);
    let rows: Vec<Vec<String>> = Outcome::ALL
        .iter()
        .map(|o| {
            vec![
                o.as_str().to_string(),
                c.closed.iter().filter(|((_, x), _)| x == o).map(|(_, n)| n).sum::<u64>().to_string(),
            ]
        })
        .collect();
    body += "<h2>3. Tasks closed, by outcome</h2>\n";
    body += &html_table(&["Outcome", "Tasks"], &rows);
    let rows: Vec<Vec<String>> = r
        .days_to_close
        .iter()
        .map(|((u, cause), d)| {
            vec![
                name(u),
                cause.clone().unwrap_or_else(|| "all causes".into()),
                d.tasks.to_string(),
                median(d),
                d.p90.to_string(),
            ]
        })
        .collect();
    body += "<h2>4. Days from creation to closing</h2>\n";
    body += &html_table(&["Unit", "Cause", "Tasks closed", "Median", "90th percentile"], &rows);
    let rows: Vec<Vec<String>> = signals_by_kind(r)
        .into_iter()
        .map(|(kind, states)| {
            let mut row = vec![kind, states.values().sum::<u64>().to_string()];
            row.extend(SignalState::ALL.iter().map(|s| states.get(s).copied().unwrap_or(0).to_string()));
            row
        })
        .collect();
    body += "<h2>5. Signals received, by kind and what became of them</h2>\n";
    body += &html_table(&["Kind", "Received", "Pending", "Processed", "Unmatched"], &rows);
    let rows: Vec<Vec<String>> = c.digests.iter().map(|(u, n)| vec![name(u), n.to_string()]).collect();
    body += "<h2>6. Digests sent</h2>\n";
    body += &html_table(&["Unit", "Digests"], &rows);
    body += "<h2>7. Week by week</h2>\n";
    for (unit, weeks) in &r.weeks {
        let labels: Vec<String> = weeks.iter().map(|w| week_label(w.week)).collect();
        let created: Vec<u32> = weeks.iter().map(|w| u32::try_from(w.created).unwrap_or(u32::MAX)).collect();
        let open: Vec<u32> = weeks.iter().map(|w| u32::try_from(w.open).unwrap_or(u32::MAX)).collect();
        let series = [
            Series { name: "tasks created", values: &created, bars: true, color: "#4c78a8", dashed: false },
            Series {
                name: "open at week's end",
                values: &open,
                bars: false,
                color: "#e45756",
                dashed: false,
            },
        ];
        let _ = write!(
            body,
            "<section class=\"unit\">\n<h3>{}</h3>\n{}</section>\n",
            escape(&name(unit)),
            chart("Tasks created per week, and open at each week's end", &labels, &series, &[])
        );
    }
    body += DEFINITIONS;
    page::page(
        &format!("Follow-up of granted permits: report {} to {}", r.from, r.to),
        "permit-followup report",
        &body,
    )
}

/// What each figure means.
const DEFINITIONS: &str = "<h2>Definitions</h2>\n<dl>\n\
<dt>Task</dt><dd>A follow-up case flagged for a caseworker: a periodic review of a permit, or a signal (a population-register change, a report from a university or an employer, an income declaration) that may bear on the permit. A task never decides a revocation.</dd>\n\
<dt>Tasks created</dt><dd>Tasks created on a day of the period, by the responsible unit, the ground of the permit when the task was created and the cause (periodic_review or the signal's kind).</dd>\n\
<dt>Tasks closed</dt><dd>Tasks closed on a day of the period, by outcome: revocation_initiated (a caseworker started revocation proceedings), no_action (reviewed, nothing to do), referred (handed to another unit or authority), permit_inactive (closed by the system because the permit was revoked, expired or withdrawn first).</dd>\n\
<dt>Open at end</dt><dd>Tasks created on or before the period's last day and not closed by its end.</dd>\n\
<dt>Overdue at end</dt><dd>Of those, the tasks due on or before the period's last day.</dd>\n\
<dt>Days from creation to closing</dt><dd>For the tasks closed in the period, the whole days between the day a task was created and the day it was closed. The median is the middle value (the mean of the two middle ones for an even count); the 90th percentile is the smallest number of days that at least 90% of the tasks did not exceed.</dd>\n\
<dt>Signals received</dt><dd>Signals whose feed was imported on a day of the period, by kind, and the state each is in now: pending (waiting for a tick or for its person's permit), processed (turned into tasks or evidence, or found to ask for none), unmatched (no permit for the person within the configured window).</dd>\n\
<dt>Digests sent</dt><dd>Mails to units listing their new tasks that the mail server accepted during the period.</dd>\n\
<dt>Week</dt><dd>An ISO week, Monday to Sunday, written year-Wweek; days are local dates in the schedule's time zone.</dd>\n</dl>\n";
