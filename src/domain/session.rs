//! A person's session in the inbox and the sign-in that leads to it (docs/REFERENCE.md §11): how
//! long a session lives, as a pure function of when it began, when it was last used and now; and
//! where a finished sign-in may send the person back to.

use chrono::{NaiveDateTime, TimeDelta};

/// How long a session lives: `[web] session_idle` (unused this long, it ends) and `session_max`
/// (this long after sign-in, it ends however busy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// The idle limit.
    pub idle: TimeDelta,
    /// The absolute limit.
    pub max: TimeDelta,
}

impl Default for SessionLimits {
    /// 30 minutes idle, 8 hours in all.
    fn default() -> Self {
        SessionLimits { idle: TimeDelta::minutes(30), max: TimeDelta::hours(8) }
    }
}

/// Reads a session limit: a whole number of minutes, hours or days, or a sum of them
/// (`30 minutes`, `8 hours`, `1 hour 30 minutes`); at least a minute.
pub fn parse_limit(text: &str) -> Result<TimeDelta, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return Err(format!("{text:?} is not a duration such as \"30 minutes\" or \"8 hours\""));
    }
    let mut total = TimeDelta::zero();
    for pair in words.chunks(2) {
        let n: i64 = pair[0]
            .parse()
            .ok()
            .filter(|n| (0..=100_000).contains(n))
            .ok_or_else(|| format!("{text:?}: {:?} is not a whole number of at most 100000", pair[0]))?;
        let unit = match pair[1].trim_end_matches('s') {
            "minute" => TimeDelta::minutes(1),
            "hour" => TimeDelta::hours(1),
            "day" => TimeDelta::days(1),
            other => return Err(format!("{text:?}: unknown unit {other:?}; use minutes, hours or days")),
        };
        total += unit * n as i32;
    }
    if total < TimeDelta::minutes(1) {
        return Err(format!("{text:?} is shorter than a minute"));
    }
    Ok(total)
}

/// A session's last use is written down at most this often: a person clicking through the inbox
/// costs one write a minute, not one a page. Its idle limit counts from the last use written, so
/// a session may end up to this much before its idle limit, never after it.
pub const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// A sign-in under way ends unfinished after this long.
pub const SIGN_IN_WITHIN: TimeDelta = TimeDelta::minutes(10);

/// A person who has not signed in for this long is no longer offered when a task is assigned.
pub const PEOPLE_KEPT: TimeDelta = TimeDelta::days(180);

/// What a session is at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Liveness {
    /// It may be used; `touch`: its last use should be written down now.
    Live {
        /// Whether to write down this use.
        touch: bool,
    },
    /// Unused for its idle limit: ended.
    Idle,
    /// Past its absolute limit: ended.
    Expired,
}

impl SessionLimits {
    /// What a session begun at `started` and last used at `seen` is at `now`.
    pub fn judge(&self, started: NaiveDateTime, seen: NaiveDateTime, now: NaiveDateTime) -> Liveness {
        if now - started >= self.max {
            Liveness::Expired
        } else if now - seen >= self.idle {
            Liveness::Idle
        } else {
            Liveness::Live { touch: now - seen >= TOUCH_EVERY }
        }
    }
}

/// A person as the identity provider vouched for them at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The provider's subject: the actor of everything the person does.
    pub subject: String,
    /// The name to greet them by (a member of staff's, from the provider).
    pub name: String,
    /// The provider's groups, mapped to grants by `[web.access]` on every request.
    pub groups: Vec<String>,
}

/// A session as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Who it is.
    pub person: Person,
    /// The token every form of the session carries.
    pub form_token: String,
    /// When the person signed in.
    pub started_at: NaiveDateTime,
    /// When it was last used (as written down).
    pub seen_at: NaiveDateTime,
}

/// A sign-in under way: what the provider's answer needs to be finished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    /// The PKCE verifier of the code challenge sent.
    pub pkce_verifier: String,
    /// The nonce the ID token must carry.
    pub nonce: String,
    /// The page to go to once signed in (a local path, [`return_path`]).
    pub return_to: String,
}

/// The local page a sign-in may lead back to: `asked` when it is a path on this site, else the
/// inbox. Anything that could lead elsewhere (`//host`, `/\host`, a scheme, control characters)
/// is the inbox, so that the sign-in is never a redirect to another site.
pub fn return_path(asked: &str) -> &str {
    let local = asked.starts_with('/')
        && !asked.starts_with("//")
        && !asked.starts_with("/\\")
        && !asked.chars().any(|c| c.is_control() || c == '\\');
    if local {
        asked
    } else {
        "/"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap().and_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_session_lives_until_its_idle_or_its_absolute_limit() {
        let limits = SessionLimits::default();
        assert_eq!(limits.judge(at(8, 0), at(8, 0), at(8, 0)), Liveness::Live { touch: false });
        assert_eq!(limits.judge(at(8, 0), at(8, 0), at(8, 29)), Liveness::Live { touch: true });
        assert_eq!(limits.judge(at(8, 0), at(8, 0), at(8, 30)), Liveness::Idle);
        assert_eq!(limits.judge(at(8, 0), at(15, 50), at(15, 59)), Liveness::Live { touch: true });
        assert_eq!(limits.judge(at(8, 0), at(15, 59), at(16, 0)), Liveness::Expired);
    }

    #[test]
    fn a_limit_is_minutes_hours_or_days() {
        assert_eq!(parse_limit("30 minutes"), Ok(TimeDelta::minutes(30)));
        assert_eq!(parse_limit("8 hours"), Ok(TimeDelta::hours(8)));
        assert_eq!(parse_limit("1 hour 30 minutes"), Ok(TimeDelta::minutes(90)));
        assert_eq!(parse_limit("2 days"), Ok(TimeDelta::days(2)));
        for bad in
            ["", "30", "minutes", "0 minutes", "-5 minutes", "3 fortnights", "1.5 hours", "999999 days"]
        {
            assert!(parse_limit(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_use_is_written_down_at_most_once_a_minute() {
        let limits = SessionLimits::default();
        let seen = at(9, 0);
        let now = seen + TimeDelta::seconds(59);
        assert_eq!(limits.judge(at(8, 0), seen, now), Liveness::Live { touch: false });
        assert_eq!(limits.judge(at(8, 0), seen, seen + TOUCH_EVERY), Liveness::Live { touch: true });
    }

    #[test]
    fn a_sign_in_leads_back_only_to_a_page_of_this_site() {
        assert_eq!(return_path("/tasks/12?lang=sv"), "/tasks/12?lang=sv");
        assert_eq!(return_path("/"), "/");
        for elsewhere in
            ["//evil.example/", "/\\evil.example", "https://evil.example/", "", "tasks/1", "/a\r\nb"]
        {
            assert_eq!(return_path(elsewhere), "/", "{elsewhere:?}");
        }
    }
}
