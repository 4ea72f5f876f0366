//! The business areas on the server, and the one list that names them all.
//!
//! Each area keeps the rows of its own tables. The customer is the anchor most of them hang from:
//! when a customer is merged into another or changes hands, the customers area tells every area
//! that keeps rows of customers ([`customer_event`]), and each handles its own — so a merge moves
//! everything a customer owns, and the sync push, the REST endpoints and the import all behave
//! the same, because they all call the same area code.
//!
//! Adding an area that keeps rows of customers: its module here, its tables in
//! [`CUSTOMER_TABLES`] and its handler in [`customer_event`] (a test reads the schema and fails
//! while a table that references `customers` is handled by no area).

pub mod activities;
pub mod contacts;
pub mod customers;
pub mod deals;
pub mod grading;
pub mod orders;

use crate::audit::{self, Actor, Change};
use kedao_app::domain::entity::Entity;
use sqlx::{Any, Transaction};

/// Something that happened to a customer, which every area keeping rows of customers handles
/// for its own rows, in the same transaction.
#[derive(Debug, Clone, Copy)]
pub enum CustomerEvent<'a> {
    /// `merged` is being folded into `keep` 合并: its rows become `keep`'s; the customers area
    /// deletes `merged` after every other area has moved its rows.
    Merged { keep: &'a str, merged: &'a str },
    /// The customer was handed from one salesperson to another 转移客户.
    Reassigned { id: &'a str, from: &'a str, to: &'a str },
}

/// The tables that reference `customers`, with their column, by the area that handles them on a
/// [`CustomerEvent`].
pub const CUSTOMER_TABLES: &[(&str, &[(&str, &str)])] = &[
    ("contacts", contacts::CUSTOMER_TABLES),
    ("deals", deals::CUSTOMER_TABLES),
    ("orders", orders::CUSTOMER_TABLES),
    ("activities", activities::CUSTOMER_TABLES),
    ("grading", grading::CUSTOMER_TABLES),
    ("customers", customers::CUSTOMER_TABLES),
];

/// Hands `event` to every area that keeps rows of customers; the customers area comes last.
pub async fn customer_event(tx: &mut Transaction<'_, Any>, fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    contacts::on_customer(tx, fx, event).await?;
    deals::on_customer(tx, fx, event).await?;
    orders::on_customer(tx, fx, event).await?;
    activities::on_customer(tx, fx, event).await?;
    grading::on_customer(tx, fx, event).await?;
    customers::on_customer(tx, fx, event).await
}

/// What a change to synced records leaves besides its writes: the change-feed entries (devices
/// pull these records again) and the audit entries, written when the surrounding transaction is
/// done with them ([`Effects::flush`]).
pub struct Effects<'a> {
    pub actor: Actor<'a>,
    pub changed: Vec<(Entity, String)>,
    pub audit: audit::Pending,
}

impl<'a> Effects<'a> {
    pub fn new(actor: Actor<'a>) -> Effects<'a> {
        Effects { actor, changed: Vec::new(), audit: audit::Pending::default() }
    }

    pub fn audit(&mut self, change: Change<'_>) {
        self.audit.add(&self.actor, change);
    }

    pub fn changed(&mut self, entity: Entity, id: &str) {
        self.changed.push((entity, id.to_string()));
    }

    pub async fn flush(&mut self, tx: &mut Transaction<'_, Any>, backend: crate::db::Backend) -> anyhow::Result<()> {
        self.audit.flush(tx, backend).await?;
        crate::changes::log_changes(tx, &std::mem::take(&mut self.changed), backend).await
    }
}

/// Moves the rows of `merged` in `table` to `keep`.
pub(crate) async fn move_rows(tx: &mut Transaction<'_, Any>, table: &str, column: &str, keep: &str, merged: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(&format!("UPDATE {table} SET {column} = $1 WHERE {column} = $2")).bind(keep).bind(merged).execute(&mut **tx).await?;
    Ok(done.rows_affected())
}
