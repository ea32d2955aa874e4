//! `--now`: the only place the command line reads the clock.

use crate::errors::UsageError;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Reads `--now`: an RFC 3339 instant, or a date meaning 12:00 local time; absent: the clock.
pub fn parse_now(text: Option<&str>, tz: Tz) -> Result<DateTime<Utc>, UsageError> {
    let Some(text) = text else { return Ok(Utc::now()) };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        UsageError(format!("--now {text:?}: expected an RFC 3339 instant or a date YYYY-MM-DD"))
    })?;
    let noon = date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default());
    tz.from_local_datetime(&noon)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| UsageError(format!("--now {text:?}: 12:00 does not exist in {tz}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_means_noon_local_time() {
        let t = parse_now(Some("2027-01-15"), chrono_tz::Europe::Stockholm).unwrap();
        assert_eq!(t.to_rfc3339(), "2027-01-15T11:00:00+00:00");
        let t = parse_now(Some("2027-07-15"), chrono_tz::Europe::Stockholm).unwrap();
        assert_eq!(t.to_rfc3339(), "2027-07-15T10:00:00+00:00");
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        assert!(parse_now(Some("tomorrow"), chrono_tz::Europe::Stockholm).is_err());
    }
}
