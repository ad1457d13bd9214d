#![allow(clippy::unwrap_used)]
//! One integration-test binary: every module below runs against the real server on SQLite,
//! and on PostgreSQL when `TEST_DATABASE_URL` is set.

mod helpers;

mod appointments;
mod auth;
mod authz;
mod backup;
mod behaviour;
mod clock;
mod contract;
mod demo;
mod dispatch;
mod documents;
mod edge;
mod errors;
mod fake_fcm;
mod health;
mod i18n;
mod input;
mod lists;
mod migrations;
mod openapi;
mod plans;
mod privacy;
mod push;
mod readme;
mod research;
mod sessions;
mod simulate;
mod staff_mail;
mod uploads;
mod web_push;
mod webapp;
mod wire;
mod worklist;
