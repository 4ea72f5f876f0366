//! Pipelines 销售流程 an admin configures (issue 6). They travel to devices with the company's
//! lists (`GET /api/catalog`, and the pull when the catalogue's version moved on).
//!
//! - `PUT /api/admin/pipelines/{code}` [`PipelineConfig`]: creates or replaces a pipeline, after
//!   the shared validation. A stage that still holds deals cannot be removed (409 `in_use`: move
//!   them first); stage codes are stable, so renaming a stage or changing its criteria, probability
//!   or stall limit keeps its deals where they are.
//! - `DELETE /api/admin/pipelines/{code}`: only a pipeline without deals, and never the last one.
//! - `PUT /api/admin/pipelines` `{codes}`: the order (the first is a new deal's default).
//!
//! Every change is audited (`pipeline`) and moves the catalogue's version on.

use super::admin::Admin;
use super::{AppError, AppJson, AppState};
use crate::audit::{self, Change};
use axum::extract::{Path, State};
use axum::routing::put;
use axum::{Json, Router};
use kedao_app::domain::admin::{FormError, OrderForm};
use kedao_app::domain::catalog::Catalog;
use kedao_app::domain::pipeline::PipelineConfig;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/pipelines", put(reorder)).route("/api/admin/pipelines/{code}", put(save).delete(remove))
}

async fn save(
    State(state): State<AppState>,
    admin: Admin,
    Path(code): Path<String>,
    AppJson(config): AppJson<PipelineConfig>,
) -> Result<Json<PipelineConfig>, AppError> {
    if config.code != code {
        return Err(AppError::BadRequest { code: "code_mismatch", message: "a pipeline's code cannot be changed".into() });
    }
    config.validate().map_err(|code| AppError::BadRequest { code, message: "the pipeline configuration is not usable".into() })?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    let current = crate::catalog::load(&mut tx).await?;
    let before = current.pipeline(&code);
    // Checked inside the transaction that writes (see `lists::remove` for PostgreSQL's caveat).
    if let Some(before) = before {
        for gone in before.stages.iter().filter(|s| config.stages.iter().all(|n| n.code != s.code)) {
            let used = sqlx::query("SELECT 1 AS one FROM opportunities WHERE pipeline = $1 AND stage = $2 LIMIT 1")
                .bind(&code)
                .bind(&gone.code)
                .fetch_optional(&mut *tx)
                .await?;
            if used.is_some() {
                return Err(FormError::InUse.into());
            }
        }
    }
    let text = serde_json::to_string(&config).map_err(anyhow::Error::from)?;
    if before.is_some() {
        sqlx::query("UPDATE pipelines SET config = $1 WHERE code = $2").bind(&text).bind(&code).execute(&mut *tx).await?;
    } else {
        sqlx::query("INSERT INTO pipelines (code, position, config) VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM pipelines), $2)")
            .bind(&code)
            .bind(&text)
            .execute(&mut *tx)
            .await?;
    }
    let old = before.map(serde_json::to_string).transpose().map_err(anyhow::Error::from)?;
    audit::record(&mut tx, &admin.actor(), Change { entity: "pipeline", entity_id: &code, field: "config", old: old.as_deref(), new: Some(&text) }).await?;
    crate::catalog::pipelines_changed(&mut tx, &code).await?;
    tx.commit().await?;
    Ok(Json(config))
}

async fn remove(State(state): State<AppState>, admin: Admin, Path(code): Path<String>) -> Result<Json<Value>, AppError> {
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    let current = crate::catalog::load(&mut tx).await?;
    let before = current.pipeline(&code).ok_or(AppError::NotFound)?;
    let used = sqlx::query("SELECT 1 AS one FROM opportunities WHERE pipeline = $1 LIMIT 1").bind(&code).fetch_optional(&mut *tx).await?;
    if used.is_some() || current.pipelines.len() == 1 {
        return Err(FormError::InUse.into());
    }
    sqlx::query("DELETE FROM pipelines WHERE code = $1").bind(&code).execute(&mut *tx).await?;
    let old = serde_json::to_string(before).map_err(anyhow::Error::from)?;
    audit::record(&mut tx, &admin.actor(), Change { entity: "pipeline", entity_id: &code, field: "deleted", old: Some(&old), new: None }).await?;
    crate::catalog::pipelines_changed(&mut tx, &code).await?;
    tx.commit().await?;
    Ok(Json(json!({ "deleted": code })))
}

/// The new order must name every pipeline once.
async fn reorder(State(state): State<AppState>, admin: Admin, AppJson(form): AppJson<OrderForm>) -> Result<Json<Catalog>, AppError> {
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    let current = crate::catalog::load(&mut tx).await?;
    let old: Vec<&str> = current.pipelines.iter().map(|p| p.code.as_str()).collect();
    let (mut given, mut known) = (form.codes.clone(), old.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    given.sort();
    known.sort();
    if given != known {
        return Err(FormError::UnknownReference.into());
    }
    for (position, code) in form.codes.iter().enumerate() {
        sqlx::query("UPDATE pipelines SET position = $1 WHERE code = $2").bind(position as i64).bind(code).execute(&mut *tx).await?;
    }
    audit::record(
        &mut tx,
        &admin.actor(),
        Change { entity: "pipeline", entity_id: "*", field: "order", old: Some(&old.join(",")), new: Some(&form.codes.join(",")) },
    )
    .await?;
    crate::catalog::pipelines_changed(&mut tx, "*").await?;
    let catalog = crate::catalog::load(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(catalog))
}
