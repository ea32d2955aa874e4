//! What `check-config` prints (docs/REFERENCE.md §7.3): that the configuration is valid, where
//! it came from, then every section it checked, in the order of `config/default.toml` — the
//! database, schedule, mail and digests, admin endpoint, log, privacy key, then tables of the
//! grounds, units and signal rules with the income thresholds. Never a password.

use super::output::{table, NONE};
use crate::domain::policy::{Policy, Threshold};
use crate::settings::{MailTransport, Settings};
use std::fmt::Write;

/// The whole report. Writing to a `String` cannot fail, so results are dropped.
pub fn report(s: &Settings) -> String {
    let mut out = String::from("configuration is valid\n");
    let _ = writeln!(out, "sources: {}", s.sources.join(", "));
    let engine = s.database.engine.describe();
    let _ = writeln!(out, "database: {engine} (migrate on start: {})", s.database.migrate_on_start);
    let _ = writeln!(
        out,
        "schedule: tick \"{}\", digest \"{}\", in {}",
        s.schedule.tick, s.schedule.digest, s.schedule.timezone
    );
    let mail = match &s.mail.transport {
        MailTransport::File(dir) => format!("files in {}", dir.display()),
        MailTransport::Smtp(smtp) => format!("SMTP {}:{} (tls {:?})", smtp.host, smtp.port, smtp.tls),
    };
    let _ =
        writeln!(out, "mail: {mail}, from {}, first retry after {} s", s.mail.from, s.mail.retry.as_secs());
    let _ = writeln!(
        out,
        "digests: overdue list of at most {} task(s); case links for {} of {} unit(s)",
        s.policy.digest.overdue_list_limit,
        s.policy.digest.case_urls.len(),
        s.policy.units.len()
    );
    let admin =
        s.admin_listen.map_or_else(|| "disabled".to_string(), |a| format!("health and metrics on {a}"));
    let _ = writeln!(out, "admin: {admin}");
    let _ = writeln!(out, "{}", web(&s.web));
    let format = if s.log.json { "JSON lines" } else { "text" };
    let _ = writeln!(out, "log: {format}, level \"{}\"", s.log.level);
    let _ = writeln!(out, "privacy: key file {}", s.privacy_key_file.display());
    out + &policy(&s.policy)
}

/// The task API's line, then a line per group's grant.
fn web(w: &crate::settings::WebSettings) -> String {
    let mut out = match (w.listen, &w.tls) {
        (None, _) => "web: task API off (web.listen is empty)".to_string(),
        (Some(a), None) => format!("web: task API on http://{a}"),
        (Some(a), Some(t)) => format!("web: task API on https://{a} (certificate {})", t.cert_file.display()),
    };
    let limit = match w.auth_failures_per_minute {
        0 => "no limit on failed authentications".to_string(),
        n => format!("429 after {n} failed authentication(s) from one address in a minute"),
    };
    let _ = write!(out, "; {limit}");
    match &w.oidc {
        None => out.push_str("\nweb.oidc: no OpenID provider; API tokens only"),
        Some(o) => {
            let _ = write!(
                out,
                "\nweb.oidc: JWTs of {} for audience {:?}, groups from the claim {:?}",
                o.issuer, o.audience, o.groups_claim
            );
        }
    }
    if w.access.is_empty() {
        out.push_str(
            "
web.access: no group holds a grant",
        );
    }
    for (group, grant) in &w.access {
        let _ = write!(
            out,
            "
web.access: group {group:?} is {} of {}",
            grant.role,
            grant.units.words().join(", ")
        );
    }
    out
}

/// The tables of the policy in force, then a line per income rule.
fn policy(p: &Policy) -> String {
    let mut out = String::from("\ngrounds:\n") + &grounds(p) + "\nunits:\n" + &units(p);
    let _ = writeln!(out, "\nsignals (unmatched after {}):", p.unmatched_after);
    let rows: Vec<Vec<String>> = p
        .signals
        .iter()
        .map(|(kind, r)| {
            let grounds = r.grounds.as_ref().map_or("*".to_string(), |g| g.join(","));
            vec![
                kind.clone(),
                grounds,
                r.priority.to_string(),
                r.due_within.to_string(),
                r.legal_basis.clone(),
            ]
        })
        .collect();
    out += &table(&["KIND", "GROUNDS", "PRIORITY", "DUE WITHIN", "LEGAL BASIS"], &rows);
    for (kind, r) in p.signals.iter().filter(|(_, r)| r.min_monthly_sek.is_some() || r.check_employer) {
        let _ = writeln!(out, "\n{kind}: {}", income_rule(r.min_monthly_sek.as_ref(), r.check_employer));
    }
    for kind in p.signals.iter().filter(|(_, r)| !r.tasks).map(|(kind, _)| kind) {
        let _ = writeln!(
            out,
            "\n{kind}: makes no task of its own (tasks = false); a report expectations look for"
        );
    }
    out + &expectations(p)
}

