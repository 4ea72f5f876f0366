//! Domain types and rules shared by client and server. No I/O, no framework types.

pub mod admin;
pub mod agenda;
pub mod board;
pub mod catalog;
pub mod cluster;
pub mod credit_code;
pub mod customer;
pub mod deal;
pub mod deal_table;
pub mod dedupe;
pub mod entity;
pub mod field;
pub mod funnel;
pub mod grading;
pub mod import;
pub mod money;
pub mod order;
pub mod org;
pub mod pipeline;
pub mod privacy;
pub mod promotion;
pub mod rank;
pub mod replica;
pub mod rfm;
pub mod search;
pub mod segment;
pub mod sync;
pub mod vocab;

pub use money::{Money, MoneyError};
