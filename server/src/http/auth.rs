//! Sign-in, sign-out, the password change and `GET /api/me`. A wrong password and an unknown
//! user get the same answer in the same time; repeated failures are throttled per account and
//! per client address.

use super::session::{session_token, ClientAddr, PendingViewer};
use super::{AppError, AppJson, AppState};
use crate::auth::{self, check_credentials, create_session, delete_session, SESSION_COOKIE};
use axum::extract::State;
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use kedao_app::ui::signin::{LoginRequest, LoginResponse, Me, PasswordChangeRequest, SignInError, MIN_PASSWORD_CHARS};

const MAX_USERNAME: usize = 64;
const MAX_PASSWORD: usize = 256;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/password", post(change_password))
        .route("/api/me", get(me))
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
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
    let (account_key, address_key) = auth::throttle_keys(username, addr);
    if auth::is_throttled(&state.db, &account_key, address_key.as_deref()).await? {
        return Err(AppError::Throttled);
    }
    let Some(checked) = check_credentials(&state.db, username, &req.password).await? else {
        auth::record_failure(&state.db, &account_key, address_key.as_deref()).await?;
        return Err(AppError::InvalidCredentials);
    };
    auth::clear_failures(&state.db, &account_key).await?;
    let user = checked.user;
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let token = create_session(&state.db, &user.user_id, state.config.session_ttl_hours, user_agent, session_token(&headers).as_deref()).await?;
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, session_cookie(&state, &token)?);
    tracing::info!(user = %user.username, "signed in");
    Ok((
        out,
        Json(LoginResponse {
            user_id: user.user_id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            must_change_password: checked.must_change_password,
        }),
    ))
}

/// The `Set-Cookie` value that hands the browser a session.
fn session_cookie(state: &AppState, token: &str) -> Result<HeaderValue, AppError> {
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        state.config.session_ttl_hours * 3600,
        if state.config.secure_cookies { "; Secure" } else { "" }
    );
    Ok(HeaderValue::from_str(&cookie).map_err(anyhow::Error::from)?)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<impl IntoResponse, AppError> {
    if let Some(token) = session_token(&headers) {
        delete_session(&state.db, &token).await?;
    }
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, HeaderValue::from_static("kedao_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    Ok((StatusCode::NO_CONTENT, out))
}

/// `GET /api/me`: who is signed in, and whether they must change their password first.
async fn me(viewer: PendingViewer) -> Json<Me> {
    Json(Me {
        user_id: viewer.user.user_id,
        username: viewer.user.username,
        display_name: viewer.user.display_name,
        role: viewer.user.role,
        must_change_password: viewer.must_change_password,
    })
}

/// `POST /api/auth/password`: also the forced change after the first sign-in. Ends every session
/// of the user and answers with the cookie of a new one: a session id from before the change
/// (a stolen one included) no longer works.
async fn change_password(
    State(state): State<AppState>,
    viewer: PendingViewer,
    headers: HeaderMap,
    AppJson(req): AppJson<PasswordChangeRequest>,
) -> Result<impl IntoResponse, AppError> {
    if req.new_password.chars().count() > MAX_PASSWORD || req.current_password.chars().count() > MAX_PASSWORD {
        return Err(AppError::BadRequest { code: "too_long", message: "password too long".into() });
    }
    // The same rule the sign-in screen checks before sending.
    match req.validate(&req.new_password) {
        Ok(()) => {}
        Err(SignInError::PasswordTooShort) => {
            return Err(AppError::BadRequest { code: "password_too_short", message: format!("at least {MIN_PASSWORD_CHARS} characters") })
        }
        Err(_) => return Err(AppError::BadRequest { code: "password_unchanged", message: "choose a new password".into() }),
    }
    match auth::password_problem(&viewer.user.username, &req.new_password) {
        None => {}
        Some(SignInError::PasswordIsUsername) => {
            return Err(AppError::BadRequest { code: "password_is_username", message: "the password must not be the username".into() })
        }
        Some(_) => return Err(AppError::BadRequest { code: "password_common", message: "this is one of the most common passwords; choose another".into() }),
    }
    if !auth::verify_user_password(&state.db, &viewer.user.user_id, &req.current_password).await? {
        return Err(AppError::InvalidCredentials);
    }
    let user_agent = headers.get(USER_AGENT).and_then(|v| v.to_str().ok());
    let token = auth::change_password(&state.db, &viewer.user.user_id, &req.new_password, state.config.session_ttl_hours, user_agent).await?;
    tracing::info!(user = %viewer.user.username, "password changed");
    let mut out = HeaderMap::new();
    out.insert(SET_COOKIE, session_cookie(&state, &token)?);
    Ok((StatusCode::NO_CONTENT, out))
}
