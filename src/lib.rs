//! permit-followup keeps every granted residence and work permit under follow-up.
//!
//! The pipeline: `import` reads the permit register (and outside signals) into storage; a
//! `tick` turns what is due into follow-up tasks — signals first, then the periodic review of
//! each permit by its ground's policy, within each unit's weekly capacity; `notify` mails each
//! unit a digest of its new tasks. The daemon (`run`) drives ticks and digests on a schedule.
//! The scheduling rules live in [`domain`] as pure functions of state and `today`, so `plan`
//! can replay them without a database. It flags cases for a human; it never decides one.

pub mod app;
pub mod cli;
pub mod domain;
pub mod errors;
pub mod jobs;
pub mod mail;
pub mod privacy;
pub mod scheduler;
pub mod settings;
pub mod storage;
pub mod telemetry;
