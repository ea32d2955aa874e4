//! Use cases, one a file: each takes `today`/`now` as an argument and knows nothing about cron.

pub mod close_task;
pub mod import;
pub mod notify;
pub mod process_signals;
pub mod tick;
