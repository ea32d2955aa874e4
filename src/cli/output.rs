//! What commands print: aligned tables for people, each a header row, its rows and a count
//! line, and JSON for scripts. Nothing here ever holds a personal number (storage has none to
//! give).

use super::OutputFormat;
use crate::domain::audit::AuditEvent;
use crate::domain::expectation::Cover;
use crate::domain::import::{ImportCounts, ImportKind, Reject};
use crate::domain::keys::UnitKey;
use crate::domain::signal::{Signal, Subject};
use crate::domain::task::Task;
use crate::jobs::notify::NotifyReport;
use crate::jobs::tick::TickReport;
use crate::storage::expectations::{Covered, Declared};
use std::fmt::Write;

/// An empty cell in the middle of a row, so that the columns still split on spaces.
pub(super) const NONE: &str = "-";

/// Left-aligned columns separated by two spaces.
pub(super) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |cells: Vec<&str>, out: &mut String| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                l.push_str(cell);
            } else {
                let _ = write!(l, "{cell:<w$}  ");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(header.to_vec(), &mut out);
    for row in rows {
        line(row.iter().map(String::as_str).collect(), &mut out);
    }
    out
}

/// `tick`: totals, then a line per unit.
pub fn tick(r: &TickReport, took: std::time::Duration) -> String {
    let mut out = format!(
        "tick {}: created {} task(s), deferred {} in {:.3} s\n",
        r.today,
        r.created(),
        r.deferred_total(),
        took.as_secs_f64()
    );
    let sig = &r.signals;
    if sig.processed + sig.pending + sig.unmatched > 0 {
        let _ = writeln!(
            out,
            "signals: {} processed ({} added to open tasks as evidence), {} still pending, {} now unmatched",
            sig.processed, sig.attached, sig.pending, sig.unmatched
        );
    }
    if r.without_policy > 0 {
        let _ = writeln!(
            out,
            "{} due permit(s) skipped: their ground is missing from the configuration (add it under [grounds])",
            r.without_policy
        );
    }
    for g in &r.rescheduled_grounds {
        let _ = writeln!(out, "review dates of ground {g} recomputed after a policy change");
    }
    for (name, by_unit) in &r.expected.tasks {
        let units: Vec<String> = by_unit.iter().map(|(u, n)| format!("{u} {n}")).collect();
        let _ = writeln!(
            out,
            "expected reports missed: {name} created {} task(s) ({})",
            by_unit.values().sum::<u32>(),
            units.join(", ")
        );
    }
    if r.expected.evidence > 0 {
        let _ = writeln!(
            out,
            "expected reports missed: {} open task(s) gained missed periods as evidence",
            r.expected.evidence
        );
    }
    let mut units: Vec<&UnitKey> =
        r.periodic.keys().chain(r.signal_tasks.keys()).chain(r.deferred.keys()).collect();
    units.sort();
    units.dedup();
    if units.is_empty() {
        return out;
    }
    let n = |m: &std::collections::BTreeMap<UnitKey, u32>, u: &UnitKey| {
        m.get(u).copied().unwrap_or(0).to_string()
    };
    let rows: Vec<Vec<String>> = units
        .iter()
        .map(|u| vec![u.to_string(), n(&r.periodic, u), n(&r.signal_tasks, u), n(&r.deferred, u)])
        .collect();
    out + &table(&["UNIT", "PERIODIC", "SIGNAL", "DEFERRED"], &rows)
}

/// `tasks`.
pub fn tasks(tasks: &[Task], format: OutputFormat) -> anyhow::Result<String> {
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> =
            tasks.iter().map(|t| serde_json::Value::Object(t.listed())).collect();
        return Ok(serde_json::to_string_pretty(&items)? + "\n");
    }
    let cells: Vec<Vec<String>> = tasks
        .iter()
        .map(|t| {
            vec![
                t.id.to_string(),
                t.permit_id.to_string(),
                t.cause.to_string(),
                t.unit.to_string(),
                t.priority.to_string(),
                t.due_on.to_string(),
                t.state.as_str().to_string(),
                t.outcome.map_or_else(|| NONE.to_string(), |o| o.to_string()),
                t.reason.clone(),
            ]
        })
        .collect();
    Ok(table(&["ID", "PERMIT", "CAUSE", "UNIT", "PRIORITY", "DUE", "STATE", "OUTCOME", "REASON"], &cells)
        + &format!("{} task(s)\n", tasks.len()))
}

