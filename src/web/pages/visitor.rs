//! Who is looking at a page: the session of the request's cookie, found in the database (so any
//! instance serves it), its person's groups mapped to grants by `[web.access]` as they are now
//! (a reload applies at once), and the language the browser asked for. A request without a
//! live session is sent to sign in, and comes back to the page it asked for.

use super::super::WebState;
use crate::domain::access::Caller;
use crate::domain::session::Session;
use crate::i18n::{negotiate, Language};
use crate::jobs::sessions::{self, SessionError, SessionKey};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

/// The session cookie's name.
pub const COOKIE: &str = "pf_session";

/// A person with a live session.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Who they are, and what they may do.
    pub caller: Caller,
    /// Their session (its form token).
    pub session: Session,
    /// The words of the page.
    pub lang: Language,
}

/// The language of a request's page: the browser's `Accept-Language`, else `[web] language`.
pub fn language(headers: &HeaderMap, state: &WebState) -> Language {
    negotiate(headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()), state.language())
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Why a page was not shown to its requester.
#[derive(Debug)]
pub enum NotSignedIn {
    /// No live session: sign in, then come back to this path.
    SignIn(String),
    /// The database failed.
    Failed(SessionError),
}

impl IntoResponse for NotSignedIn {
    fn into_response(self) -> Response {
        match self {
            NotSignedIn::SignIn(back) => {
                let to = format!(
                    "/login?next={}",
                    form_urlencoded::byte_serialize(back.as_bytes()).collect::<String>()
                );
                Redirect::to(&to).into_response()
            }
            NotSignedIn::Failed(e) => {
                tracing::error!(error = %e, "a session could not be read");
                (StatusCode::SERVICE_UNAVAILABLE, "the service cannot answer now; try again later")
                    .into_response()
            }
        }
    }
}

impl FromRequestParts<WebState> for Visitor {
    type Rejection = NotSignedIn;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, NotSignedIn> {
        let back = match parts.method {
            axum::http::Method::GET => parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string(),
            // A form sent after the session ended: back to the page it was sent from.
            _ => parts.uri.path().rsplit_once('/').map_or("/", |(page, _)| page).to_string(),
        };
        let Some(value) = cookie(&parts.headers, COOKIE) else { return Err(NotSignedIn::SignIn(back)) };
        let key = SessionKey::from_cookie(value);
        let limits = state.session_limits();
        let now = chrono::Utc::now();
        let found = state.store().blocking(move |s| sessions::session(s, &key, limits, now)).await;
        let session = match found {
            Ok(session) => session,
            Err(SessionError::NoSession | SessionError::Ended) => return Err(NotSignedIn::SignIn(back)),
            Err(e) => return Err(NotSignedIn::Failed(e)),
        };
        let caller = Caller::person(&session.person, &state.access());
        Ok(Visitor { caller, session, lang: language(&parts.headers, state) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "a=1; pf_session=abc; b=2".parse().unwrap());
        assert_eq!(cookie(&h, COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(cookie(&HeaderMap::new(), COOKIE), None);
    }
}
