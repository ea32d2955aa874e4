//! Raw settings → typed settings. Each check names the key it failed on.

use super::credential;
use super::raw::{Capacity, RawExpectation, RawSettings, RawThreshold};
use super::{
    ConfigError, DatabaseSettings, DatabaseTimeouts, LogSettings, MailSettings, MailTransport,
    ScheduleSettings, Secret, Settings, SmtpSettings, SmtpTls,
};
use crate::domain::cron::CronSchedule;
use crate::domain::expectation::Expectation;
use crate::domain::keys::{GroundKey, UnitKey};
use crate::domain::policy::{GroundPolicy, Policy, Priority, SignalRule, Threshold, Unit};
use crate::domain::span::Span;
use crate::domain::task::Cause;
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn err(key: &str, why: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("{key}: {why}"))
}

fn span(key: &str, text: &str) -> Result<Span, ConfigError> {
    Span::parse(text).map_err(|e| err(key, e))
}

fn priority(key: &str, text: &str) -> Result<Priority, ConfigError> {
    text.parse().map_err(|e: String| err(key, e))
}

/// Checks a 6-field cron expression the way the scheduler will read it.
pub fn check_cron(key: &str, expr: &str) -> Result<(), ConfigError> {
    CronSchedule::parse(expr).map(|_| ()).map_err(|e| err(key, e))
}

/// A whole number of seconds, at least one.
fn seconds(key: &str, n: u64) -> Result<Duration, ConfigError> {
    if n == 0 {
        return Err(err(key, "must be at least 1 (seconds)"));
    }
    Ok(Duration::from_secs(n))
}

fn database_timeouts(raw: &RawSettings) -> Result<DatabaseTimeouts, ConfigError> {
    let d = &raw.database;
    Ok(DatabaseTimeouts {
        connect: seconds("database.connect_timeout_seconds", d.connect_timeout_seconds)?,
        statement: seconds("database.statement_timeout_seconds", d.statement_timeout_seconds)?,
        lock: seconds("database.lock_timeout_seconds", d.lock_timeout_seconds)?,
    })
}

/// Turns the merged raw configuration into [`Settings`]. A path key written `credential:NAME`
/// is read from `$CREDENTIALS_DIRECTORY` (systemd's `LoadCredential=`).
pub fn validate(raw: RawSettings) -> Result<Settings, ConfigError> {
    let credentials = credential::directory();
    let credentials = credentials.as_deref();
    // Engine::parse never repeats a PostgreSQL URL, which may hold a password.
    let engine = super::Engine::parse(raw.database.url.trim()).map_err(|e| err("database.url", e))?;
    let timezone =
        raw.schedule.timezone.parse().map_err(|_| {
            err("schedule.timezone", format!("unknown time zone {:?}", raw.schedule.timezone))
        })?;
    check_cron("schedule.tick", &raw.schedule.tick)?;
    check_cron("schedule.digest", &raw.schedule.digest)?;
    let admin_listen = match raw.admin.listen.trim() {
        "" => None,
        addr => Some(addr.parse().map_err(|e| err("admin.listen", format!("{addr:?}: {e}")))?),
    };
    let json = match raw.log.format.as_str() {
        "text" => false,
        "json" => true,
        other => return Err(err("log.format", format!("{other:?} must be \"text\" or \"json\""))),
    };
    tracing_subscriber::EnvFilter::try_new(&raw.log.level)
        .map_err(|e| err("log.level", format!("{:?}: {e}", raw.log.level)))?;
    let mail = mail(&raw, credentials)?;
    let policy = policy(&raw)?;
    let timeouts = database_timeouts(&raw)?;
    let privacy_key_file = credential::resolve("privacy.key_file", &raw.privacy.key_file, credentials)?;
    let web = super::web::web(&raw, credentials)?;
    Ok(Settings {
        database: DatabaseSettings { engine, migrate_on_start: raw.database.migrate_on_start, timeouts },
        schedule: ScheduleSettings { timezone, tick: raw.schedule.tick, digest: raw.schedule.digest },
        mail,
        admin_listen,
        log: LogSettings { json, level: raw.log.level },
        privacy_key_file,
        web,
        policy,
        sources: Vec::new(),
    })
}

