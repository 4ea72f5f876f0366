//! Customer grading 客户分级 (issue 7) over HTTP. The rules travel to devices with the lists
//! (`Catalog::grading`); here they are changed and a regrading is asked for.
//!
//! - `GET /api/admin/grading`: the rules and the last run (those who answer for customers).
//! - `PUT /api/admin/grading` [`GradingConfig`]: new rules after the shared validation (admins
//!   and the director); audited; the catalogue's version moves on.
//! - `POST /api/admin/grading/run`: regrade every customer now; answers what moved.
//! - `GET /api/customers/{id}/grades`: a customer's grade changes, newest first (whoever sees it).

use super::session::Viewer;
use super::{AppError, AppJson, AppState};
use crate::access::CustomerScope;
use crate::audit::{self, Actor, Change};
use crate::grading::RunSummary;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use kedao_app::domain::grading::GradingConfig;
use kedao_app::domain::org::Role;
use serde_json::{json, Value};
use sqlx::Row;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/grading", get(read).put(save)).route("/api/admin/grading/run", post(run)).route("/api/customers/{id}/grades", get(history))
}

/// Who may change the rules and regrade: admins and the director.
fn may_regrade(viewer: &Viewer) -> bool {
    matches!(viewer.user.role, Role::Admin | Role::Director)
}

async fn read(State(state): State<AppState>, viewer: Viewer) -> Result<Json<Value>, AppError> {
    if !viewer.user.role.answers_for_customers() {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.db.pool().acquire().await?;
    let config = crate::grading::config(&mut conn).await?;
    let last = sqlx::query(
        "SELECT r.run_at, r.customers, r.changed, u.display_name FROM grading_runs r LEFT JOIN users u ON u.id = r.run_by ORDER BY r.run_at DESC LIMIT 1",
    )
    .fetch_optional(&mut *conn)
    .await?;
    let last = match last {
        Some(r) => json!({
            "run_at": r.try_get::<i64, _>("run_at")?,
            "customers": r.try_get::<i64, _>("customers")?,
            "changed": r.try_get::<i64, _>("changed")?,
            "by": r.try_get::<Option<String>, _>("display_name")?,
        }),
        None => Value::Null,
    };
    Ok(Json(json!({"config": config, "last_run": last, "may_change": may_regrade(&viewer)})))
}

async fn save(State(state): State<AppState>, viewer: Viewer, AppJson(config): AppJson<GradingConfig>) -> Result<Json<GradingConfig>, AppError> {
    if !may_regrade(&viewer) {
        return Err(AppError::Forbidden);
    }
    config.validate().map_err(|code| AppError::BadRequest { code, message: "the grading rules are not usable".into() })?;
    let text = serde_json::to_string(&config).map_err(anyhow::Error::from)?;
    let _turn = state.db.write_turn().await;
    let mut tx = state.db.pool().begin().await?;
    let old = serde_json::to_string(&crate::grading::config(&mut tx).await?).map_err(anyhow::Error::from)?;
    sqlx::query("INSERT INTO app_meta (key, value) VALUES ('grading', $1) ON CONFLICT (key) DO UPDATE SET value = $1").bind(&text).execute(&mut *tx).await?;
    let actor = Actor { user_id: &viewer.user.user_id, device: None };
    audit::record(&mut tx, &actor, Change { entity: "grading", entity_id: "rules", field: "config", old: Some(&old), new: Some(&text) }).await?;
    crate::catalog::grading_changed(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(config))
}

async fn run(State(state): State<AppState>, viewer: Viewer) -> Result<Json<RunSummary>, AppError> {
    if !may_regrade(&viewer) {
        return Err(AppError::Forbidden);
    }
    let today = crate::grading::business_today();
    let summary = crate::grading::run(&state.db, Some(&viewer.user.user_id), None, &today).await?.ok_or(AppError::Conflict)?;
    Ok(Json(summary))
}

async fn history(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Result<Json<Value>, AppError> {
    let scope = CustomerScope::of(&state.db, &viewer).await?;
    let (condition, binds) = scope.sql(2);
    let sql = format!("SELECT 1 AS one FROM customers c WHERE c.id = $1 AND {condition}");
    let mut query = sqlx::query(&sql).bind(&id);
    for b in &binds {
        query = query.bind(b.as_str());
    }
    query.fetch_optional(state.db.pool()).await?.ok_or(AppError::NotFound)?;
    let rows = sqlx::query(
        "SELECT r.run_at, h.from_grade, h.to_grade, h.value_fen FROM customer_grade_history h JOIN grading_runs r ON r.id = h.run_id \
         WHERE h.customer_id = $1 ORDER BY r.run_at DESC, h.id LIMIT 100",
    )
    .bind(&id)
    .fetch_all(state.db.pool())
    .await?;
    let list = rows
        .iter()
        .map(|r| {
            Ok(json!({
                "at_ms": r.try_get::<i64, _>("run_at")?,
                "from": r.try_get::<String, _>("from_grade")?,
                "to": r.try_get::<String, _>("to_grade")?,
                "value_fen": r.try_get::<i64, _>("value_fen")?,
            }))
        })
        .collect::<Result<Vec<Value>, sqlx::Error>>()?;
    Ok(Json(Value::Array(list)))
}
