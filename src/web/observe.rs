//! Every request's figures — requests by route and status, refusals by reason, duration — and
//! a log line for each refused one naming the subject (when a token was accepted) and the
//! client's address, never the token. A request that may change a task (any but GET and HEAD)
//! also tells the inbox to count its tasks again, unless it was refused.

use super::auth::Seen;
use super::pages::counts::MayChange;
use super::problem::Refusal;
use super::WebState;
use crate::admin::metrics::{HTTP_DURATION, HTTP_REFUSED, HTTP_REQUESTS};
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;

/// Observes one request.
pub async fn observe(State(state): State<WebState>, mut request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route =
        request.extensions().get::<MatchedPath>().map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let addr = request.extensions().get::<ConnectInfo<super::ClientAddr>>().map(|c| c.0 .0.ip());
    let seen = Seen::default();
    request.extensions_mut().insert(seen.clone());
    let writes = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let may_change = writes.then(|| MayChange::new(state.recent_counts()));
    let response = next.run(request).await;
    if let Some(m) = may_change {
        m.answered(response.status());
    }
    let status = response.status().as_u16().to_string();
    let refusal = response.extensions().get::<Refusal>().copied();
    state.metrics().record(|| {
        metrics::counter!(HTTP_REQUESTS, "route" => route.clone(), "status" => status).increment(1);
        metrics::histogram!(HTTP_DURATION, "route" => route.clone()).record(started.elapsed().as_secs_f64());
        if let Some(r) = refusal {
            metrics::counter!(HTTP_REFUSED, "reason" => r.as_str()).increment(1);
        }
    });
    if let Some(r) = refusal.filter(|r| *r != Refusal::Unauthenticated) {
        let subject = seen.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let address = addr.map(|a| a.to_string()).unwrap_or_default();
        tracing::warn!(
            reason = r.as_str(),
            subject = subject.as_deref().unwrap_or("-"),
            address,
            route,
            "request refused"
        );
    }
    response
}
