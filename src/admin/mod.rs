//! The daemon's admin endpoint on `admin.listen` (docs/REFERENCE.md §8.6): `/healthz` (the
//! process answers), `/readyz` (the database answers and the last tick is recent enough; 503
//! with the reason otherwise) and `/metrics` (Prometheus text format). It reads the daemon's
//! [`Health`] and [`Metrics`] and changes nothing.

pub mod health;
pub mod metrics;

pub use health::Health;
pub use metrics::Metrics;

use anyhow::Context;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a stopping endpoint waits for open requests (a scraper's kept-alive connection
/// would otherwise hold it forever).
const STOP_WAIT: Duration = Duration::from_secs(2);

/// The Prometheus text exposition format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What the endpoint shows.
#[derive(Debug, Clone)]
pub struct AdminState {
    /// Readiness.
    pub health: Arc<Health>,
    /// The figures.
    pub metrics: Arc<Metrics>,
}

/// A running endpoint.
#[derive(Debug)]
pub struct AdminServer {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

/// Listens on `addr` and serves the endpoint until [`AdminServer::stop`].
pub async fn serve(addr: SocketAddr, state: AdminState) -> anyhow::Result<AdminServer> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("admin.listen: cannot listen on {addr}"))?;
    let addr = listener.local_addr().with_context(|| format!("admin.listen: {addr}"))?;
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app).with_graceful_shutdown(async {
            let _ = stopped.await;
        });
        if let Err(e) = served.await {
            tracing::error!(%addr, error = %e, "the admin endpoint stopped");
        }
    });
    tracing::info!(%addr, "admin endpoint listening: /healthz, /readyz, /metrics");
    Ok(AdminServer { addr, stop, task })
}

impl AdminServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops listening, waiting a little for requests under way.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let abort = self.task.abort_handle();
        if tokio::time::timeout(STOP_WAIT, self.task).await.is_err() {
            abort.abort();
        }
        tracing::info!(addr = %self.addr, "admin endpoint closed");
    }
}

async fn readyz(State(state): State<AdminState>) -> impl IntoResponse {
    match state.health.ready(chrono::Utc::now()) {
        Ok(()) => (StatusCode::OK, "ready\n".to_string()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}\n")),
    }
}

async fn metrics(State(state): State<AdminState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], state.metrics.render())
}
