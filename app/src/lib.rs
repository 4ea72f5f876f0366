//! Kedao's shared crate. It compiles twice: for the browser (feature `hydrate`, into wasm) and for
//! the server (feature `ssr`). What lives here:
//! - [`domain`]: plain-Rust types and rules (money, organisation, customers, funnel) with no I/O, so
//!   the very same function decides on both sides;
//! - [`i18n`]: the one translation mechanism (leptos_i18n, zh-CN and en) and locale-aware formatting;
//! - [`ui`]: the Leptos components: the app shell and its pages.
#![recursion_limit = "512"]

pub mod domain;
pub mod i18n;
pub mod ui;

pub use ui::{shell, App};
