//! Administration endpoints; every handler here requires the admin role.

use super::session::Viewer;
use super::{AppError, AppState};
use crate::auth::delete_user_sessions;
use axum::extract::{Path, State};
use axum::routing::delete;
use axum::{Json, Router};
use kedao_app::domain::org::Role;
use serde_json::{json, Value};
use sqlx::Row;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/admin/users/{username}/sessions", delete(sign_out_everywhere))
}

/// An admin, proven: handlers that take one cannot run for anybody else.
struct Admin(Viewer);

impl Admin {
    fn check(viewer: Viewer) -> Result<Admin, AppError> {
        if viewer.user.role == Role::Admin {
            Ok(Admin(viewer))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// `DELETE /api/admin/users/{username}/sessions`: sign a user out on every device (a lost phone).
async fn sign_out_everywhere(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: axum::http::HeaderMap,
    Path(username): Path<String>,
) -> Result<Json<Value>, AppError> {
    let Admin(admin) = Admin::check(viewer)?;
    let row = sqlx::query("SELECT id FROM users WHERE username = $1")
        .bind(&username)
        .fetch_optional(state.db.pool())
        .await
        ?
        .ok_or(AppError::NotFound)?;
    let user_id: String = row.try_get("id")?;
    let device = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok());
    let actor = crate::audit::Actor { user_id: &admin.user.user_id, device };
    let ended = delete_user_sessions(&state.db, &actor, &user_id).await?;
    tracing::info!(admin = %admin.user.username, user = %username, ended, "signed out everywhere");
    Ok(Json(json!({ "sessions_ended": ended })))
}
