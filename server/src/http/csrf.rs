//! Cross-site request forgery guard for every state-changing request: on top of the
//! `SameSite=Lax` session cookie, a request whose `Origin` (or, without one, `Referer`) names
//! another site than the `Host` it was sent to is refused with 403 before any handler runs.
//! Requests with neither header (command-line clients) carry no browser's cookies by accident,
//! so they pass. Behind a proxy that rewrites `Host`, the `public_origin` setting names the one
//! other origin accepted.

use super::{AppError, AppState};
use axum::extract::Request;
use axum::extract::State;
use axum::http::header::{HOST, ORIGIN, REFERER};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn same_origin_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let claimed = headers.get(ORIGIN).or_else(|| headers.get(REFERER)).and_then(|v| v.to_str().ok());
    if let Some(claimed) = claimed {
        let public = state.edge.public_origin.as_deref().is_some_and(|o| claimed == o || claimed.starts_with(&format!("{o}/")));
        if !public && (host.is_none() || authority(claimed) != host) {
            return AppError::CrossOrigin.into_response();
        }
    }
    next.run(request).await
}

/// `host[:port]` of an origin or URL; `None` for `null` or anything without a scheme.
fn authority(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    use super::authority;

    #[test]
    fn authority_of_origins_and_urls() {
        assert_eq!(authority("http://127.0.0.1:3000"), Some("127.0.0.1:3000"));
        assert_eq!(authority("https://crm.example.cn/signin?x=1"), Some("crm.example.cn"));
        assert_eq!(authority("null"), None);
        assert_eq!(authority("https://"), None);
    }
}
