//! Tracing set-up: text for people or JSON lines for a collector, on standard error.
//!
//! The level is a filter that a configuration reload can change ([`set_level`]): the handle to
//! it is kept here, beside the global subscriber it belongs to, since there is only ever one.
//! `PERMIT_FOLLOWUP_LOG`, when set, wins over `log.level` at start and after a reload.

use crate::settings::LogSettings;
use std::sync::OnceLock;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Layer, Registry};

/// The variable that sets the log filter of any command.
pub const LOG_ENV: &str = "PERMIT_FOLLOWUP_LOG";

/// The reloadable filter of the installed subscriber.
static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Installs the global subscriber once; later calls (tests) are ignored. Outside the daemon
/// only `PERMIT_FOLLOWUP_LOG` turns logging on.
pub fn init(log: &LogSettings, daemon: bool) {
    let level = if daemon { with_quiet_crates(&log.level) } else { "off".to_string() };
    let filter = EnvFilter::try_from_env(LOG_ENV)
        .or_else(|_| EnvFilter::try_new(&level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let format = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(ansi);
    let format = if log.json { format.json().boxed() } else { format.with_target(false).boxed() };
    if tracing_subscriber::registry().with(filter).with(format).try_init().is_ok() {
        let _ = FILTER.set(handle);
    }
}

/// Applies `log.level` after a reload. Nothing changes while `PERMIT_FOLLOWUP_LOG` is set or
/// when no subscriber of ours is installed.
pub fn set_level(level: &str) -> Result<(), String> {
    let Some(handle) = FILTER.get() else { return Ok(()) };
    if std::env::var_os(LOG_ENV).is_some() {
        return Ok(());
    }
    let filter =
        EnvFilter::try_new(with_quiet_crates(level)).map_err(|e| format!("log.level {level:?}: {e}"))?;
    handle.reload(filter).map_err(|e| format!("cannot change the log level: {e}"))
}

/// The scheduler crate logs its internals at info; keep them out unless asked for.
fn with_quiet_crates(level: &str) -> String {
    if level.contains("tokio_cron_scheduler") {
        level.to_string()
    } else {
        format!("{level},tokio_cron_scheduler=warn")
    }
}
