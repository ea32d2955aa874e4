//! Errors as `application/problem+json` (RFC 9457): every refusal of the API has a `type`, a
//! `title`, the `status` and a `detail` in words, and nothing else — no token, no personal data.
//! The one place where an error's kind becomes an HTTP status ([`status_of`]).

use crate::errors::ErrorKind;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The media type of a problem.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Why a request was refused before or instead of its use case, as `/metrics` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No token, or one that was not accepted: 401.
    Unauthenticated,
    /// Too many failed authentications from the address: 429.
    RateLimited,
    /// The caller's role may not: 403.
    Forbidden,
    /// Another unit's task, answered as missing: 404.
    Hidden,
}

impl Refusal {
    /// The label of `/metrics`.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Unauthenticated => "unauthenticated",
            Refusal::RateLimited => "rate_limited",
            Refusal::Forbidden => "forbidden",
            Refusal::Hidden => "hidden",
        }
    }
}

/// A problem to answer.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The status.
    pub status: StatusCode,
    /// What kind of problem, in a short phrase that does not vary between occurrences.
    pub title: &'static str,
    /// What went wrong this time.
    pub detail: String,
    /// Set when the request was refused (counted and logged as such).
    pub refusal: Option<Refusal>,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem of `status`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        let title = status.canonical_reason().unwrap_or("Error");
        Problem { status, title, detail: detail.into(), refusal: None, retry_after: None }
    }

    /// The problem of a use case's error of `kind`, worded by `detail`.
    pub fn of(kind: ErrorKind, detail: impl Into<String>) -> Problem {
        let status = status_of(kind);
        let mut p = Problem::new(status, detail);
        if matches!(kind, ErrorKind::Unavailable | ErrorKind::Internal | ErrorKind::Config) {
            // What failed inside stays in the log; the caller learns only that it did.
            tracing::error!(detail = %p.detail, "a request failed");
            p.detail = match kind {
                ErrorKind::Unavailable => "the service cannot answer now; try again later".into(),
                _ => "the service failed; it is logged".into(),
            };
        }
        if kind == ErrorKind::Forbidden {
            p.refusal = Some(Refusal::Forbidden);
        }
        p
    }

    /// Marks it as a refusal of `why`.
    pub fn refused(mut self, why: Refusal) -> Problem {
        self.refusal = Some(why);
        self
    }

    /// The problem type: a URN named by the status, stable for clients to match on.
    fn type_uri(&self) -> String {
        let slug = self.title.to_ascii_lowercase().replace([' ', '\''], "-");
        format!("urn:permit-followup:problem:{slug}")
    }
}

/// The status of an error of `kind`: the one mapping of the HTTP edge.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Usage => StatusCode::BAD_REQUEST,
        ErrorKind::Invalid | ErrorKind::Rejected => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::Stale => StatusCode::PRECONDITION_FAILED,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Config | ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "type": self.type_uri(),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(refusal) = self.refusal {
            response.extensions_mut().insert(refusal);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_status() {
        assert_eq!(status_of(ErrorKind::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(status_of(ErrorKind::Stale), StatusCode::PRECONDITION_FAILED);
        assert_eq!(status_of(ErrorKind::Invalid), StatusCode::UNPROCESSABLE_ENTITY);
        let p = Problem::new(StatusCode::NOT_FOUND, "no task 4");
        assert_eq!(p.type_uri(), "urn:permit-followup:problem:not-found");
    }
}
