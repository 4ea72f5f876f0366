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
    decode(sent.map_err(|_| ApiError::Network)?).await
}

/// GETs `url`, hands `head` the value of the answer's header `header` as soon as the headers are
/// in (before the body is downloaded and decoded), then decodes the body like [`request`].
#[cfg(feature = "hydrate")]
pub async fn get_with_header<R: DeserializeOwned>(url: &str, header: &str, head: impl FnOnce(Option<String>)) -> Result<R, ApiError> {
    let response = gloo_net::http::Request::get(url).send().await.map_err(|_| ApiError::Network)?;
    head(response.ok().then(|| response.headers().get(header)).flatten());
    decode(response).await
}

#[cfg(feature = "hydrate")]
async fn decode<R: DeserializeOwned>(response: gloo_net::http::Response) -> Result<R, ApiError> {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
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

/// Posts raw bytes (a file) and answers the status with the body as text, whatever the status,
/// so a refusal that carries a report (422) can be read too. 401 and no answer are errors.
#[cfg(feature = "hydrate")]
pub async fn post_bytes(url: &str, bytes: &[u8]) -> Result<(u16, String), ApiError> {
    let body = js_sys::Uint8Array::from(bytes);
    let response = gloo_net::http::Request::post(url)
        .header("content-type", "application/octet-stream")
        .body(body)
        .map_err(|_| ApiError::Network)?
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if response.status() == 401 {
        return Err(ApiError::Unauthenticated);
    }
    Ok((response.status(), response.text().await.map_err(|_| ApiError::Network)?))
}

/// Posts JSON and saves the answer as a file (the browser's download), named by the server's
/// `Content-Disposition` or `fallback`.
#[cfg(feature = "hydrate")]
pub async fn download(url: &str, body: &impl Serialize, fallback: &str) -> Result<(), ApiError> {
    use wasm_bindgen::JsCast;
    let response = gloo_net::http::Request::post(url).json(body).map_err(|_| ApiError::Network)?.send().await.map_err(|_| ApiError::Network)?;
    if response.status() == 401 {
        return Err(ApiError::Unauthenticated);
    }
    if !response.ok() {
        #[derive(serde::Deserialize)]
        struct ErrorBody {
            error: String,
        }
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let code = serde_json::from_str::<ErrorBody>(&text).map(|b| b.error).unwrap_or_else(|_| "internal_error".into());
        return Err(ApiError::Refused { status, code });
    }
    let name = response
        .headers()
        .get("content-disposition")
        .and_then(|d| d.split("filename=\"").nth(1).map(|n| n.trim_end_matches('"').to_string()))
        .unwrap_or_else(|| fallback.to_string());
    let bytes = response.binary().await.map_err(|_| ApiError::Network)?;
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&array).map_err(|_| ApiError::Network)?;
    let href = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| ApiError::Network)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or(ApiError::Network)?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(|_| ApiError::Network)?.unchecked_into();
    a.set_href(&href);
    a.set_download(&name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&href);
    Ok(())
}
