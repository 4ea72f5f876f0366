//! Customer grading 客户分级 on the server: what a customer event does to its history.

use super::{move_rows, CustomerEvent, Effects};
use sqlx::{Any, Transaction};

pub const CUSTOMER_TABLES: &[(&str, &str)] = &[("customer_grade_history", "customer_id")];

/// A merge keeps the merged customer's grade history, under the customer kept.
pub async fn on_customer(tx: &mut Transaction<'_, Any>, _fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    if let CustomerEvent::Merged { keep, merged } = event {
        move_rows(tx, "customer_grade_history", "customer_id", keep, merged).await?;
    }
    Ok(())
}
