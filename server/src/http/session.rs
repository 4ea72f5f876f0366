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

/// The client's address (`None` when served without one, as in tests): the socket peer, or, when
/// the peer is a trusted proxy, the nearest untrusted address in `X-Forwarded-For` (read from the
/// right: only what our own proxies appended can be trusted).
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Ok(ClientAddr(peer.map(|peer| client_behind(peer, &parts.headers, &state.edge.proxies))))
    }
}

pub fn client_behind(peer: IpAddr, headers: &HeaderMap, proxies: &[ipnet::IpNet]) -> IpAddr {
    let trusted = |ip: &IpAddr| proxies.iter().any(|n| n.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|s| s.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded.into_iter().rev().find(|ip| !trusted(ip)).unwrap_or(peer)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_nearest_untrusted_forwarded_address() {
        let proxies: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.2".parse().unwrap());
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Through our proxies: the address our outermost proxy saw (not what the client claimed).
        assert_eq!(client_behind(ip("10.0.0.1"), &h, &proxies), ip("203.0.113.9"));
        // Straight from the internet: the header is ignored.
        assert_eq!(client_behind(ip("198.51.100.4"), &h, &proxies), ip("198.51.100.4"));
        // A trusted peer without the header is itself the client.
        assert_eq!(client_behind(ip("10.0.0.1"), &HeaderMap::new(), &proxies), ip("10.0.0.1"));
    }
}
