//! What the daemon tells systemd (`Type=notify`, sd_notify(3)): `READY=1` once it runs,
//! `STATUS=` with what it does, `WATCHDOG=1` from the scheduler's heartbeat, `RELOADING=1` with
//! `MONOTONIC_USEC` on SIGHUP, `STOPPING=1` on shutdown, and `EXTEND_TIMEOUT_USEC` while it is
//! still starting and alive. Without `$NOTIFY_SOCKET` (not under systemd) every call does
//! nothing; a message that cannot be sent is logged at debug and otherwise ignored.

use sd_notify::NotifyState;
use std::time::Duration;

/// How much more time to starting each heartbeat asks for: a few heartbeats' worth, so that a
/// daemon that stops beating while starting is stopped by `TimeoutStartSec=` soon after.
pub const START_EXTENSION: Duration = Duration::from_secs(10);

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::debug!(error = %e, "cannot notify systemd");
    }
}

/// A status line without line breaks (systemd shows one line).
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The daemon is ready; `status` says what it does.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(&one_line(status))]);
}

/// What the daemon does now.
pub fn status(status: &str) {
    send(&[NotifyState::Status(&one_line(status))]);
}

/// The daemon re-reads its configuration; [`ready`] follows.
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[NotifyState::Reloading, now, NotifyState::Status("reloading the configuration")]),
        Err(e) => tracing::debug!(error = %e, "cannot read the monotonic clock for systemd"),
    }
}

/// The daemon is shutting down.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

/// Whether systemd watches this process (`WatchdogSec=`).
pub fn watchdog_enabled() -> bool {
    sd_notify::watchdog_enabled().is_some()
}

/// The keep-alive of the watchdog.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// Still starting and alive: asks systemd for [`START_EXTENSION`] more.
pub fn extend_start() {
    let usec = u32::try_from(START_EXTENSION.as_micros()).unwrap_or(u32::MAX);
    send(&[NotifyState::ExtendTimeoutUsec(usec)]);
}
