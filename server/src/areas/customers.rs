//! Customers 客户 on the server: the commands every path shares (the sync push, the REST
//! endpoints), and what a customer event does to the customer's own tables.

use super::{customer_event, CustomerEvent, Effects};
use crate::audit::Change;
use crate::db::now_ms;
use kedao_app::domain::entity::Entity;
use sqlx::{Any, Row, Transaction};

pub const CUSTOMER_TABLES: &[(&str, &str)] = &[("customer_shares", "customer_id")];

/// The colleagues a merged customer was shared with keep seeing it: its shares move to the
/// customer kept (once per colleague).
pub async fn on_customer(tx: &mut Transaction<'_, Any>, _fx: &mut Effects<'_>, event: CustomerEvent<'_>) -> Result<(), sqlx::Error> {
    if let CustomerEvent::Merged { keep, merged } = event {
        sqlx::query(
            "INSERT INTO customer_shares (customer_id, user_id, shared_by, shared_at) SELECT $1, s.user_id, s.shared_by, s.shared_at \
             FROM customer_shares s WHERE s.customer_id = $2 AND NOT EXISTS \
             (SELECT 1 FROM customer_shares t WHERE t.customer_id = $1 AND t.user_id = s.user_id)",
        )
        .bind(keep)
        .bind(merged)
        .execute(&mut **tx)
        .await?;
        sqlx::query("DELETE FROM customer_shares WHERE customer_id = $1").bind(merged).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Hands customer `id` from `from` to `to` 转移客户 (the caller checked who may): written,
/// audited, in the change feed, and every area takes its part along (the open deals go to the
/// new owner). Its new version.
pub async fn reassign(tx: &mut Transaction<'_, Any>, fx: &mut Effects<'_>, id: &str, from: &str, to: &str) -> Result<i64, sqlx::Error> {
    let version: i64 = sqlx::query("UPDATE customers SET owner_id = $1, version = version + 1, updated_at = $2 WHERE id = $3 RETURNING version")
        .bind(to)
        .bind(now_ms())
        .bind(id)
        .fetch_one(&mut **tx)
        .await?
        .try_get("version")?;
    fx.audit(Change { entity: "customer", entity_id: id, field: "owner_id", old: Some(from), new: Some(to) });
    fx.changed(Entity::Customer, id);
    customer_event(tx, fx, CustomerEvent::Reassigned { id, from, to }).await?;
    Ok(version)
}

/// Folds customer `merged` into `keep` 合并客户 (the caller checked who may): every area moves its
/// rows, then `merged` is gone; audited on both, both in the change feed. `keep`'s new version.
pub async fn merge(tx: &mut Transaction<'_, Any>, fx: &mut Effects<'_>, keep: &str, merged: &str) -> Result<i64, sqlx::Error> {
    let mut names = Vec::new();
    for id in [keep, merged] {
        let row = sqlx::query("SELECT name FROM customers WHERE id = $1").bind(id).fetch_optional(&mut **tx).await?;
        names.push(row.map(|r| r.try_get::<String, _>("name")).transpose()?);
    }
    let (keep_name, merged_name) = (names[0].take(), names[1].take());
    customer_event(tx, fx, CustomerEvent::Merged { keep, merged }).await?;
    sqlx::query("DELETE FROM customers WHERE id = $1").bind(merged).execute(&mut **tx).await?;
    let version: i64 = sqlx::query("UPDATE customers SET version = version + 1, updated_at = $1 WHERE id = $2 RETURNING version")
        .bind(now_ms())
        .bind(keep)
        .fetch_one(&mut **tx)
        .await?
        .try_get("version")?;
    fx.audit(Change { entity: "customer", entity_id: keep, field: "merged", old: merged_name.as_deref(), new: keep_name.as_deref() });
    fx.audit(Change { entity: "customer", entity_id: merged, field: "merged_into", old: merged_name.as_deref(), new: Some(keep) });
    fx.changed(Entity::Customer, keep);
    fx.changed(Entity::Customer, merged);
    Ok(version)
}
