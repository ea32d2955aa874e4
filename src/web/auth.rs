//! Who calls: the bearer token of every request under `/api/` (but the OpenAPI document)
//! becomes a [`Caller`], or the request is refused with 401 and `WWW-Authenticate: Bearer`,
//! saying only that the token was not accepted. Why goes to the log with the client's address,
//! never the token. An address that fails too often in a minute ([`Limiter`]) is answered 429
//! with `Retry-After` until its minute is over, before its token is even looked at.

use super::problem::{Problem, Refusal};
use super::WebState;
use crate::domain::access::Caller;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The window the failures of an address are counted in.
const WINDOW: Duration = Duration::from_secs(60);

/// Addresses the limiter remembers at most; past it, windows that ended are forgotten first.
const REMEMBERED: usize = 100_000;

/// The caller of a request that presented an accepted token.
#[derive(Debug, Clone)]
pub struct Authed(pub Caller);

/// What the request's observer learns of its caller: the subject, for the log of a refusal.
#[derive(Debug, Clone, Default)]
pub struct Seen(pub Arc<Mutex<Option<String>>>);

/// Failed authentications by client address, in windows of a minute from the first failure.
#[derive(Debug)]
pub struct Limiter {
    per_minute: u32,
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl Limiter {
    /// A limiter of `per_minute` failures (0: none).
    pub fn new(per_minute: u32) -> Limiter {
        Limiter { per_minute, failures: Mutex::new(HashMap::new()) }
    }

    /// How long `addr` must wait, when it failed too often.
    pub fn blocked(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        if self.per_minute == 0 {
            return None;
        }
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let (since, n) = failures.get(&addr)?;
        let left = WINDOW.checked_sub(now.duration_since(*since))?;
        (*n >= self.per_minute && !left.is_zero()).then_some(left)
    }

    /// Counts a failure of `addr`.
    pub fn failed(&self, addr: IpAddr, now: Instant) {
        if self.per_minute == 0 {
            return;
        }
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= REMEMBERED {
            failures.retain(|_, (since, _)| now.duration_since(*since) < WINDOW);
        }
        let entry = failures.entry(addr).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

/// The token of `Authorization: Bearer TOKEN`, if the header is that.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<WebState> for Authed {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Problem> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<super::ClientAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0 .0.ip());
        let now = Instant::now();
        if let Some(wait) = state.limiter().blocked(addr, now) {
            let mut p = Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too many failed authentications from this address; wait and try again",
            )
            .refused(Refusal::RateLimited);
            p.retry_after = Some(wait.as_secs().max(1));
            return Err(p);
        }
        let why = match bearer(&parts.headers) {
            None if parts.headers.contains_key(header::AUTHORIZATION) => "not a bearer token".to_string(),
            None => "no token".to_string(),
            Some(token) => match state.authenticate(token).await? {
                Ok(caller) => {
                    if let Some(seen) = parts.extensions.get::<Seen>() {
                        *seen.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(caller.subject.clone());
                    }
                    return Ok(Authed(caller));
                }
                Err(why) => why,
            },
        };
        state.limiter().failed(addr, now);
        tracing::warn!(address = %addr, why, "bearer token not accepted");
        Err(Problem::new(StatusCode::UNAUTHORIZED, "the bearer token was not accepted")
            .refused(Refusal::Unauthenticated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_held_back_after_its_failures_until_its_minute_ends() {
        let limiter = Limiter::new(2);
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        limiter.failed(a, t0);
        assert_eq!(limiter.blocked(a, t0), None);
        limiter.failed(a, t0 + Duration::from_secs(10));
        assert_eq!(limiter.blocked(a, t0 + Duration::from_secs(20)), Some(Duration::from_secs(40)));
        assert_eq!(limiter.blocked(b, t0), None, "another address is not held back");
        assert_eq!(limiter.blocked(a, t0 + WINDOW), None, "the minute is over");
        limiter.failed(a, t0 + WINDOW);
        assert_eq!(limiter.blocked(a, t0 + WINDOW), None, "a new window starts at one failure");
        assert_eq!(Limiter::new(0).blocked(a, t0), None);
    }

    #[test]
    fn only_a_bearer_token_is_read() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
