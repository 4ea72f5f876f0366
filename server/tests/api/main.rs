//! Integration tests: the real application on port 0 with a fresh database each, on SQLite by
//! default and on PostgreSQL when `KEDAO_TEST_DATABASE_URL` points at a server (the test command
//! starts one). One test binary; helpers in `helpers.rs`.

mod access;
mod admin;
mod areas;
mod backup;
mod bench;
mod cli;
mod funnel;
mod grading;
mod health_and_pages;
mod helpers;
mod lists;
mod login;
mod matrix;
mod push_property;
mod seed;
mod session;
mod sync;
mod transfer;
