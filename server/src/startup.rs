//! [`Application`]: the configured, bound server. `kedao serve` and the integration tests start
//! the very same thing; tests bind port 0 and read the port back.

use crate::config::Config;
use crate::crypto::Vault;
use crate::db::Db;
use crate::http::{leptos_options, router, AppState};
use anyhow::Context;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Brings a database up to this build: the schema migrations, then the starter lists (industries,
/// sales processes, grading rules) a new company begins with. Safe to run from several processes
/// at once and again on every start.
pub async fn prepare_database(db: &Db) -> anyhow::Result<()> {
    db.migrate_schema().await?;
    crate::catalog::ensure_starter(db.pool()).await.context("filling the starter lists")
}

pub struct Application {
    port: u16,
    listener: TcpListener,
    router: axum::Router,
    db: Db,
}

impl Application {
    /// Checks the encryption key, connects to the database, applies migrations, proves the key
    /// reads the data, loads the demo data in demo mode when the database has none, and binds the
    /// listening socket.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let vault = vault_for(&config)?;
        let db = Db::connect_server(&config.database_url, config.max_connections).await?;
        prepare_database(&db).await?;
        crate::crypto::prepare(&db, &vault).await?;
        if config.demo {
            crate::seed::seed_if_empty(&db, &vault).await?;
        }
        Self::build_with_db(config, db, vault).await
    }

    /// Like [`Application::build`] with an already prepared database.
    pub async fn build_with_db(config: Config, db: Db, vault: Vault) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(config.listen).await.map_err(|e| {
            let reason = match e.kind() {
                std::io::ErrorKind::AddrInUse => "address already in use".to_string(),
                _ => e.to_string(),
            };
            anyhow::anyhow!("cannot listen on {}: {reason}", config.listen)
        })?;
        let port = listener.local_addr().context("reading the bound address")?.port();
        let mut leptos = leptos_options(&config);
        leptos.site_addr.set_port(port);
        let edge = Arc::new(crate::http::Edge::from_config(&config)?);
        let changes = crate::changes::watch(db.clone(), std::time::Duration::from_millis(250));
        crate::grading::schedule(db.clone());
        let state = AppState { db: db.clone(), vault: Arc::new(vault), config: Arc::new(config), leptos, edge, changes };
        Ok(Application { port, listener, router: router(state), db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // The peer address feeds sign-in throttling per client.
        let service = self.router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(self.listener, service).with_graceful_shutdown(shutdown_signal()).await.context("serving HTTP")?;
        self.db.close().await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The vault the settings describe: the configured key, or in demo mode the public demo key.
pub fn vault_for(config: &Config) -> anyhow::Result<Vault> {
    Vault::from_settings(config.encryption_key.expose(), config.previous_encryption_keys.expose(), config.demo)
}
