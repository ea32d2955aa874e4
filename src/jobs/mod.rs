//! Use cases, one a file: each takes `today`/`now` as an argument, knows nothing about cron or
//! the command line, and says in its doc comment how it stays safe to run twice.

pub mod close_task;
pub mod expect;
pub mod import;
pub mod notify;
pub mod plan;
pub mod process_signals;
pub mod report;
pub mod sessions;
pub mod sync_schedules;
pub mod tasks;
pub mod tick;
pub mod tokens;