/// The expectations' table (docs/REFERENCE.md §13).
fn expectations(p: &Policy) -> String {
    if p.expectations.is_empty() {
        return "\nexpectations: none\n".into();
    }
    let rows: Vec<Vec<String>> = p
        .expectations
        .iter()
        .map(|(name, e)| {
            let grounds: Vec<&str> = e.grounds.iter().map(|g| g.as_str()).collect();
            vec![
                name.clone(),
                e.kind.clone(),
                grounds.join(","),
                e.missing_periods.to_string(),
                e.priority.to_string(),
                e.due_within.to_string(),
                e.legal_basis.clone(),
            ]
        })
        .collect();
    let head = ["EXPECTATION", "KIND", "GROUNDS", "MISSING PERIODS", "PRIORITY", "DUE WITHIN", "LEGAL BASIS"];
    String::from("\nexpectations (a task when the last covered periods are all missed):\n")
        + &table(&head, &rows)
}

fn grounds(p: &Policy) -> String {
    let rows: Vec<Vec<String>> = p
        .grounds
        .iter()
        .map(|(name, g)| {
            vec![
                name.to_string(),
                g.first_review_after.to_string(),
                g.review_every.to_string(),
                g.lead_time.to_string(),
                g.unit.to_string(),
                g.priority.to_string(),
                g.legal_basis.clone(),
            ]
        })
        .collect();
    table(&["GROUND", "FIRST REVIEW AFTER", "EVERY", "LEAD TIME", "UNIT", "PRIORITY", "LEGAL BASIS"], &rows)
}

fn units(p: &Policy) -> String {
    let rows: Vec<Vec<String>> = p
        .units
        .iter()
        .map(|(key, u)| {
            let cap = u.weekly_capacity.map_or("unlimited".to_string(), |c| c.to_string());
            let link = p.digest.case_urls.get(key).map_or_else(|| NONE.to_string(), |u| u.to_string());
            vec![key.to_string(), u.name.clone(), cap, u.email.len().to_string(), link]
        })
        .collect();
    table(&["UNIT", "NAME", "WEEKLY CAPACITY", "ADDRESSES", "CASE LINK"], &rows)
}

/// `threshold 27360 SEK for permits granted from 2023-11-01, 28480 SEK from 2024-06-01;
/// another employer than the permit's makes a task`.
fn income_rule(threshold: Option<&Threshold>, check_employer: bool) -> String {
    let threshold = match threshold {
        None => "no income threshold".to_string(),
        Some(Threshold::Fixed(sek)) => format!("threshold {sek} SEK a month"),
        Some(Threshold::ByDate(entries)) => {
            let list: Vec<String> =
                entries.iter().map(|(from, sek)| format!("{sek} SEK from {from}")).collect();
            format!("threshold a month, by the permit's valid_from: {}", list.join(", "))
        }
    };
    let employer = if check_employer {
        "income from another employer than the permit's makes a task"
    } else {
        "the employer is not checked"
    };
    format!("{threshold}; {employer}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_income_rule_reads_as_its_thresholds_and_employer_check() {
        let d = |s: &str| s.parse().unwrap();
        let by_date = Threshold::ByDate(vec![(d("2023-11-01"), 27360), (d("2024-06-01"), 28480)]);
        assert_eq!(
            income_rule(Some(&by_date), true),
            "threshold a month, by the permit's valid_from: 27360 SEK from 2023-11-01, 28480 SEK from \
             2024-06-01; income from another employer than the permit's makes a task"
        );
        assert_eq!(
            income_rule(Some(&Threshold::Fixed(30000)), false),
            "threshold 30000 SEK a month; the employer is not checked"
        );
        assert!(income_rule(None, true).starts_with("no income threshold;"));
    }
}
