//! Integration tests: the real binary against a real SQLite file and a real PostgreSQL server.
//! Set PERMIT_FOLLOWUP_TEST_PG=postgres://postgres@127.0.0.1:5432 to run the PostgreSQL half;
//! without it cargo reports those tests as ignored (CI always sets it; under CI=true a missing
//! variable fails the run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod config;
mod crash;
mod daemon;
mod disk_full;
mod fuzz;
mod hostile;
mod import;
mod mail_outage;
mod memory;
mod notify;
mod privacy_sweep;
mod read_only;
mod schema;
mod signals;
mod smtp_front;
mod smtp_server;
mod storage;
mod tick;
mod tmpfs;
