//! Tracing set-up: text for people or JSON lines for a collector, on standard error.

use crate::settings::LogSettings;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests) are ignored. Outside the daemon
/// only `PERMIT_FOLLOWUP_LOG` turns logging on.
pub fn init(log: &LogSettings, daemon: bool) {
    // The scheduler crate logs its internals at info; keep them out unless asked for.
    let level = if log.level.contains("tokio_cron_scheduler") {
        log.level.clone()
    } else {
        format!("{},tokio_cron_scheduler=warn", log.level)
    };
    let level = if daemon { level } else { "off".to_string() };
    let filter = EnvFilter::try_from_env("PERMIT_FOLLOWUP_LOG")
        .or_else(|_| EnvFilter::try_new(&level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = if log.json { builder.json().try_init() } else { builder.with_target(false).try_init() };
}