/// `signals`: never a personal number (storage holds only hashes, and they are not shown).
pub fn signals(signals: &[Signal], format: OutputFormat) -> anyhow::Result<String> {
    let person = |s: &Signal| match &s.subject {
        Subject::Person(p) => Some(p.to_string()),
        Subject::Number(_) => None,
    };
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = signals
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id.as_str(),
                    "kind": s.kind,
                    "person_id": person(s),
                    "matched_by": if person(s).is_some() { "person_id" } else { "personal_number" },
                    "occurred_on": s.occurred_on.to_string(),
                    "received_on": s.received_on.to_string(),
                    "state": s.state.as_str(),
                    "outcome": s.outcome,
                    "data": s.data,
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&items)? + "\n");
    }
    let cells: Vec<Vec<String>> = signals
        .iter()
        .map(|s| {
            vec![
                s.id.to_string(),
                s.kind.clone(),
                person(s).unwrap_or_else(|| "(by personal number)".into()),
                s.occurred_on.to_string(),
                s.received_on.to_string(),
                s.state.as_str().to_string(),
                source(s),
                s.outcome.clone().unwrap_or_default(),
            ]
        })
        .collect();
    Ok(table(&["ID", "KIND", "PERSON", "OCCURRED", "RECEIVED", "STATE", "SOURCE", "OUTCOME"], &cells)
        + &format!("{} signal(s)\n", signals.len()))
}

/// What an import's one-line summary says: `3 inserted, 1 updated, 0 unchanged`, or for a
/// signal feed `12 received, 1 duplicate(s) ignored`.
pub fn import_summary(kind: ImportKind, c: &ImportCounts) -> String {
    match kind {
        ImportKind::Permits => {
            format!("{} inserted, {} updated, {} unchanged", c.inserted, c.updated, c.unchanged)
        }
        ImportKind::Signals => format!("{} received, {} duplicate(s) ignored", c.inserted, c.duplicates),
        ImportKind::Navet => format!(
            "{} new person(s), {} changed, {} unchanged, {} duplicate(s) ignored",
            c.inserted, c.updated, c.unchanged, c.duplicates
        ),
    }
}

/// What an import's `--covers` did, a line each.
pub fn covers(covers: &[(Cover, Declared)]) -> String {
    let mut out = String::new();
    for (c, d) in covers {
        let what = match d {
            Declared::New => "now covered".to_string(),
            Declared::Already(import) => format!("covered already (import {import})"),
            Declared::Conflict(p) => format!("covered already as {}..{}", p.from, p.to),
        };
        let _ = writeln!(out, "covers {c}: {what}");
    }
    out
}

/// Under `signals`: the periods covered, by kind, or nothing when none is.
pub fn covered_line(covered: &[Covered]) -> String {
    let mut by_kind: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for c in covered {
        by_kind.entry(&c.kind).or_default().push(c.period.label.as_str());
    }
    if by_kind.is_empty() {
        return String::new();
    }
    let kinds: Vec<String> = by_kind.iter().map(|(k, labels)| format!("{k} {}", labels.join(", "))).collect();
    format!("periods covered: {} (see coverage)\n", kinds.join("; "))
}

