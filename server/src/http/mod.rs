//! The HTTP surface. [`router`] builds the whole app so tests can drive it in-process; each area
//! contributes its own routes:
//! - `GET /healthz` ([`health`]);
//! - `/api/auth/*`, `/api/me` ([`auth`]); `/api/admin/*` ([`admin`]);
//! - `/api/customers`, `/api/products` ([`customers`]), limited by [`crate::access`];
//! - `/api/sync/*` ([`sync`]): push mutations, pull changes, conflicts;
//! - `/sw.js`, `/manifest.webmanifest` and the build mark on every response ([`pwa`]);
//! - every state-changing request passes the same-origin check ([`csrf`]);
//! - every response carries the security headers, the Content-Security-Policy first ([`security`]);
//! - everything else: the Leptos pages (server-rendered, then hydrated) and static files.

mod admin;
mod auth;
mod csrf;
mod customers;
mod error;
mod grading;
mod health;
mod lists;
mod pipelines;
pub mod pwa;
mod security;
pub mod session;
mod sync;
mod transfer;

pub use error::{AppError, AppJson};

use crate::config::Config;
use crate::crypto::Vault;
use crate::db::Db;
use axum::extract::FromRef;
use axum::Router;
use kedao_app::{shell, App};
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler may use. Cheap to clone; holds no per-user state (sessions are in the
/// database, so any process behind a load balancer can answer any request).
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Seals and opens the sensitive fields ([`crate::crypto`]).
    pub vault: Arc<Vault>,
    pub config: Arc<Config>,
    pub leptos: LeptosOptions,
    /// `trusted_proxies` and `public_origin`, parsed once.
    pub edge: Arc<Edge>,
    /// Moves whenever synced data changes ([`crate::changes::watch`]); feeds `/api/sync/events`.
    pub changes: tokio::sync::watch::Receiver<i64>,
}

/// What the server knows about the network in front of it.
#[derive(Debug, Default)]
pub struct Edge {
    pub proxies: Vec<ipnet::IpNet>,
    pub public_origin: Option<String>,
}

impl Edge {
    pub fn from_config(config: &Config) -> anyhow::Result<Edge> {
        Ok(Edge { proxies: config.proxies()?, public_origin: config.origin()? })
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}

pub fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder().output_name("kedao").site_root(config.site_root.as_str()).site_pkg_dir("pkg").site_addr(config.listen).build()
}

/// The whole application as an axum router.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let api = Router::new()
        .merge(health::router())
        .merge(auth::router())
        .merge(admin::router())
        .merge(lists::router())
        .merge(pipelines::router())
        .merge(grading::router())
        .merge(customers::router())
        .merge(sync::router())
        .merge(transfer::router())
        .merge(pwa::router());
    Router::new()
        .merge(api)
        .leptos_routes(&state, routes, {
            let options = state.leptos.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), csrf::same_origin_only))
        .layer(axum::middleware::from_fn_with_state(state.clone(), pwa::mark_build))
        .layer(RequestBodyLimitLayer::new(state.config.body_limit_bytes))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(state.config.request_timeout_secs)))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        // Static files are precompressed at build time; what is compressed here is dynamic (pages,
        // JSON), where brotli's default level costs more server time than it saves on the wire.
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
