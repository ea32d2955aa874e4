//! Integration tests: the real binary against a real SQLite file and a real PostgreSQL server.
//! Set PERMIT_FOLLOWUP_TEST_PG=postgres://postgres@127.0.0.1:5432 to run the PostgreSQL half;
//! without it cargo reports those tests as ignored (CI always sets it; under CI=true a missing
//! variable fails the run).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;

mod api;
mod api_jwt;
mod browser;
mod cli;
mod config;
mod crash;
mod daemon;
mod digest;
mod disk_full;
mod expectations;
mod fuzz;
mod hostile;
mod import;
mod inbox;
mod inbox_browser;
mod inbox_signin;
mod instances;
mod mail_outage;
mod memory;
mod mime;
mod navet;
mod navet_files;
mod navet_metrics;
mod navet_privacy;
mod navet_refused;
mod notify;
mod oidc;
mod openapi;
mod outage;
mod pages;
mod plan;
mod privacy_sweep;
mod process;
mod proxy;
mod query_shape;
mod read_only;
mod report;
mod requests;
mod schema;
mod service;
mod service_config;
mod sessions;
mod signals;
mod silent;
mod smtp_front;
mod smtp_server;
mod storage;
mod task_jobs;
mod tick;
mod timeouts;
mod tmpfs;
