//! What makes Kedao an installable app that starts offline:
//! - `GET /sw.js`: the service worker (`sw.js` next to this file) with this build's version and
//!   the list of files to precache filled in. The version is a digest of the site's files, so
//!   each deploy is a new worker (and cache) while several processes serving the same files agree.
//! - `GET /manifest.webmanifest`: the web app manifest, named in the reader's language.
//! - every response carries `X-Kedao-Build`, so the worker can tell a page of another build from
//!   its own and never mixes the two.

use super::AppState;
use axum::extract::{Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn router() -> Router<AppState> {
    Router::new().route("/sw.js", get(service_worker)).route("/manifest.webmanifest", get(manifest))
}

/// This build: its version and the files a device keeps for offline use.
#[derive(Debug)]
pub struct Build {
    pub version: String,
    pub files: Vec<String>,
}

static BUILD: OnceLock<Build> = OnceLock::new();

/// The build in `site_root`, read once per process (a deploy restarts the process).
pub fn build(site_root: &str) -> &'static Build {
    BUILD.get_or_init(|| scan(Path::new(site_root)))
}

/// Every file of the site except precompressed copies (the browser asks for the plain name),
/// with a digest of names and contents.
fn scan(root: &Path) -> Build {
    let mut found = Vec::new();
    collect(root, root, &mut found);
    found.sort();
    let mut digest = Sha256::new();
    let mut files = Vec::new();
    for (url, path) in found {
        if let Ok(bytes) = std::fs::read(&path) {
            digest.update(url.as_bytes());
            digest.update((bytes.len() as u64).to_le_bytes());
            digest.update(&bytes);
            files.push(url);
        }
    }
    // The worker itself is part of the build.
    digest.update(SERVICE_WORKER.as_bytes());
    let version: String = digest.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
    Build { version, files }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out);
            continue;
        }
        let name = path.to_string_lossy();
        if name.ends_with(".br") || name.ends_with(".gz") || name.ends_with(".map") || name.ends_with(".d.ts") || name.ends_with("__wasm_split_manifest.json") {
            continue;
        }
        if let Ok(rel) = path.strip_prefix(root) {
            let url = format!("/{}", rel.to_string_lossy().replace('\\', "/"));
            out.push((url, path));
        }
    }
}

const SERVICE_WORKER: &str = include_str!("sw.js");

async fn service_worker(State(state): State<AppState>) -> Response {
    let build = build(&state.config.site_root);
    let files = serde_json::to_string(&build.files).unwrap_or_else(|_| "[]".into());
    let body = SERVICE_WORKER.replacen("__KEDAO_BUILD__", &build.version, 1).replacen("__KEDAO_FILES__", &files, 1);
    (
        [
            (CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            // Browsers check for a new worker on navigation; never answer from an HTTP cache.
            (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// The manifest in the reader's language (the language cookie the app sets, else the browser's).
async fn manifest(headers: HeaderMap) -> Response {
    let english = prefers_english(&headers);
    let (lang, name, short_name, description) = if english {
        ("en", "Kedao Sales CRM", "Kedao", "Customers, funnel and field sales, online or offline.")
    } else {
        ("zh-CN", "客道销售管理", "客道", "客户、销售漏斗与外勤销售，在线离线都能用。")
    };
    let body = serde_json::json!({
        "id": "/",
        "name": name,
        "short_name": short_name,
        "description": description,
        "lang": lang,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "theme_color": "#1f5fbf",
        "background_color": "#f4f6f9",
        "icons": [
            { "src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any" },
            { "src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any" },
            { "src": "/icons/maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable" }
        ]
    });
    ([(CONTENT_TYPE, HeaderValue::from_static("application/manifest+json"))], body.to_string()).into_response()
}

pub(super) fn prefers_english(headers: &HeaderMap) -> bool {
    let header = |name| headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>().join(";");
    let cookies = header(axum::http::header::COOKIE);
    if let Some(locale) = cookies.split(';').filter_map(|c| c.trim().strip_prefix("i18n_pref_locale=")).next() {
        return locale.starts_with("en");
    }
    header(axum::http::header::ACCEPT_LANGUAGE).trim_start().starts_with("en")
}

/// Marks every response with the build that produced it.
pub async fn mark_build(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&build(&state.config.site_root).version) {
        response.headers_mut().insert("x-kedao-build", value);
    }
    response
}
