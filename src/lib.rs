//! permit-followup keeps every granted residence and work permit under follow-up.
//!
//! The pipeline: `import` reads the permit register (and outside signals) into storage; a
//! `tick` turns what is due into follow-up tasks — signals first, then the periodic review of
//! each permit by its ground's policy, within each unit's weekly capacity; `notify` mails each
//! unit a digest of its new tasks. The daemon (`run`) drives ticks and digests on a schedule.
//! It flags cases for a human; it never decides one. The contract is docs/REFERENCE.md; the
//! design, docs/ARCHITECTURE.md.
//!
//! Dependencies point one way: `cli` → `app` → (`scheduler`, `jobs`, `admin`) → (`storage`,
//! `mail`, `privacy`) → `settings` → `domain`. The rules live in [`domain`] as pure functions of typed
//! values and `today`, so `plan` replays them without a database; [`storage`] alone knows the
//! two engines; [`jobs`] are the use cases, one a file, each safe to run twice.

pub mod admin;
pub mod app;
pub mod cli;
pub mod domain;
pub mod errors;
pub mod i18n;
pub mod jobs;
pub mod layout;
pub mod mail;
pub mod privacy;
pub mod scheduler;
pub mod settings;
pub mod storage;
pub mod telemetry;
pub mod web;
