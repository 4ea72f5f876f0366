//! `GET /healthz`: 200 when this process can reach its database, 503 when it cannot. Load
//! balancers use it to take a process out of rotation.

use super::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let backend = state.db.backend().name();
    if state.db.ping().await {
        (StatusCode::OK, Json(json!({ "status": "ok", "database": backend, "version": env!("CARGO_PKG_VERSION") })))
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable", "database": backend })))
    }
}