/// `coverage`: the periods feeds declared complete.
pub fn coverage(covered: &[Covered], format: OutputFormat) -> anyhow::Result<String> {
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = covered
            .iter()
            .map(|c| {
                serde_json::json!({
                    "kind": c.kind,
                    "label": c.period.label.as_str(),
                    "from": c.period.from.to_string(),
                    "to": c.period.to.to_string(),
                    "import_id": c.import_id,
                    "file": c.file,
                    "declared_at": format!("{}Z", c.declared_at.format("%Y-%m-%dT%H:%M:%S")),
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&items)? + "\n");
    }
    let cells: Vec<Vec<String>> = covered
        .iter()
        .map(|c| {
            vec![
                c.kind.clone(),
                c.period.label.to_string(),
                c.period.from.to_string(),
                c.period.to.to_string(),
                c.import_id.to_string(),
                c.file.clone(),
            ]
        })
        .collect();
    Ok(table(&["KIND", "PERIOD", "FROM", "TO", "IMPORT", "FILE"], &cells)
        + &format!("{} period(s) covered\n", covered.len()))
}

/// Where a signal derived from a Navet file came from: the file and the record; empty for a
/// signal a feed gave.
fn source(s: &Signal) -> String {
    match (s.data.get("navet_file").and_then(|f| f.as_str()), s.data.get("navet_record")) {
        (Some(file), Some(record)) => format!("{file} record {record}"),
        _ => String::new(),
    }
}

/// `import navet`: the records read, what they did, and the signals derived by kind.
pub fn navet_summary(file: &str, r: &crate::jobs::import::navet::NavetReport) -> String {
    let derived: u64 = r.signals.values().sum();
    let mut out = format!(
        "{file}: {} record(s) read: {}; {derived} signal(s) derived\n",
        r.records,
        import_summary(ImportKind::Navet, &r.counts)
    );
    for (kind, n) in &r.signals {
        let _ = writeln!(out, "  {kind}: {n}");
    }
    out
}

/// `notify`: one line per digest sent.
pub fn notify(r: &NotifyReport, via: &str) -> String {
    let total = r.sent.len() + r.failed.len() + r.not_tried.len() + r.refused.len();
    let mut out = format!("sent {} of {total} digest(s) via {via}\n", r.sent.len());
    for (unit, message_id, tasks) in &r.sent {
        let _ = writeln!(out, "  {unit}: {tasks} task(s), Message-ID <{message_id}>");
    }
    if r.busy > 0 {
        let _ = writeln!(out, "  {} digest(s) being sent by another instance", r.busy);
    }
    out
}

/// `notify`'s error line when a digest was not sent, or `None` when all were: the units by
/// reason, and what happens to their digests.
pub fn notify_failure(r: &NotifyReport) -> Option<String> {
    let by_reason = |list: &[(UnitKey, String)]| {
        let mut grouped: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
        for (unit, why) in list {
            grouped.entry(why).or_default().push(unit.as_str());
        }
        grouped
            .iter()
            .map(|(why, units)| format!("unit {}: {why}", units.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut parts = Vec::new();
    if !r.failed.is_empty() {
        parts.push(format!(
            "{} digest(s) not sent ({}); they stay pending and the next run retries them",
            r.failed.len(),
            by_reason(&r.failed)
        ));
    }
    if !r.not_tried.is_empty() {
        parts.push(format!(
            "{} digest(s) not tried ({}); they stay pending and the next run tries them",
            r.not_tried.len(),
            by_reason(&r.not_tried)
        ));
    }
    if !r.refused.is_empty() {
        parts.push(format!(
            "{} digest(s) refused ({}); they stay pending and are tried again once the mail settings or \
             the unit's addresses change, or with `notify --retry-refused`",
            r.refused.len(),
            by_reason(&r.refused)
        ));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `rejects`.
pub fn rejects(rejects: &[Reject], format: OutputFormat) -> anyhow::Result<String> {
    if format == OutputFormat::Json {
        return Ok(serde_json::to_string_pretty(rejects)? + "\n");
    }
    let cells: Vec<Vec<String>> = rejects
        .iter()
        .map(|r| {
            vec![
                r.import_id.to_string(),
                format!("{}:{}", r.file, r.line),
                r.field.clone(),
                r.record_key.clone().unwrap_or_else(|| NONE.to_string()),
                r.reason.clone(),
            ]
        })
        .collect();
    Ok(table(&["IMPORT", "WHERE", "FIELD", "RECORD", "REASON"], &cells)
        + &format!("{} reject(s)\n", rejects.len()))
}

/// `history`.
pub fn history(events: &[AuditEvent]) -> String {
    let cells: Vec<Vec<String>> = events
        .iter()
        .map(|e| {
            vec![
                format!("{}Z", e.at.format("%Y-%m-%d %H:%M:%S")),
                e.kind.as_str().to_string(),
                e.actor.clone(),
                e.detail.clone(),
            ]
        })
        .collect();
    table(&["AT (UTC)", "EVENT", "ACTOR", "DETAIL"], &cells) + &format!("{} event(s)\n", events.len())
}

/// `check-config --now`: the units whose capacity cannot keep up with their periodic reviews.
pub fn capacity(today: chrono::NaiveDate, shortfalls: &[crate::jobs::plan::CapacityShortfall]) -> String {
    let mut out = format!("\ncapacity against the periodic demand of the 52 weeks from {today}:\n");
    if shortfalls.is_empty() {
        out.push_str("every unit's weekly capacity covers its average weekly periodic reviews\n");
        return out;
    }
    for s in shortfalls {
        let _ = writeln!(
            out,
            "warning: unit {} has a weekly capacity of {} but {:.1} periodic reviews fall due a week on average; its backlog grows without bound",
            s.unit, s.capacity, s.demand
        );
    }
    out
}

/// `tokens list`: never a secret (none is kept).
pub fn tokens(
    tokens: &[crate::domain::access::ApiToken],
    format: OutputFormat,
    today: chrono::NaiveDate,
) -> anyhow::Result<String> {
    let state = |t: &crate::domain::access::ApiToken| match (t.revoked_at, t.is_usable(today)) {
        (Some(_), _) => "revoked",
        (None, false) => "expired",
        (None, true) => "active",
    };
    if format == OutputFormat::Json {
        let items: Vec<serde_json::Value> = tokens
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name,
                    "role": t.grant.role.as_str(),
                    "units": t.grant.units.words(),
                    "created_at": format!("{}Z", t.created_at.format("%Y-%m-%dT%H:%M:%S")),
                    "expires_on": t.expires_on.map(|d| d.to_string()),
                    "state": state(t),
                })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&items)? + "\n");
    }
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            vec![
                t.name.clone(),
                t.grant.role.to_string(),
                t.grant.units.words().join(","),
                t.expires_on.map_or(NONE.to_string(), |d| d.to_string()),
                state(t).to_string(),
            ]
        })
        .collect();
    Ok(table(&["NAME", "ROLE", "UNITS", "EXPIRES", "STATE"], &rows) + &format!("{} token(s)\n", tokens.len()))
}
