//! The change feed behind `GET /api/sync/pull`: every write to a synced record (any
//! [`Entity`]: customers, deals, contacts, saved segments, promotion plans, the lists) appends
//! `(seq, entity, id)` to `change_log` in the same transaction, its `seq` from one counter. A change that alters what many users may see (the organisation) bumps the
//! epoch instead, and clients re-sync from scratch.

use crate::db::now_ms;
use kedao_app::domain::entity::Entity;
use sqlx::{Any, Row, Transaction};

const SEQUENCE: i64 = 1;
const EPOCH: i64 = 2;

/// The next number of a counter. The `UPDATE` locks the counter's row until the transaction ends,
/// so numbers are handed out in commit order (no pull can read seq 10 while seq 9 is still open).
async fn bump(tx: &mut Transaction<'_, Any>, counter: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("UPDATE sync_counter SET value = value + 1 WHERE id = $1 RETURNING value").bind(counter).fetch_one(&mut **tx).await?.try_get("value")
}

/// Records that `entity`/`id` changed.
pub async fn log_change(tx: &mut Transaction<'_, Any>, entity: Entity, id: &str) -> Result<i64, sqlx::Error> {
    let seq = bump(tx, SEQUENCE).await?;
    sqlx::query("INSERT INTO change_log (seq, entity, entity_id, at) VALUES ($1, $2, $3, $4)")
        .bind(seq)
        .bind(entity.code())
        .bind(id)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(seq)
}

/// Records a batch of changes: one counter bump, one multi-row insert.
pub async fn log_changes(tx: &mut Transaction<'_, Any>, changed: &[(Entity, String)], backend: crate::db::Backend) -> anyhow::Result<()> {
    if changed.is_empty() {
        return Ok(());
    }
    let last: i64 = sqlx::query("UPDATE sync_counter SET value = value + $1 WHERE id = $2 RETURNING value")
        .bind(changed.len() as i64)
        .bind(SEQUENCE)
        .fetch_one(&mut **tx)
        .await?
        .try_get("value")?;
    let first = last - changed.len() as i64 + 1;
    let mut rows = crate::insert::Batch::new("change_log", &["seq", "entity", "entity_id", "at"]);
    let at = now_ms();
    for (i, (entity, id)) in changed.iter().enumerate() {
        rows.push(vec![(first + i as i64).into(), entity.code().into(), id.as_str().into(), at.into()]);
    }
    rows.flush(tx, backend).await
}

/// Visibility changed for many records at once (a user's role, team or regions): every client
/// starts over at its next pull.
pub async fn bump_epoch(tx: &mut Transaction<'_, Any>) -> Result<i64, sqlx::Error> {
    bump(tx, EPOCH).await
}

/// The current sequence number and epoch.
pub async fn position(db: &crate::db::Db) -> Result<(i64, i64), sqlx::Error> {
    let rows = sqlx::query("SELECT id, value FROM sync_counter ORDER BY id").fetch_all(db.pool()).await?;
    let get = |id: i64| rows.iter().find(|r| r.try_get::<i64, _>("id").ok() == Some(id)).map(|r| r.try_get::<i64, _>("value")).transpose();
    Ok((get(SEQUENCE)?.unwrap_or(0), get(EPOCH)?.unwrap_or(0)))
}

/// The latest change number, watched: one task per process looks at the counter every
/// `interval` and wakes every subscriber when it moved. Works the same with several processes on
/// one PostgreSQL, since it reads the shared counter rather than this process's own writes.
pub fn watch(db: crate::db::Db, interval: std::time::Duration) -> tokio::sync::watch::Receiver<i64> {
    let (tx, rx) = tokio::sync::watch::channel(0);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if tx.is_closed() {
                return;
            }
            match position(&db).await {
                Ok((seq, epoch)) => {
                    // The epoch counts too: an organisation change must also wake clients.
                    let mark = seq.wrapping_add(epoch.wrapping_mul(1 << 40));
                    tx.send_if_modified(|v| std::mem::replace(v, mark) != mark);
                }
                Err(e) => tracing::warn!(error = %e, "reading the change counter"),
            }
        }
    });
    rx
}
