//! The task API inside the daemon (`run`, when `[web] listen` is set) and on its own
//! (`serve`): it starts once the database is open — before the catch-up tick, which it never
//! waits for — takes a reloaded configuration's grants and policy, and stops first at shutdown.

use super::daemon::Daemon;
use crate::admin::Metrics;
use crate::privacy::PnKey;
use crate::settings::Settings;
use crate::storage::Store;
use crate::web::{WebParts, WebServer, WebState};
use std::sync::Arc;
use tokio::sync::Mutex;

/// The API of a daemon: none until the database is open, or when `[web] listen` is empty.
#[derive(Default)]
pub struct WebEndpoint {
    running: Mutex<Option<(WebState, WebServer)>>,
}

impl WebEndpoint {
    /// Starts the API of `settings` on `store`, when it listens anywhere.
    pub async fn start(
        &self,
        settings: &Settings,
        store: Store,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<()> {
        let Some(addr) = settings.web.listen else { return Ok(()) };
        let state = state(settings, store, metrics)?;
        let server = WebServer::start(addr, tls(settings)?, state.clone()).await?;
        *self.running.lock().await = Some((state, server));
        Ok(())
    }

    /// Puts a reloaded configuration's grants and policy in force.
    pub async fn reload(&self, settings: &Settings) {
        if let Some((state, _)) = self.running.lock().await.as_ref() {
            state.reload(settings.policy.clone(), settings.web.access.clone());
        }
    }

    /// Stops serving.
    pub async fn stop(&self) {
        if let Some((_, server)) = self.running.lock().await.take() {
            server.stop().await;
        }
    }
}

/// The API's state for `settings` on `store`.
pub fn state(settings: &Settings, store: Store, metrics: Arc<Metrics>) -> anyhow::Result<WebState> {
    WebState::new(WebParts {
        store,
        policy: settings.policy.clone(),
        timezone: settings.schedule.timezone,
        key: PnKey::load_or_create(&settings.privacy_key_file)?,
        base_url: settings.web.base_url.clone(),
        access: settings.web.access.clone(),
        auth_failures_per_minute: settings.web.auth_failures_per_minute,
        metrics,
        language: settings.web.language,
        sessions: settings.web.sessions,
        oidc: settings.web.oidc.clone(),
        signin: signin(settings)?,
    })
}

/// The TLS configuration of `[web.tls]`, when both files are set.
fn tls(settings: &Settings) -> anyhow::Result<Option<Arc<rustls::ServerConfig>>> {
    settings.web.tls.as_ref().map(crate::web::tls::config).transpose()
}

/// The inbox's sign-in of `[web.oidc]`, when people have an address to come back to.
fn signin(settings: &Settings) -> anyhow::Result<Option<crate::web::signin::SignIn>> {
    use anyhow::Context;
    let Some(oidc) = &settings.web.oidc else { return Ok(None) };
    let Some(base_url) = &settings.web.base_url else {
        tracing::warn!("[web.oidc] is set but [web] base_url is not: the inbox cannot sign anyone in");
        return Ok(None);
    };
    let secret = match &oidc.client_secret_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("web.oidc.client_secret_file: cannot read {}", path.display()))?
                .trim()
                .to_string(),
        ),
        None => None,
    };
    Ok(Some(crate::web::signin::SignIn::new(oidc, base_url, secret)?))
}

/// `serve`: the API alone on `store` until `shutdown`, SIGHUP reloading its grants.
pub async fn serve(
    settings: Settings,
    source: super::ConfigSource,
    store: Store,
    shutdown: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let Some(addr) = settings.web.listen else {
        anyhow::bail!("web.listen is empty: set the address the task API listens on");
    };
    // Its own health and figures on admin.listen, as the daemon's: ready once it serves.
    let (health, metrics) = (Arc::new(crate::admin::Health::default()), Arc::new(Metrics::new()));
    health.starting("starting the task API");
    let admin = match settings.admin_listen {
        Some(at) => {
            let shown = crate::admin::AdminState { health: health.clone(), metrics: metrics.clone() };
            Some(crate::admin::serve(at, shown).await?)
        }
        None => None,
    };
    let state = state(&settings, store, metrics)?;
    let server = WebServer::start(addr, tls(&settings)?, state.clone()).await?;
    health.serving_without_ticks();
    super::systemd::ready("serving the task API");
    let mut hangup = super::hangups()?;
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            _ = hangup.recv() => match crate::settings::load(source.path.as_deref(), source.database.as_deref()) {
                Ok(new) => {
                    state.reload(new.policy, new.web.access);
                    tracing::info!("SIGHUP: grants and policy reloaded");
                }
                Err(e) => tracing::error!(error = %e, "configuration reload failed; keeping the one in force"),
            },
        }
    }
    server.stop().await;
    if let Some(admin) = admin {
        admin.stop().await;
    }
    Ok(())
}

impl Daemon {
    /// The store, once open (for the API).
    pub(super) fn opened_store(&self) -> anyhow::Result<Store> {
        Ok(self.db.store()?)
    }
}
