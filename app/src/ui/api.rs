//! Talking to Kedao's HTTP API from the browser: JSON in, JSON out, and the server's typed error
//! codes (`{"error": "<code>"}`) as [`ApiError`]. Server-side rendering never calls these: data is
//! fetched after hydration (and, from issue 4 on, read from the local replica).

use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// No answer: offline, or the server is unreachable.
    Network,
    /// The session ended: sign in again.
    Unauthenticated,
    /// An answer with an error code the UI translates.
    Refused { status: u16, code: String },
}

impl ApiError {
    pub fn code(&self) -> &str {
        match self {
            ApiError::Network => "network",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Refused { code, .. } => code,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

/// Sends a request; a 2xx answer is decoded as `R` (an empty body as `()` / `null`).
#[cfg(feature = "hydrate")]
pub async fn request<R: DeserializeOwned>(method: Method, url: &str, body: Option<&impl Serialize>) -> Result<R, ApiError> {
    use gloo_net::http::Request;
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    let builder = match method {
        Method::Get => Request::get(url),
        Method::Post => Request::post(url),
        Method::Put => Request::put(url),
        Method::Delete => Request::delete(url),
    };
    let sent = match body {
        Some(body) => builder.json(body).map_err(|_| ApiError::Network)?.send().await,
        None => builder.send().await,
    };
    let response = sent.map_err(|_| ApiError::Network)?;
    let status = response.status();
    let text = response.text().await.map_err(|_| ApiError::Network)?;
    if response.ok() {
        let text = if text.is_empty() { "null" } else { text.as_str() };
        return serde_json::from_str::<R>(text).map_err(|_| ApiError::Refused { status, code: "invalid_answer".into() });
    }
    if status == 401 {
        return Err(ApiError::Unauthenticated);
    }
    let code = serde_json::from_str::<ErrorBody>(&text).map(|b| b.error).unwrap_or_else(|_| "internal_error".into());
    Err(ApiError::Refused { status, code })
}

/// On the server nothing is fetched (pages render their loading state, then hydrate).
#[cfg(not(feature = "hydrate"))]
pub async fn request<R: DeserializeOwned>(_method: Method, _url: &str, _body: Option<&impl Serialize>) -> Result<R, ApiError> {
    Err(ApiError::Network)
}

pub async fn get<R: DeserializeOwned>(url: &str) -> Result<R, ApiError> {
    request(Method::Get, url, None::<&()>).await
}
