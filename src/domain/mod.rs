//! The domain: pure types and scheduling rules, tested with literal dates. Nothing here touches
//! a database, a mail server, a clock or the configuration files.

pub mod capacity;
pub mod forecast;
pub mod ids;
pub mod policy;
pub mod review;
pub mod signal;
pub mod span;
pub mod task;
pub mod tick;
