//! The security headers on every response: pages, API answers, static files, errors (those of
//! the layers outside the handlers included: timeouts, bodies too large).
//! - `Content-Security-Policy` ([`kedao_app::ui::csp`]): pages get it from the shell with their
//!   script nonce; everything else gets the same policy without a nonce here (for the service
//!   worker, whose script's policy governs what it may fetch);
//! - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (for browsers that predate
//!   `frame-ancestors`), `Referrer-Policy: strict-origin-when-cross-origin`;
//! - `Permissions-Policy`: location (visit check-in) and camera (photos of receipts and signed
//!   copies) for this origin only, the rest off;
//! - `Strict-Transport-Security` when the session cookie is `Secure` (the app is served over
//!   HTTPS).

use super::AppState;
use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, CONTENT_SECURITY_POLICY, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS};
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;
use kedao_app::ui::csp::content_security_policy;
use std::sync::LazyLock;

const PERMISSIONS_POLICY: &str = "geolocation=(self), camera=(self), microphone=(), payment=(), usb=()";

static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| HeaderValue::from_str(&content_security_policy(None)).expect("the policy is ASCII"));

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(CONTENT_SECURITY_POLICY, POLICY.clone());
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(HeaderName::from_static("permissions-policy"), HeaderValue::from_static(PERMISSIONS_POLICY));
    if state.config.secure_cookies {
        headers.insert(STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}
