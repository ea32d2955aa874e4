//! What the digests show besides their tasks (`mail.case_url`, `mail.overdue_list_limit`,
//! `[units.U].case_url`), checked at start-up like every other key: a link template that is
//! not `https` or lacks `{permit_id}` is a configuration error naming its key.

use super::raw::RawSettings;
use super::ConfigError;
use crate::domain::case_url::CaseUrl;
use crate::domain::keys::UnitKey;
use crate::domain::policy::DigestPolicy;

/// The digest policy: each unit's link template (its own `case_url`, else `mail.case_url`;
/// an empty one means none) and the length of the Overdue list.
pub(super) fn digest_policy(raw: &RawSettings) -> Result<DigestPolicy, ConfigError> {
    let global = template("mail.case_url", raw.mail.case_url.as_deref())?;
    let mut case_urls = std::collections::BTreeMap::new();
    for (unit, u) in &raw.units {
        let own = match u.case_url.as_deref() {
            Some(text) => template(&format!("units.{unit}.case_url"), Some(text))?,
            None => global.clone(),
        };
        if let (Some(url), Ok(unit)) = (own, UnitKey::parse(unit)) {
            case_urls.insert(unit, url);
        }
    }
    let limit = raw.mail.overdue_list_limit;
    let overdue_list_limit = usize::try_from(limit)
        .map_err(|_| ConfigError(format!("mail.overdue_list_limit: {limit} is too large")))?;
    Ok(DigestPolicy { case_urls, overdue_list_limit })
}

/// A template, or none when absent or empty.
fn template(key: &str, text: Option<&str>) -> Result<Option<CaseUrl>, ConfigError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => CaseUrl::parse(text).map(Some).map_err(|e| ConfigError(format!("{key}: {e}"))),
    }
}
