#![allow(clippy::unwrap_used)]
//! One integration-test binary: every module below runs against the real server on SQLite,
//! and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod helpers;

mod auth;
mod authz;
mod backup;
mod behaviour;
mod demo;
mod edge;
mod documents;
mod dispatch;
mod errors;
mod fake_fcm;
mod health;
mod lists;
mod input;
mod migrations;
mod openapi;
mod plans;
mod privacy;
mod push;
mod research;
mod wire;
mod sessions;