fn mail(raw: &RawSettings, credentials: Option<&Path>) -> Result<MailSettings, ConfigError> {
    let m = &raw.mail;
    if !m.from.contains('@') {
        return Err(err("mail.from", format!("{:?} is not an email address", m.from)));
    }
    let transport = match m.transport.as_str() {
        "file" => MailTransport::File(PathBuf::from(&m.file_dir)),
        "smtp" => {
            let s = &m.smtp;
            let tls = match s.tls.as_str() {
                "required" => SmtpTls::Required,
                "wrapper" => SmtpTls::Wrapper,
                "none" => SmtpTls::None,
                other => {
                    return Err(err("mail.smtp.tls", format!("{other:?} must be required, wrapper or none")))
                }
            };
            let credentials = if s.username.is_empty() {
                None
            } else {
                let key = "mail.smtp.password_file";
                let file = credential::resolve(key, &s.password_file, credentials)?;
                Some((s.username.clone(), read_secret(key, &file)?))
            };
            MailTransport::Smtp(SmtpSettings {
                host: s.host.clone(),
                port: s.port,
                tls,
                credentials,
                timeout: std::time::Duration::from_secs(s.timeout_seconds.max(1)),
            })
        }
        other => return Err(err("mail.transport", format!("{other:?} must be \"file\" or \"smtp\""))),
    };
    Ok(MailSettings {
        transport,
        from: m.from.clone(),
        retry: std::time::Duration::from_secs(m.retry_seconds.max(1)),
        language: crate::i18n::Language::parse(&m.language).map_err(|e| err("mail.language", e))?,
    })
}

fn read_secret(key: &str, path: &Path) -> Result<Secret, ConfigError> {
    if path.as_os_str().is_empty() {
        return Err(err(key, "a username is set, so a password file is needed"));
    }
    let text = std::fs::read_to_string(path).map_err(|e| err(key, format!("{}: {e}", path.display())))?;
    Ok(Secret::new(text.lines().next().unwrap_or("").to_string()))
}

fn policy(raw: &RawSettings) -> Result<Policy, ConfigError> {
    let mut policy = Policy {
        unmatched_after: span("signals.unmatched_after", &raw.signals.unmatched_after)?,
        ..Policy::default()
    };
    for (key, u) in &raw.units {
        let k = format!("units.{key}");
        let unit = UnitKey::parse(key).map_err(|e| err(&k, e.0))?;
        let weekly_capacity = match &u.weekly_capacity {
            None => None,
            Some(Capacity::Word(w)) if w == "unlimited" => None,
            Some(Capacity::Limit(n)) if *n >= 0 => Some(
                u32::try_from(*n)
                    .map_err(|_| err(&format!("{k}.weekly_capacity"), format!("{n} is too large")))?,
            ),
            Some(other) => {
                let value = match other {
                    Capacity::Limit(n) => n.to_string(),
                    Capacity::Word(w) => format!("{w:?}"),
                };
                return Err(err(
                    &format!("{k}.weekly_capacity"),
                    format!("{value} is not a number ≥ 0 or \"unlimited\""),
                ));
            }
        };
        if u.email.is_empty() || u.email.iter().any(|a| !a.contains('@')) {
            return Err(err(&format!("{k}.email"), "a list of one or more email addresses"));
        }
        policy.units.insert(unit, Unit { name: u.name.clone(), email: u.email.clone(), weekly_capacity });
    }
    for (key, g) in &raw.grounds {
        let k = format!("grounds.{key}");
        let ground = GroundKey::parse(key).map_err(|e| err(&k, e.0))?;
        let review_every = span(&format!("{k}.review_every"), &g.review_every)?;
        if review_every.is_zero() {
            return Err(err(&format!("{k}.review_every"), "must not be zero"));
        }
        let Some((unit, _)) = policy.units.get_key_value(g.unit.as_str()) else {
            return Err(err(&format!("{k}.unit"), format!("unknown unit {:?} (not under [units])", g.unit)));
        };
        let unit = unit.clone();
        policy.grounds.insert(
            ground,
            GroundPolicy {
                first_review_after: span(&format!("{k}.first_review_after"), &g.first_review_after)?,
                review_every,
                lead_time: span(&format!("{k}.lead_time"), &g.lead_time)?,
                unit,
                priority: priority(&format!("{k}.priority"), &g.priority)?,
                legal_basis: g.legal_basis.clone(),
            },
        );
    }
    for (kind, r) in &raw.signals.rules {
        let k = format!("signals.{kind}");
        let grounds = if r.grounds.iter().any(|g| g == "*") {
            None
        } else {
            let known = |g: &String| policy.grounds.get_key_value(g.as_str()).map(|(key, _)| key.clone());
            if let Some(bad) = r.grounds.iter().find(|g| known(g).is_none()) {
                return Err(err(
                    &format!("{k}.grounds"),
                    format!("unknown ground {bad:?} (not under [grounds])"),
                ));
            }
            Some(r.grounds.iter().filter_map(known).collect())
        };
        if kind != "income_reported" && (r.min_monthly_sek.is_some() || r.check_employer.is_some()) {
            return Err(err(&k, "min_monthly_sek and check_employer belong to income_reported only"));
        }
        policy.signals.insert(
            kind.clone(),
            SignalRule {
                grounds,
                priority: priority(&format!("{k}.priority"), &r.priority)?,
                reason: r.reason.clone(),
                due_within: span(&format!("{k}.due_within"), &r.due_within)?,
                legal_basis: r.legal_basis.clone(),
                min_monthly_sek: threshold(&format!("{k}.min_monthly_sek"), r.min_monthly_sek.as_ref())?,
                check_employer: r.check_employer.unwrap_or(false),
                tasks: r.tasks.unwrap_or(true),
            },
        );
    }
    for (name, x) in &raw.expectations {
        let (e, expectation) = (format!("expectations.{name}"), expectation(&policy, name, x)?);
        if policy.signals.contains_key(name) || name == Cause::PERIODIC_REVIEW {
            return Err(err(
                &e,
                "an expectation's name is its tasks' cause: it must not be a signal kind or periodic_review",
            ));
        }
        policy.expectations.insert(name.clone(), expectation);
    }
    policy.digest = super::digest::digest_policy(raw)?;
    Ok(policy)
}

