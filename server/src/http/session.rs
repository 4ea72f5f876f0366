//! Who is asking. Handlers state what they need in their signature and never check by hand:
//! - [`Viewer`]: a signed-in user with a valid session and no pending password change;
//! - [`PendingViewer`]: the same, but also while a password change is pending (only the
//!   password change, `/api/me` and sign-out take it);
//! - [`ClientAddr`]: the peer address, for throttling.

use super::{AppError, AppState};
use crate::auth::{session_user, SignedIn, SESSION_COOKIE};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::COOKIE;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// A signed-in user who may use the app.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: SignedIn,
    pub token: String,
}

/// A signed-in user who may have to change their password first.
#[derive(Debug, Clone)]
pub struct PendingViewer {
    pub user: SignedIn,
    pub token: String,
    pub must_change_password: bool,
}

impl FromRequestParts<AppState> for PendingViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
        // A forged token is just an unknown one; only well-formed tokens reach the database.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(AppError::Unauthenticated);
        }
        let found = session_user(&state.db, &token).await?.ok_or(AppError::Unauthenticated)?;
        Ok(PendingViewer { user: found.user, token, must_change_password: found.must_change_password })
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let pending = PendingViewer::from_request_parts(parts, state).await?;
        if pending.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(Viewer { user: pending.user, token: pending.token })
    }
}

/// The client's address as seen by this process (`None` when served without one, as in tests).
pub struct ClientAddr(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())))
    }
}

/// The session token from the `kedao_session` cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}
