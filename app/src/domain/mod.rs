//! Domain types and rules shared by client and server. No I/O, no framework types.

pub mod catalog;
pub mod money;
pub mod org;

pub use money::{Money, MoneyError};
