//! `[web]`: where people reach the service (`base_url`, for the digest's links to the inbox),
//! the language of its pages (`language`), where the task API listens (`listen`, `[web.tls]`),
//! how many failed authentications an address may make a minute, and the grants of people's
//! groups (`[web.access."GROUP"]`); checked at start-up like every other key, each error naming
//! its key (docs/REFERENCE.md §8, §10).

use super::raw::RawSettings;
use super::ConfigError;
use crate::domain::access::{Grant, Role, Units};
use crate::domain::session::{parse_limit, SessionLimits};
use crate::i18n::Language;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// `[web]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// Where people reach the service, without a trailing `/`; `None` when not set.
    pub base_url: Option<String>,
    /// The pages' language when nothing else chooses one.
    pub language: Language,
    /// Where the task API listens; `None`: it is off.
    pub listen: Option<SocketAddr>,
    /// Failed authentications from one address a minute before it is answered 429; 0: no limit.
    pub auth_failures_per_minute: u32,
    /// TLS in the process: the certificate chain's and the private key's PEM files.
    pub tls: Option<TlsFiles>,
    /// The grant of each group named in a person's token.
    pub access: BTreeMap<String, Grant>,
    /// How long the inbox's sessions live (`session_idle`, `session_max`).
    pub sessions: SessionLimits,
    /// The OpenID provider whose JWTs are accepted; `None`: API tokens only.
    pub oidc: Option<OidcSettings>,
}

/// `[web.oidc]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcSettings {
    /// The issuer, without a trailing `/`: discovery at `ISSUER/.well-known/openid-configuration`.
    pub issuer: String,
    /// This service's client id.
    pub client_id: String,
    /// The client's secret's file, for the inbox's sign-in.
    pub client_secret_file: Option<PathBuf>,
    /// The `aud` a token must carry.
    pub audience: String,
    /// The claim listing a person's groups.
    pub groups_claim: String,
}

/// `[web.tls]`: PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert_file: PathBuf,
    /// Its private key.
    pub key_file: PathBuf,
}

/// Checks `[web]`.
pub(super) fn web(raw: &RawSettings, credentials: Option<&Path>) -> Result<WebSettings, ConfigError> {
    let w = &raw.web;
    let base_url = match w.base_url.trim().trim_end_matches('/') {
        "" => None,
        url => Some(http_url("web.base_url", url)?.to_string()),
    };
    let language = Language::parse(&w.language).map_err(|e| ConfigError(format!("web.language: {e}")))?;
    let listen = match w.listen.trim() {
        "" => None,
        addr => Some(addr.parse().map_err(|e| ConfigError(format!("web.listen: {addr:?}: {e}")))?),
    };
    let tls = match (w.tls.cert_file.trim(), w.tls.key_file.trim()) {
        ("", "") => None,
        ("", _) | (_, "") => {
            return Err(ConfigError(
                "web.tls: cert_file and key_file go together: set both or neither".into(),
            ))
        }
        (cert, key) => Some(TlsFiles {
            cert_file: super::credential::resolve("web.tls.cert_file", cert, credentials)?,
            key_file: super::credential::resolve("web.tls.key_file", key, credentials)?,
        }),
    };
    let mut access = BTreeMap::new();
    for (group, grant) in &w.access {
        let key = format!("web.access.{group:?}");
        if group.trim().is_empty() {
            return Err(ConfigError("web.access: a group's name must not be empty".into()));
        }
        let role = Role::parse(&grant.role).map_err(|e| ConfigError(format!("{key}.role: {e}")))?;
        let units = Units::parse(&grant.units).map_err(|e| ConfigError(format!("{key}.units: {e}")))?;
        if let Units::Some(keys) = &units {
            if let Some(u) = keys.iter().find(|u| !raw.units.contains_key(u.as_str())) {
                return Err(ConfigError(format!(
                    "{key}.units: unknown unit {u:?}; the units are those under [units]"
                )));
            }
        }
        access.insert(group.clone(), Grant { role, units });
    }
    let limit = |key: &str, text: &str| parse_limit(text).map_err(|e| ConfigError(format!("web.{key}: {e}")));
    let sessions = SessionLimits {
        idle: limit("session_idle", &w.session_idle)?,
        max: limit("session_max", &w.session_max)?,
    };
    if sessions.idle > sessions.max {
        return Err(ConfigError(format!(
            "web.session_idle: {:?} is longer than web.session_max {:?}",
            w.session_idle, w.session_max
        )));
    }
    Ok(WebSettings {
        sessions,
        base_url,
        language,
        listen,
        auth_failures_per_minute: w.auth_failures_per_minute,
        tls,
        access,
        oidc: oidc(raw, credentials)?,
    })
}

/// Checks `[web.oidc]`: an issuer turns JWTs on, and then a client id (or an audience) is needed.
fn oidc(raw: &RawSettings, credentials: Option<&Path>) -> Result<Option<OidcSettings>, ConfigError> {
    let o = &raw.web.oidc;
    let issuer = match o.issuer.trim().trim_end_matches('/') {
        "" => return Ok(None),
        url => http_url("web.oidc.issuer", url)?.to_string(),
    };
    let client_id = o.client_id.trim().to_string();
    let audience = match o.audience.trim() {
        "" => client_id.clone(),
        aud => aud.to_string(),
    };
    if audience.is_empty() {
        return Err(ConfigError("web.oidc: with an issuer, client_id (or audience) must be set".into()));
    }
    let groups_claim = o.groups_claim.trim().to_string();
    if groups_claim.is_empty() {
        return Err(ConfigError("web.oidc.groups_claim: must name a claim".into()));
    }
    let client_secret_file = match o.client_secret_file.trim() {
        "" => None,
        path => Some(super::credential::resolve("web.oidc.client_secret_file", path, credentials)?),
    };
    Ok(Some(OidcSettings { issuer, client_id, client_secret_file, audience, groups_claim }))
}

/// An `http(s)://HOST…` URL with nothing in it that would break a link.
fn http_url<'a>(key: &str, url: &'a str) -> Result<&'a str, ConfigError> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| ConfigError(format!("{key}: {url:?} must start with https:// or http://")))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || url.chars().any(|c| c.is_whitespace() || c == '"' || c == '<' || c == '>') {
        return Err(ConfigError(format!("{key}: {url:?} is not a URL with a host")));
    }
    Ok(url)
}
