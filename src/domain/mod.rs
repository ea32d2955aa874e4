//! The domain: the entities (permits, tasks, signals, digests, audit events) and every
//! scheduling and signal rule, as pure functions of typed values and `today`. Nothing here
//! touches a database, a mail server, a clock or the configuration files, so every rule is
//! tested with literal dates, and `plan` replays the tick's rules without SQL.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod capacity;
pub mod case_url;
pub mod cron;
pub mod digest;
pub mod expectation;
pub mod forecast;
pub mod headline;
pub mod ids;
pub mod import;
pub mod keys;
pub mod navet;
pub mod permit;
pub mod personal_number;
pub mod policy;
pub mod report;
pub mod review;
pub mod session;
pub mod signal;
pub mod span;
pub mod task;
pub mod tick;
pub mod workload;
pub mod yields;
