//! The error policy, written once.
//!
//! Library code returns `anyhow::Error` with `.context(...)` naming the file, line, field or
//! host at fault; a small typed error exists only where a caller decides something by it:
//! [`ConfigError`](crate::settings::ConfigError) and [`UsageError`] become exit status 2,
//! [`Rejected`] exit status 3, anything else exit status 1 (a runtime failure). `main` prints
//! one line per error, never a backtrace, and no message ever holds a personal number.

/// Exit status of a command (§7).
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// A runtime failure: database or mail server unreachable, ...
    pub const RUNTIME: i32 = 1;
    /// A usage or configuration error.
    pub const USAGE: i32 = 2;
    /// Input records rejected.
    pub const REJECTED: i32 = 3;
}

/// A command used wrongly (an unknown task id, a missing note, ...): exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Input records were rejected: exit status 3. The records were already reported.
#[derive(Debug, thiserror::Error)]
#[error("{count} record(s) rejected; {outcome}")]
pub struct Rejected {
    /// How many records were invalid.
    pub count: usize,
    /// What happened to the rest.
    pub outcome: String,
}

/// The exit status for an error.
pub fn exit_code(e: &anyhow::Error) -> i32 {
    if e.downcast_ref::<crate::settings::ConfigError>().is_some() || e.downcast_ref::<UsageError>().is_some()
    {
        exit::USAGE
    } else if e.downcast_ref::<Rejected>().is_some() {
        exit::REJECTED
    } else {
        exit::RUNTIME
    }
}

/// The error and its causes on one line: `cannot open x: permission denied`.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.lines().next().unwrap_or("").trim().to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
