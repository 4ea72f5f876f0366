//! Contacts 联系人: the people at a customer.

use super::{move_rows, CustomerEvent, Effects};
use sqlx::{Any, Transaction};

pub const CUSTOMER_TABLES: &[(&str, &str)] = &[("contacts", "customer_id")];

/// A merge takes the merged customer's contacts along (they travel with their customer, which
/// the customers area sends again); a new owner changes nothing of them.
pub async fn on_customer(tx: &mut Transaction<'_, Any>, _fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    if let CustomerEvent::Merged { keep, merged } = event {
        move_rows(tx, "contacts", "customer_id", keep, merged).await?;
    }
    Ok(())
}
