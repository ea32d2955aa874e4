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

/// A session's last use is written down at most this often: a person clicking through the inbox
/// costs one write a minute, not one a page. Its idle limit counts from the last use written, so
/// a session may end up to this much before its idle limit, never after it.
pub const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// A sign-in under way ends unfinished after this long.
pub const SIGN_IN_WITHIN: TimeDelta = TimeDelta::minutes(10);

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
