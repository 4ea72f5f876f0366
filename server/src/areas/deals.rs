//! Deals 商机 on the server: what a customer event does to them.

use super::{move_rows, CustomerEvent, Effects};
use crate::audit::Change;
use crate::db::now_ms;
use kedao_app::domain::entity::Entity;
use kedao_app::domain::pipeline::{LOST, WON};
use sqlx::{Any, Row, Transaction};

pub const CUSTOMER_TABLES: &[(&str, &str)] = &[("opportunities", "customer_id")];

/// A merge takes the merged customer's deals along; a new owner of the customer takes over the
/// open deals the old owner held (closed ones keep who won or lost them).
pub async fn on_customer(tx: &mut Transaction<'_, Any>, fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    match event {
        // They travel with their customer, which the customers area sends again.
        CustomerEvent::Merged { keep, merged } => {
            move_rows(tx, "opportunities", "customer_id", keep, merged).await?;
        }
        CustomerEvent::Reassigned { id, from, to } => {
            let open =
                ids(tx, "SELECT id FROM opportunities WHERE customer_id = $1 AND owner_id = $2 AND stage NOT IN ($3, $4) ORDER BY id", &[id, from, WON, LOST])
                    .await?;
            let now = now_ms();
            for deal in &open {
                hand_over(tx, fx, deal, from, to, now).await?;
            }
        }
    }
    Ok(())
}

/// Gives a deal a new owner: written, audited, in the change feed.
pub async fn hand_over(tx: &mut Transaction<'_, Any>, fx: &mut Effects<'_>, deal: &str, from: &str, to: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE opportunities SET owner_id = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(to)
        .bind(now)
        .bind(deal)
        .execute(&mut **tx)
        .await?;
    fx.audit(Change { entity: "opportunity", entity_id: deal, field: "owner_id", old: Some(from), new: Some(to) });
    fx.changed(Entity::Opportunity, deal);
    Ok(())
}

async fn ids(tx: &mut Transaction<'_, Any>, sql: &str, binds: &[&str]) -> Result<Vec<String>, sqlx::Error> {
    let mut query = sqlx::query(sql);
    for b in binds {
        query = query.bind(*b);
    }
    query.fetch_all(&mut **tx).await?.iter().map(|r| r.try_get("id")).collect()
}
