//! Activities 活动 (calls, visits, notes) on the server: what a customer event does to them.
//! (The activities area itself — its mutations and screens — comes with the rep's day.)

use super::{move_rows, CustomerEvent, Effects};
use sqlx::{Any, Transaction};

pub const CUSTOMER_TABLES: &[(&str, &str)] = &[("activities", "customer_id")];

/// A merge takes the merged customer's activities along; who did them stays as it was.
pub async fn on_customer(tx: &mut Transaction<'_, Any>, _fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    if let CustomerEvent::Merged { keep, merged } = event {
        move_rows(tx, "activities", "customer_id", keep, merged).await?;
    }
    Ok(())
}
