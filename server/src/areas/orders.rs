//! Orders 订单 and their payments 回款 on the server: what a customer event does to them.

use super::{move_rows, CustomerEvent, Effects};
use sqlx::{Any, Transaction};

pub const CUSTOMER_TABLES: &[(&str, &str)] = &[("orders", "customer_id"), ("payments", "customer_id")];

/// A merge takes the merged customer's orders and payments along (orders travel with their
/// customer, which the customers area sends again); a new owner changes nothing of them.
pub async fn on_customer(tx: &mut Transaction<'_, Any>, _fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    if let CustomerEvent::Merged { keep, merged } = event {
        for (table, column) in CUSTOMER_TABLES {
            move_rows(tx, table, column, keep, merged).await?;
        }
    }
    Ok(())
}
