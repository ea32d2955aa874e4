//! The task API over HTTP (docs/REFERENCE.md §10), and the home of the inbox's pages to come:
//! axum routes whose handlers translate HTTP to the use cases in `jobs` and back. The jobs know
//! nothing of HTTP; who may do what is decided by `domain::access::decide` alone, which the
//! jobs ask. `run` serves it beside the passes when `[web] listen` is set; `serve` serves only it.
//!
//! - [`WebState`]: what every handler may use (the store, the policy, the privacy key, the
//!   grants of groups, the limiter of failed authentications, the figures).
//! - `auth`: bearer tokens to callers; `problem`: errors as problem+json, the one mapping of an
//!   error's kind to a status; `json`: the bodies; `api`: the routes under `/api/v1`;
//!   `observe`: figures and the log of every refused request.
//!
//! A page route joins [`router`] beside [`api::routes`], with the same state and the same rule.

pub mod api;
pub mod auth;
pub mod json;
pub mod jwt;
mod observe;
pub mod pages;
pub mod problem;
pub mod signin;
pub mod tls;

use crate::admin::Metrics;
use crate::domain::access::{Caller, Grant};
use crate::domain::calendar::today_in;
use crate::domain::policy::Policy;
use crate::domain::session::SessionLimits;
use crate::domain::task::Task;
use crate::i18n::Language;
use crate::privacy::PnKey;
use crate::storage::{Stamp, Store};
use auth::Limiter;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::Router;
use problem::Problem;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The largest request body read (413 above it).
pub const MAX_BODY: usize = 64 * 1024;

/// Connections of the store of `serve`: requests on the blocking threads, each one short.
pub const CONNECTIONS: u32 = 16;

/// How long a stopping server waits for requests under way.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// What the handlers share. Cheap to clone.
#[derive(Clone)]
pub struct WebState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    policy: RwLock<Arc<Policy>>,
    timezone: chrono_tz::Tz,
    key: PnKey,
    base_url: Option<String>,
    access: RwLock<Arc<BTreeMap<String, Grant>>>,
    limiter: Limiter,
    metrics: Arc<Metrics>,
    language: Language,
    sessions: SessionLimits,
    jwt: Option<jwt::JwtVerifier>,
    signin: Option<Arc<signin::SignIn>>,
    counts: pages::counts::RecentCounts,
}

/// What a [`WebState`] is made of.
pub struct WebParts {
    /// The database.
    pub store: Store,
    /// The policy in force (case links, the units of a permit).
    pub policy: Policy,
    /// `schedule.timezone`: what "today" is.
    pub timezone: chrono_tz::Tz,
    /// The privacy key: personal numbers in notes become markers.
    pub key: PnKey,
    /// `[web] base_url`, for links.
    pub base_url: Option<String>,
    /// `[web.access]`.
    pub access: BTreeMap<String, Grant>,
    /// `[web] auth_failures_per_minute`.
    pub auth_failures_per_minute: u32,
    /// Where the figures go.
    pub metrics: Arc<Metrics>,
    /// `[web] language`: the pages' words when the browser names neither language.
    pub language: Language,
    /// `[web] session_idle` and `session_max`.
    pub sessions: SessionLimits,
    /// `[web.oidc]`: whose JWTs are accepted, if any.
    pub oidc: Option<crate::settings::OidcSettings>,
    /// The inbox's sign-in; `None` when `[web.oidc]` or `[web] base_url` is not set.
    pub signin: Option<signin::SignIn>,
}

impl WebState {
    /// The state of `parts`.
    pub fn new(parts: WebParts) -> anyhow::Result<WebState> {
        let jwt = parts.oidc.map(jwt::JwtVerifier::new).transpose()?;
        Ok(WebState {
            inner: Arc::new(Inner {
                store: parts.store,
                policy: RwLock::new(Arc::new(parts.policy)),
                timezone: parts.timezone,
                key: parts.key,
                base_url: parts.base_url,
                access: RwLock::new(Arc::new(parts.access)),
                limiter: Limiter::new(parts.auth_failures_per_minute),
                metrics: parts.metrics,
                language: parts.language,
                sessions: parts.sessions,
                jwt,
                signin: parts.signin.map(Arc::new),
                counts: pages::counts::RecentCounts::default(),
            }),
        })
    }

    /// Puts a reloaded configuration's grants and policy in force (SIGHUP).
    pub fn reload(&self, policy: Policy, access: BTreeMap<String, Grant>) {
        *self.inner.policy.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(policy);
        *self.inner.access.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(access);
    }

    fn store(&self) -> Store {
        self.inner.store.clone()
    }

