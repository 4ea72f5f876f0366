//! One error type for every handler. Client errors carry a stable code the UI translates; server
//! errors say only that something went wrong, and their cause chain goes to the log.

use axum::extract::rejection::JsonRejection;
use axum::extract::FromRequest;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is malformed; `code` names what is wrong, `message` is for developers.
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, message: String },
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("not signed in")]
    Unauthenticated,
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("too many failed sign-ins")]
    Throttled,
    #[error("cross-origin request refused")]
    CrossOrigin,
    /// The record changed since the client read it.
    #[error("conflict")]
    Conflict,
    /// A form the shared validation or the organisation's data refuses; `taken` and `in_use` are
    /// 409, the rest 400.
    #[error("invalid form: {0:?}")]
    Form(kedao_app::domain::admin::FormError),
    /// A fault the client should retry after a pause (it was logged with its cause).
    #[error("retry later")]
    RetryLater,
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            AppError::BadRequest { code, message } => (StatusCode::BAD_REQUEST, json!({ "error": code, "message": message })),
            AppError::InvalidCredentials => (StatusCode::UNAUTHORIZED, json!({ "error": "invalid_credentials" })),
            AppError::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, json!({ "error": "too_large" })),
            AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, json!({ "error": "unauthenticated" })),
            AppError::PasswordChangeRequired => (StatusCode::FORBIDDEN, json!({ "error": "password_change_required" })),
            AppError::Forbidden => (StatusCode::FORBIDDEN, json!({ "error": "forbidden" })),
            AppError::NotFound => (StatusCode::NOT_FOUND, json!({ "error": "not_found" })),
            AppError::Throttled => (StatusCode::TOO_MANY_REQUESTS, json!({ "error": "throttled" })),
            AppError::CrossOrigin => (StatusCode::FORBIDDEN, json!({ "error": "cross_origin" })),
            AppError::Conflict => (StatusCode::CONFLICT, json!({ "error": "conflict" })),
            AppError::Form(e) => {
                use kedao_app::domain::admin::FormError::{InUse, Taken};
                let status = if matches!(e, Taken | InUse) { StatusCode::CONFLICT } else { StatusCode::BAD_REQUEST };
                (status, json!({ "error": e.code() }))
            }
            AppError::RetryLater => {
                let mut response = (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "error": "retry_later" }))).into_response();
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
                return response;
            }
            AppError::Internal(cause) => {
                tracing::error!(error = format!("{cause:#}"), "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": "internal_error" }))
            }
        };
        (status, Json(body)).into_response()
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        // A body over the limit without a Content-Length is only noticed while reading it.
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::PayloadTooLarge;
        }
        let code = match rejection {
            JsonRejection::MissingJsonContentType(_) => "expected_json",
            JsonRejection::JsonSyntaxError(_) => "invalid_json",
            JsonRejection::JsonDataError(_) => "invalid_fields",
            _ => "invalid_body",
        };
        AppError::BadRequest { code, message: rejection.body_text() }
    }
}

/// A JSON request body whose rejections come back in the app's own error format. (Responses use
/// plain `axum::Json`.)
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

/// A sensitive value that does not open is a server fault (wrong key, damaged data): logged with
/// its reason, never shown.
impl From<crate::crypto::OpenError> for AppError {
    fn from(e: crate::crypto::OpenError) -> Self {
        AppError::Internal(anyhow::anyhow!("a sealed value {e}"))
    }
}
