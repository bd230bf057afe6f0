//! The integration suite: the real server, on SQLite and on PostgreSQL, with
//! Redis where sessions and events are shared, and headless Chromium for the
//! pages. One binary, so the build links once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod aggregation;
mod appraisal;
mod auth;
mod authz_matrix;
mod bad_input;
mod browser;
mod compliance;
mod cross_tenant;
mod daily_use;
mod hardening;
mod instances;
mod mail;
mod oidc;
mod ops;
mod pages;
mod regimes;
mod report_content;
mod report_pages;
mod reports;
mod signatures;
mod units;
mod users;
mod xlsx;
