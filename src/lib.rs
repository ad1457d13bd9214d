//! Stap voor Stap: a backend that turns the long action list of the stabilisation phase into
//! small achievable steps, issued one at a time, with reminders and support.

pub mod admin;
pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod documents;
pub mod domain;
pub mod edge;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod memory;
pub mod metrics;
pub mod problem_code;
pub mod push;
pub mod scheduler;
pub mod simulate;
pub mod startup;
pub mod telemetry;
pub mod usecases;
pub mod wire;
