//! `POST /api/auth/login` and `POST /api/auth/logout`. A wrong password and an unknown user get
//! the same answer in the same time.

use super::{AppError, AppJson, AppState};
use crate::auth::{check_credentials, create_session, delete_session, SESSION_COOKIE};
use axum::extract::State;
use axum::http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use kedao_app::ui::signin::{LoginRequest, LoginResponse};

const MAX_USERNAME: usize = 64;
const MAX_PASSWORD: usize = 256;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/auth/login", post(login)).route("/api/auth/logout", post(logout))
}

async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(req): AppJson<LoginRequest>,
) -> Result<impl IntoResponse, AppError> {
    let username = req.username.trim();
    if username.is_empty() || req.password.is_empty() {
        return Err(AppError::BadRequest { code: "missing", message: "username and password are required".into() });
    }
    if username.chars().count() > MAX_USERNAME || req.password.chars().count() > MAX_PASSWORD {
        return Err(AppError::BadRequest { code: "too_long", message: "username or password too long".into() });
    }
    let Some(user) = check_credentials(&state.db, username, &req.password).await? else {
        return Err(AppError::InvalidCredentials);
    };
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let token = create_session(&state.db, &user.user_id, state.config.session_ttl_hours, user_agent).await?;
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        state.config.session_ttl_hours * 3600,
        if state.config.secure_cookies { "; Secure" } else { "" }
    );
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?);
    tracing::info!(user = %user.username, "signed in");
    Ok((
        out,
        Json(LoginResponse { username: user.username, display_name: user.display_name, role: user.role }),
    ))
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = session_token(&headers) {
        delete_session(&state.db, &token).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, HeaderValue::from_static("kedao_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    Ok((StatusCode::NO_CONTENT, out))
}

fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}
