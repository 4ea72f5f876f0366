//! Kedao's server. `main.rs` only parses the command line; everything it runs lives here so the
//! integration tests start the very same application:
//! - [`config`]: settings from defaults, an optional TOML file and `KEDAO_*` / `DATABASE_URL`;
//! - [`db`]: the connection pool (SQLite or PostgreSQL), migrations and backup;
//! - [`startup`]: [`startup::Application`], the bound, running HTTP server;
//! - [`http`]: the router: health, sign-in, the Leptos pages and static files;
//! - [`auth`]: password hashing and sessions; [`crypto`]: encryption at rest of sensitive fields; [`seed`]: the deterministic demo dataset.

// Leptos view types nest deeply; the default limit is too low for the bigger screens.
#![recursion_limit = "512"]

pub mod access;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod changes;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod grading;
pub mod http;
pub mod insert;
pub mod seed;
pub mod startup;
pub mod telemetry;
