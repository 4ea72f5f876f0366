//! The audit log: every write records who, when, from which device, which entity and field, and
//! the old and new value, in the same transaction as the write itself (no write without its
//! record, no record without its write). There is deliberately no function to change or delete
//! an entry.

use crate::db::now_ms;
use anyhow::Context;
use sqlx::{Any, Transaction};

/// Who made a change and from where.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub user_id: &'a str,
    /// The client's device description (its user agent), as far as the server knows it.
    pub device: Option<&'a str>,
}

/// One changed field.
pub struct Change<'a> {
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub field: &'a str,
    pub old: Option<&'a str>,
    pub new: Option<&'a str>,
}

pub async fn record(tx: &mut Transaction<'_, Any>, actor: &Actor<'_>, change: Change<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, device, entity, entity_id, field, old_value, new_value) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(now_ms())
    .bind(actor.user_id)
    .bind(actor.device.map(|d| d.chars().take(200).collect::<String>()))
    .bind(change.entity)
    .bind(change.entity_id)
    .bind(change.field)
    .bind(change.old)
    .bind(change.new)
    .execute(&mut **tx)
    .await
    .context("writing the audit log")?;
    Ok(())
}

/// Audit entries collected while a batch is applied and written together at its end, in the
/// same transaction (the sync push; nothing reads them before that).
pub struct Pending(crate::insert::Batch);

impl Default for Pending {
    fn default() -> Self {
        Pending(crate::insert::Batch::new("audit_log", &["id", "at", "actor_id", "device", "entity", "entity_id", "field", "old_value", "new_value"]))
    }
}

impl Pending {
    pub fn add(&mut self, actor: &Actor<'_>, change: Change<'_>) {
        self.0.push(vec![
            uuid::Uuid::new_v4().to_string().into(),
            now_ms().into(),
            actor.user_id.into(),
            actor.device.map(|d| d.chars().take(200).collect::<String>()).into(),
            change.entity.into(),
            change.entity_id.into(),
            change.field.into(),
            change.old.map(str::to_string).into(),
            change.new.map(str::to_string).into(),
        ]);
    }

    /// How many entries wait: a mark to [`Pending::undo_to`].
    pub fn len(&self) -> usize {
        self.0.pending_rows()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the entries added after `mark` (their change was rolled back).
    pub fn undo_to(&mut self, mark: usize) {
        self.0.truncate_rows(mark);
    }

    pub async fn flush(&mut self, tx: &mut Transaction<'_, Any>, backend: crate::db::Backend) -> anyhow::Result<()> {
        self.0.flush(tx, backend).await
    }
}
