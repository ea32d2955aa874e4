//! `[web]`: where people reach the service (`base_url`, for the digest's links to the inbox) and
//! the language of its pages (`language`), checked at start-up like every other key; each error
//! names its key (docs/REFERENCE.md §8).

use super::raw::RawSettings;
use super::ConfigError;
use crate::i18n::Language;

/// `[web]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// Where people reach the service, without a trailing `/`; `None` when not set.
    pub base_url: Option<String>,
    /// The pages' language when nothing else chooses one.
    pub language: Language,
}

/// Checks `[web]`.
pub(super) fn web(raw: &RawSettings) -> Result<WebSettings, ConfigError> {
    let w = &raw.web;
    let base_url = match w.base_url.trim().trim_end_matches('/') {
        "" => None,
        url => Some(http_url("web.base_url", url)?.to_string()),
    };
    let language = Language::parse(&w.language).map_err(|e| ConfigError(format!("web.language: {e}")))?;
    Ok(WebSettings { base_url, language })
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