/// One `[expectations.E]`: its kind a signal kind, its grounds configured, at least one period.
fn expectation(policy: &Policy, name: &str, x: &RawExpectation) -> Result<Expectation, ConfigError> {
    let k = format!("expectations.{name}");
    let well_named = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_named {
        return Err(err(&k, "an expectation's name is 1 to 64 of a-z 0-9 _"));
    }
    if !policy.signals.contains_key(&x.kind) {
        return Err(err(&format!("{k}.kind"), format!("unknown kind {:?} (not under [signals])", x.kind)));
    }
    if x.grounds.is_empty() {
        return Err(err(&format!("{k}.grounds"), "a list of one or more grounds"));
    }
    let mut grounds = Vec::new();
    for g in &x.grounds {
        let Some((key, _)) = policy.grounds.get_key_value(g.as_str()) else {
            return Err(err(&format!("{k}.grounds"), format!("unknown ground {g:?} (not under [grounds])")));
        };
        grounds.push(key.clone());
    }
    let missing_periods = u32::try_from(x.missing_periods).ok().filter(|n| *n >= 1).ok_or_else(|| {
        err(&format!("{k}.missing_periods"), format!("{} is not a count of 1 or more", x.missing_periods))
    })?;
    Ok(Expectation {
        kind: x.kind.clone(),
        grounds,
        missing_periods,
        priority: priority(&format!("{k}.priority"), &x.priority)?,
        reason: x.reason.clone(),
        due_within: span(&format!("{k}.due_within"), &x.due_within)?,
        legal_basis: x.legal_basis.clone(),
    })
}

fn threshold(key: &str, raw: Option<&RawThreshold>) -> Result<Option<Threshold>, ConfigError> {
    let to_sek = |n: i64| u64::try_from(n).map_err(|_| err(key, "an amount must not be negative"));
    Ok(match raw {
        None => None,
        Some(RawThreshold::Fixed(n)) => Some(Threshold::Fixed(to_sek(*n)?)),
        Some(RawThreshold::ByDate(entries)) => {
            let mut out = Vec::new();
            for e in entries {
                let from: NaiveDate = e
                    .from
                    .parse()
                    .map_err(|_| err(key, format!("from = {:?} is not a date (YYYY-MM-DD)", e.from)))?;
                out.push((from, to_sek(e.sek)?));
            }
            out.sort();
            Some(Threshold::ByDate(out))
        }
    })
}
