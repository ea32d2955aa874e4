//! The configuration as written: TOML merged from the built-in defaults, the files and the
//! environment. Strings stay strings here; `super::validate` turns them into typed settings.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a configuration of tables ([database], [schedule], [mail], …)")]
pub struct RawSettings {
    pub database: RawDatabase,
    pub schedule: RawSchedule,
    pub mail: RawMail,
    pub admin: RawAdmin,
    pub log: RawLog,
    pub privacy: RawPrivacy,
    pub web: RawWeb,
    pub grounds: BTreeMap<String, RawGround>,
    pub units: BTreeMap<String, RawUnit>,
    pub signals: RawSignals,
    #[serde(default)]
    pub expectations: BTreeMap<String, RawExpectation>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of database keys")]
pub struct RawDatabase {
    pub url: String,
    pub migrate_on_start: bool,
    pub connect_timeout_seconds: u64,
    pub statement_timeout_seconds: u64,
    pub lock_timeout_seconds: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of schedule keys")]
pub struct RawSchedule {
    pub timezone: String,
    pub tick: String,
    pub digest: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of mail keys")]
pub struct RawMail {
    pub transport: String,
    pub file_dir: String,
    pub from: String,
    pub retry_seconds: u64,
    pub smtp: RawSmtp,
    pub case_url: Option<String>,
    pub overdue_list_limit: u64,
    pub language: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of mail.smtp keys")]
pub struct RawSmtp {
    pub host: String,
    pub port: u16,
    pub tls: String,
    pub username: String,
    pub password_file: String,
    pub timeout_seconds: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of admin keys")]
pub struct RawAdmin {
    pub listen: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of log keys")]
pub struct RawLog {
    pub format: String,
    pub level: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of privacy keys")]
pub struct RawPrivacy {
    pub key_file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of web keys")]
pub struct RawWeb {
    pub base_url: String,
    pub language: String,
    pub listen: String,
    pub auth_failures_per_minute: u32,
    pub session_idle: String,
    pub session_max: String,
    pub tls: RawWebTls,
    pub oidc: RawOidc,
    pub access: BTreeMap<String, RawGrant>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of web.oidc keys (issuer, client_id, client_secret_file, audience, groups_claim)"
)]
pub struct RawOidc {
    pub issuer: String,
    pub client_id: String,
    pub client_secret_file: String,
    pub audience: String,
    pub groups_claim: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of web.tls keys (cert_file, key_file)")]
pub struct RawWebTls {
    pub cert_file: String,
    pub key_file: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a grant: { role = \"caseworker\", units = [\"study\"] }")]
pub struct RawGrant {
    pub role: String,
    pub units: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of a ground's keys (first_review_after, review_every, lead_time, unit, priority, legal_basis)"
)]
pub struct RawGround {
    pub first_review_after: String,
    pub review_every: String,
    pub lead_time: String,
    pub unit: String,
    pub priority: String,
    pub legal_basis: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table of a unit's keys (name, email, weekly_capacity)")]
pub struct RawUnit {
    pub name: String,
    pub email: Vec<String>,
    pub weekly_capacity: Option<Capacity>,
    pub case_url: Option<String>,
}

/// `weekly_capacity`: a number, or "unlimited". (`expecting` keeps serde's own words, which name
/// this type, out of messages.)
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "expected a whole number of tasks, 0 or more, or \"unlimited\"")]
pub enum Capacity {
    Limit(i64),
    Word(String),
}

#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of a signal rule's keys (grounds, priority, reason, due_within, legal_basis)"
)]
pub struct RawSignalRule {
    pub grounds: Vec<String>,
    pub priority: String,
    pub reason: String,
    pub due_within: String,
    pub legal_basis: String,
    pub min_monthly_sek: Option<RawThreshold>,
    pub check_employer: Option<bool>,
    pub tasks: Option<bool>,
}

/// `[expectations.E]` (docs/REFERENCE.md §13).
#[derive(Debug, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a table of an expectation's keys (kind, grounds, missing_periods, priority, reason, due_within, legal_basis)"
)]
pub struct RawExpectation {
    pub kind: String,
    pub grounds: Vec<String>,
    pub missing_periods: i64,
    pub priority: String,
    pub reason: String,
    pub due_within: String,
    pub legal_basis: String,
}

/// `min_monthly_sek`: one amount or a list of `{ from, sek }`.
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a whole number of kronor, or a list of { from = \"YYYY-MM-DD\", sek = N }"
)]
pub enum RawThreshold {
    Fixed(i64),
    ByDate(Vec<RawThresholdEntry>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table { from = \"YYYY-MM-DD\", sek = N }")]
pub struct RawThresholdEntry {
    pub from: String,
    pub sek: i64,
}

/// `[signals]`: the key `unmatched_after` beside one table per signal kind.
#[derive(Debug)]
pub struct RawSignals {
    pub unmatched_after: String,
    pub rules: BTreeMap<String, RawSignalRule>,
}

impl<'de> Deserialize<'de> for RawSignals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SignalsVisitor;
        impl<'de> Visitor<'de> for SignalsVisitor {
            type Value = RawSignals;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("unmatched_after and one table per signal kind")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSignals, A::Error> {
                let mut unmatched_after = None;
                let mut rules = BTreeMap::new();
                while let Some(key) = map.next_key::<String>()? {
                    if key == "unmatched_after" {
                        unmatched_after = Some(map.next_value::<String>()?);
                    } else {
                        let rule = map
                            .next_value::<RawSignalRule>()
                            .map_err(|e| de::Error::custom(format_args!("signals.{key}: {e}")))?;
                        rules.insert(key, rule);
                    }
                }
                let unmatched_after =
                    unmatched_after.ok_or_else(|| de::Error::missing_field("unmatched_after"))?;
                Ok(RawSignals { unmatched_after, rules })
            }
        }
        deserializer.deserialize_map(SignalsVisitor)
    }
}