    fn policy(&self) -> Arc<Policy> {
        self.inner.policy.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The grants of groups in force.
    pub fn access(&self) -> Arc<BTreeMap<String, Grant>> {
        self.inner.access.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn key(&self) -> PnKey {
        self.inner.key.clone()
    }

    fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    fn language(&self) -> Language {
        self.inner.language
    }

    fn signin(&self) -> Option<Arc<signin::SignIn>> {
        self.inner.signin.clone()
    }

    /// Whether people reach the service over HTTPS, so that its cookies are `Secure`.
    fn secure_cookies(&self) -> bool {
        self.inner.base_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// The inbox's counts of open tasks by unit, as last read.
    fn recent_counts(&self) -> &pages::counts::RecentCounts {
        &self.inner.counts
    }

    fn session_limits(&self) -> SessionLimits {
        self.inner.sessions
    }

    /// The permit's case in the case system, when the task's unit has a link (`case_url`).
    fn case_link(&self, t: &Task) -> Option<String> {
        self.policy().digest.case_urls.get(&t.unit).map(|c| c.link(t.permit_id.as_str()))
    }

    fn today(&self) -> chrono::NaiveDate {
        today_in(chrono::Utc::now(), self.inner.timezone)
    }

    /// The instant of a request, as the store keeps it.
    fn stamp(&self) -> Stamp {
        let now = chrono::Utc::now();
        Stamp::new(now, today_in(now, self.inner.timezone))
    }

    /// A task's links: itself, and its case in the case system when its unit has a link.
    fn links(&self, t: &Task) -> (String, Option<String>) {
        self.linker()(t)
    }

    /// [`WebState::links`] for many tasks, reading the policy in force once.
    fn linker(&self) -> impl Fn(&Task) -> (String, Option<String>) + '_ {
        let base = self.inner.base_url.as_deref().unwrap_or("");
        let policy = self.policy();
        move |t| {
            let case = policy.digest.case_urls.get(&t.unit).map(|c| c.link(t.permit_id.as_str()));
            (format!("{base}/api/v1/tasks/{}", t.id), case)
        }
    }

    /// The caller a presented token stands for: an API token's, or a person's JWT's; or why
    /// it is not accepted (never the token itself).
    async fn authenticate(&self, token: &str) -> Result<Result<Caller, String>, Problem> {
        if token.starts_with(crate::jobs::tokens::SECRET_PREFIX) {
            let (token, today) = (token.to_string(), self.today());
            let caller = self
                .store()
                .blocking(move |s| crate::jobs::tokens::caller_of(s, &token, today))
                .await
                .map_err(|e| Problem::of(e.kind(), e.to_string()))?;
            return Ok(caller.ok_or_else(|| "no API token has it, or it was revoked or expired".to_string()));
        }
        match &self.inner.jwt {
            Some(jwt) => Ok(jwt.verify(token, &self.access()).await),
            None => Ok(Err("not an API token, and no OpenID provider is configured".to_string())),
        }
    }
}

/// The client's address of a connection, plain or TLS.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for ClientAddr
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// Every route: the API, then what answers a path or a method that does not exist.
pub fn router(state: WebState) -> Router {
    api::routes()
        .merge(pages::routes())
        .fallback(|| async { Problem::new(StatusCode::NOT_FOUND, "no such path") })
        .method_not_allowed_fallback(|| async {
            Problem::new(StatusCode::METHOD_NOT_ALLOWED, "this path does not take that method")
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), observe::observe))
        .with_state(state)
}

/// A running API server.
#[derive(Debug)]
pub struct WebServer {
    addr: SocketAddr,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl WebServer {
    /// Listens on `addr` (with TLS when `tls` is given) and serves `state` until
    /// [`WebServer::stop`].
    pub async fn start(
        addr: SocketAddr,
        tls: Option<Arc<rustls::ServerConfig>>,
        state: WebState,
    ) -> anyhow::Result<WebServer> {
        use anyhow::Context;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("web.listen: cannot listen on {addr}"))?;
        let addr = listener.local_addr().with_context(|| format!("web.listen: {addr}"))?;
        let app = router(state);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let stopped = async {
            let _ = stopped.await;
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let task = match tls {
            None => {
                let app = app.into_make_service_with_connect_info::<ClientAddr>();
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                        tracing::error!(%addr, error = %e, "the task API stopped");
                    }
                })
            }
            Some(config) => {
                let listener = tls::TlsListener::new(listener, config)?;
                let app = app.into_make_service_with_connect_info::<ClientAddr>();
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(stopped).await {
                        tracing::error!(%addr, error = %e, "the task API stopped");
                    }
                })
            }
        };
        tracing::info!(%addr, scheme, "task API listening on /api/v1");
        Ok(WebServer { addr, stop, task })
    }

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
    }
}
