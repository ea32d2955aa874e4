//! The inbox's sessions and sign-ins as kept in the database (docs/REFERENCE.md §11), on both
//! engines: a sign-in's `state` is used once and within ten minutes, a session lives until its
//! idle or absolute limit or `/logout`, and the database keeps neither the cookie's value nor
//! the `state`, only their hashes.

use crate::both_engines;
use crate::helpers::Env;
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use permit_followup::domain::session::{PendingSignIn, Person, SessionLimits};
use permit_followup::jobs::sessions::{self, SessionError, SessionKey};

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, h, m, 0).unwrap()
}

fn person() -> Person {
    Person {
        subject: "cw-study-1".into(),
        name: "Case Worker".into(),
        groups: vec!["study-caseworkers".into()],
    }
}

fn pending() -> PendingSignIn {
    PendingSignIn { pkce_verifier: "verifier".into(), nonce: "nonce".into(), return_to: "/tasks/7".into() }
}

both_engines!(
    fn a_sign_in_is_finished_once_and_within_ten_minutes(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = env.store();
        sessions::begin_sign_in(&store, "state-1", &pending(), at(8, 0)).unwrap();
        assert_eq!(sessions::finish_sign_in(&store, "state-1", at(8, 1)).unwrap(), pending());
        let again = sessions::finish_sign_in(&store, "state-1", at(8, 1));
        assert!(matches!(again, Err(SessionError::UnknownSignIn)), "{again:?}");

        sessions::begin_sign_in(&store, "state-2", &pending(), at(8, 0)).unwrap();
        let late = sessions::finish_sign_in(&store, "state-2", at(8, 10));
        assert!(matches!(late, Err(SessionError::UnknownSignIn)), "{late:?}");
        let unknown = sessions::finish_sign_in(&store, "never-sent", at(8, 0));
        assert!(matches!(unknown, Err(SessionError::UnknownSignIn)), "{unknown:?}");
    }
);

both_engines!(
    fn a_session_lives_until_its_idle_limit_its_absolute_limit_or_logout(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = env.store();
        let limits = SessionLimits::default();
        let (key, opened) = sessions::open_session(&store, person(), limits, at(8, 0)).unwrap();
        assert_eq!(opened.person, person());
        assert_eq!(opened.form_token.len(), 64);

        // Found again by its cookie, its use written down at most once a minute.
        let found = sessions::session(&store, &key, limits, at(8, 0)).unwrap();
        assert_eq!(found, opened);
        assert!(sessions::form_token_matches(&found, &opened.form_token));
        assert!(!sessions::form_token_matches(&found, "not-the-token"));
        let later = sessions::session(&store, &key, limits, at(8, 20)).unwrap();
        assert_eq!(later.seen_at, at(8, 20).naive_utc());
        // Used every 20 minutes it lives on past its idle limit...
        for m in [40, 60, 80] {
            sessions::session(&store, &key, limits, at(8, 0) + TimeDelta::minutes(m)).unwrap();
        }
        // ... and ends when idle for 30 minutes; then it is gone.
        let idle = sessions::session(&store, &key, limits, at(9, 50));
        assert!(matches!(idle, Err(SessionError::Ended)), "{idle:?}");
        let gone = sessions::session(&store, &key, limits, at(9, 51));
        assert!(matches!(gone, Err(SessionError::NoSession)), "{gone:?}");

        // However busy, a session ends eight hours after sign-in.
        let (busy, _) = sessions::open_session(&store, person(), limits, at(8, 0)).unwrap();
        for m in (20..480).step_by(20) {
            sessions::session(&store, &busy, limits, at(8, 0) + TimeDelta::minutes(m)).unwrap();
        }
        let expired = sessions::session(&store, &busy, limits, at(16, 0));
        assert!(matches!(expired, Err(SessionError::Ended)), "{expired:?}");

        // Logout ends it at once; a second logout is no error.
        let (out, _) = sessions::open_session(&store, person(), limits, at(10, 0)).unwrap();
        sessions::end_session(&store, &out).unwrap();
        sessions::end_session(&store, &out).unwrap();
        let after = sessions::session(&store, &out, limits, at(10, 1));
        assert!(matches!(after, Err(SessionError::NoSession)), "{after:?}");
        let forged = sessions::session(&store, &SessionKey::from_cookie("00ff"), limits, at(10, 1));
        assert!(matches!(forged, Err(SessionError::NoSession)), "{forged:?}");
    }
);

both_engines!(
    fn the_database_keeps_no_cookie_or_state_and_drops_ended_sessions(engine) {
        let env = Env::new(engine, "").unwrap();
        let store = env.store();
        let limits = SessionLimits::default();
        let (old, _) = sessions::open_session(&store, person(), limits, at(7, 0)).unwrap();
        sessions::begin_sign_in(&store, "a-state-value-to-look-for", &pending(), at(8, 0)).unwrap();
        let (key, _) = sessions::open_session(&store, person(), limits, at(8, 0)).unwrap();
        // The session begun at 7:00 and unused since was removed when the next one opened.
        assert_eq!(env.count("SELECT COUNT(*) AS n FROM web_sessions"), 1);
        let dump = String::from_utf8_lossy(&env.database_dump()).into_owned();
        for secret in [key.cookie_value(), old.cookie_value(), "a-state-value-to-look-for"] {
            assert!(!dump.contains(secret), "the database holds a cookie or state in clear");
        }
    }
);
