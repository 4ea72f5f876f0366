//! `spawn_app()` and friends: each test gets its own database and its own server.

//!
//! Requests go through the real router in-process (tower's `oneshot`): the same middleware, routes
//! and handlers as `kedao serve`, without a socket. (An HTTP client crate would turn on other
//! features of hyper and force a second full build of the server stack for the tests.) The
//! binary itself, on a real port, is covered by `cli.rs` and by Playwright.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use kedao::config::{Config, Secret};
use kedao::crypto::Vault;
use kedao::db::{Backend, Db};
use kedao::http::{leptos_options, router, AppState};
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

pub struct TestApp {
    pub router: axum::Router,
    pub db: Db,
    /// Kept so the SQLite file outlives the test's requests.
    _dir: Option<TempDir>,
}

/// A response, fully read.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| v.to_str().unwrap().to_string())
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("kedao-test-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("creating temp dir");
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which backend this run tests.
pub fn backend() -> Backend {
    match std::env::var("KEDAO_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Backend::from_url(&url).expect("KEDAO_TEST_DATABASE_URL"),
        _ => Backend::Sqlite,
    }
}

/// A fresh, migrated, empty database: a new SQLite file, or a new PostgreSQL database.
pub async fn fresh_db() -> (Db, String, Option<TempDir>) {
    match std::env::var("KEDAO_TEST_DATABASE_URL") {
        Ok(base) if !base.is_empty() => {
            let name = format!("kedao_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Db::connect(&base, 1).await.expect("connecting to the test PostgreSQL");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(admin.pool()).await.expect("creating test database");
            admin.close().await;
            let url = match base.rfind('/') {
                Some(i) if i > "postgres://".len() => format!("{}/{name}", &base[..i]),
                _ => format!("{base}/{name}"),
            };
            let db = Db::connect(&url, 8).await.expect("connecting to the test database");
            kedao::startup::prepare_database(&db).await.expect("migrating");
            (db, url, None)
        }
        _ => {
            let dir = TempDir::new();
            let url = format!("sqlite://{}", dir.0.join("kedao.db").display());
            let db = Db::connect(&url, 8).await.expect("opening SQLite");
            kedao::startup::prepare_database(&db).await.expect("migrating");
            (db, url, Some(dir))
        }
    }
}

/// The tests' encryption key (fixed, so seeded blind indexes compare across runs).
pub const TEST_KEY: &str = "test:a2VkYW8taW50ZWdyYXRpb24tdGVzdHMta2V5LTMyYnk=";

pub fn test_vault() -> Vault {
    Vault::new(TEST_KEY, "").unwrap()
}

pub fn test_config(database_url: &str) -> Config {
    Config { database_url: database_url.to_string(), listen: "127.0.0.1:0".parse().unwrap(), encryption_key: Secret(TEST_KEY.into()), ..Config::default() }
}

pub async fn spawn_app() -> TestApp {
    let (db, url, dir) = fresh_db().await;
    spawn_app_with(db, test_config(&url), dir).await
}

pub async fn spawn_app_with(db: Db, config: Config, dir: Option<TempDir>) -> TestApp {
    // Server errors appear in a failing test's output.
    kedao::telemetry::init("text");
    let vault = kedao::startup::vault_for(&config).expect("test encryption key");
    kedao::crypto::prepare(&db, &vault).await.expect("preparing the vault");
    let edge = Arc::new(kedao::http::Edge::from_config(&config).expect("test network settings"));
    let changes = kedao::changes::watch(db.clone(), std::time::Duration::from_millis(50));
    let state = AppState { db: db.clone(), vault: Arc::new(vault), leptos: leptos_options(&config), config: Arc::new(config), edge, changes };
    TestApp { router: router(state), db, _dir: dir }
}

impl TestApp {
    /// Sends one request through the app.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("reading the body").to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Reply {
        let mut request = Request::get(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// POSTs `body` as it is, with the given headers (so malformed bodies can be sent too).
    pub async fn post(&self, path: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Reply {
        let mut request = Request::post(path);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request.body(body.into()).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.post(path, &[("content-type", "application/json")], body.to_string()).await
    }

    /// Any method, signed in with `cookie`, with an optional JSON body.
    pub async fn call(&self, method: &str, path: &str, cookie: &str, body: Option<&serde_json::Value>) -> Reply {
        let request = Request::builder().method(method).uri(path).header("cookie", cookie);
        let request = match body {
            Some(b) => request.header("content-type", "application/json").body(Body::from(b.to_string())),
            None => request.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        count(&self.db, table).await
    }
}

pub async fn count(db: &Db, table: &str) -> i64 {
    use sqlx::Row;
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}")).fetch_one(db.pool()).await.expect("count").try_get::<i64, _>("n").expect("count column")
}

/// A fresh app with the demo data (scale 1, the day the tests are written for).
pub async fn demo() -> TestApp {
    let app = spawn_app().await;
    kedao::seed::seed(
        &app.db,
        &test_vault(),
        kedao::seed::SeedOptions { scale: 1, seed: kedao::seed::DEFAULT_SEED, today: time::macros::date!(2026 - 11 - 22) },
    )
    .await
    .unwrap();
    app
}

/// Signs a demo user in; the session cookie to send.
pub async fn login(app: &TestApp, user: &str) -> String {
    let res = app.post_json("/api/auth/login", &serde_json::json!({"username": user, "password": kedao::seed::DEMO_PASSWORD})).await;
    assert_eq!(res.status, 200, "{user}: {}", res.text());
    res.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}
