//! SIGHUP (docs/REFERENCE.md §7.6): the configuration is read again and, if it validates, put
//! in force — the policy, the mail settings, the schedules, the admin endpoint's address and
//! the log level. One that does not validate is logged and the one in force is kept. The
//! database keys and the log format are read at start only: a change is logged as such.

use super::daemon::Daemon;
use super::{install, systemd, ConfigSource};
use crate::admin::{self, AdminServer, AdminState};
use crate::errors::one_line;
use crate::mail::Mailer;
use crate::scheduler::Scheduler;
use crate::settings;
use std::net::SocketAddr;
use std::sync::Arc;

/// Reloads, telling systemd `RELOADING=1` first and `READY=1` after, whatever came of it.
pub async fn reload(
    daemon: &Arc<Daemon>,
    source: &ConfigSource,
    admin: &mut AdminEndpoint,
    scheduler: &Scheduler,
) {
    systemd::reloading();
    tracing::info!("SIGHUP: reading the configuration again");
    match apply(daemon, source, admin, scheduler).await {
        Ok(()) => {
            tracing::info!("configuration reloaded");
            systemd::ready("running; configuration reloaded");
        }
        Err(e) => {
            tracing::error!(error = %one_line(&e), "configuration reload failed; keeping the one in force");
            systemd::ready("running; the new configuration was refused, the previous one is in force");
        }
    }
}

async fn apply(
    daemon: &Arc<Daemon>,
    source: &ConfigSource,
    admin: &mut AdminEndpoint,
    scheduler: &Scheduler,
) -> anyhow::Result<()> {
    let new = settings::load(source.path.as_deref(), source.database.as_deref())?;
    let mailer = Mailer::new(&new.mail)?;
    let old = daemon.settings().await;
    if new.database.engine != old.database.engine || new.database.timeouts != old.database.timeouts {
        tracing::warn!("the [database] settings changed; they take effect at the next start");
    }
    if new.log.json != old.log.json {
        tracing::warn!("log.format changed; it takes effect at the next start");
    }
    if let Err(e) = crate::telemetry::set_level(&new.log.level) {
        tracing::warn!(error = %e, "the log level stays as it was");
    }
    admin.follow(new.admin_listen).await;
    install(daemon, scheduler, &new)?;
    daemon.replace(new, mailer).await;
    Ok(())
}

/// The admin endpoint as configured: where it should listen, and the server listening there.
pub struct AdminEndpoint {
    listen: Option<SocketAddr>,
    server: Option<AdminServer>,
    state: AdminState,
}

impl AdminEndpoint {
    /// Listens on `listen` (none when `None`); an address that cannot be bound is an error.
    pub async fn start(listen: Option<SocketAddr>, state: AdminState) -> anyhow::Result<AdminEndpoint> {
        let server = match listen {
            Some(addr) => Some(admin::serve(addr, state.clone()).await?),
            None => None,
        };
        Ok(AdminEndpoint { listen, server, state })
    }

    /// Moves to `listen` after a reload: the new address is bound before the old one closes,
    /// and if it cannot be, the endpoint stays where it is.
    pub async fn follow(&mut self, listen: Option<SocketAddr>) {
        if listen == self.listen {
            return;
        }
        let server = match listen {
            None => None,
            Some(addr) => match admin::serve(addr, self.state.clone()).await {
                Ok(server) => Some(server),
                Err(e) => {
                    let stays =
                        self.server.as_ref().map_or("closed".to_string(), |s| format!("on {}", s.addr()));
                    tracing::error!(error = %one_line(&e), "the admin endpoint stays {stays}");
                    return;
                }
            },
        };
        if let Some(old) = std::mem::replace(&mut self.server, server) {
            old.stop().await;
        }
        self.listen = listen;
    }

    /// Closes the endpoint.
    pub async fn stop(self) {
        if let Some(server) = self.server {
            server.stop().await;
        }
    }
}
