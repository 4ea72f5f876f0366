//! The one storage layer: an sqlx `AnyPool` over SQLite (embedded, the default) or PostgreSQL
//! (several server processes sharing one database). Every query in Kedao is written once, in the
//! SQL both understand (`$1` placeholders, portable types), and the integration tests run against
//! both. Nothing another process must see is kept in this process's memory.
//!
//! One quirk of the `Any` driver: it cannot decode a SQLite `BOOLEAN` column, so queries read
//! booleans as `CASE WHEN col THEN 1 ELSE 0 END` and decode an integer.

use anyhow::{bail, Context};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// An SQL expression that gathers the selected rows into one JSON array of objects, as text
    /// (`[]` for none); `fields` are (key, SQL expression). Reading thousands of small rows one by
    /// one costs a thread hand-off per row in sqlx's SQLite driver (most of a first sync's time),
    /// one aggregated row costs one. The only SQL written per database: SQLite says
    /// `json_group_array(json_object(…))`, PostgreSQL `json_agg(json_build_object(…))`.
    pub fn json_array_of(self, fields: &[(&str, &str)]) -> String {
        let pairs: Vec<String> = fields.iter().map(|(key, expr)| format!("'{key}', {expr}")).collect();
        match self {
            Backend::Sqlite => format!("json_group_array(json_object({}))", pairs.join(", ")),
            Backend::Postgres => format!("COALESCE(json_agg(json_build_object({}))::text, '[]')", pairs.join(", ")),
        }
    }

    /// Recognises the backend from a `DATABASE_URL`, or says clearly why not.
    pub fn from_url(url: &str) -> anyhow::Result<Backend> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            "" => bail!("DATABASE_URL {:?} is not a URL (expected sqlite://FILE or postgres://…)", redact(url)),
            other => bail!("DATABASE_URL scheme {other:?} is not supported (expected sqlite://FILE or postgres://…)"),
        }
    }
}

/// A pool of connections to Kedao's database.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// Whose turn it is to write (SQLite only): see [`Db::write_turn`].
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl Db {
    /// Connects, creating the SQLite file if needed, and checks the database answers.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        Db::open(url, max_connections, false).await
    }

    /// Connects for a long-running server. On SQLite, the WAL is checkpointed by a background
    /// task instead of by whichever write happens to cross the threshold (that write would wait
    /// for the checkpoint: the slowest pushes were those).
    pub async fn connect_server(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        let db = Db::open(url, max_connections, true).await?;
        if db.backend == Backend::Sqlite {
            let pool = db.pool.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(500));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tick.tick().await;
                    if pool.is_closed() {
                        return;
                    }
                    // PASSIVE: copies what it can without blocking readers or the writer.
                    if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&pool).await {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            });
        }
        Ok(db)
    }

    async fn open(url: &str, max_connections: u32, manual_checkpoints: bool) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { "&" } else { "?" })
            }
            _ => url.to_string(),
        };
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| format!("DATABASE_URL {:?} is not valid", redact(&url)))?
            .log_statements(tracing::log::LevelFilter::Debug)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work while one writer writes; busy_timeout makes a
                        // second writer wait instead of failing; temp_store keeps the
                        // sub-journals of savepoints (one per pushed mutation) in memory
                        // instead of a temporary file written page by page.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA temp_store = MEMORY;",
                        )
                        .await?;
                        if manual_checkpoints {
                            conn.execute("PRAGMA wal_autocheckpoint = 0;").await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| describe_connect_error(backend, &url, e))?;
        Ok(Db { pool, backend, writer: Default::default() })
    }

    /// Waits for this process's turn to write; hold the turn until the write has committed.
    /// SQLite has one writer at a time, and two connections that both want to write otherwise
    /// meet in its busy handler, which sleeps in steps of up to 100 ms: under load that makes
    /// response times spiky. Queued here, writers go in order without sleeping. PostgreSQL
    /// needs no turn (`None`).
    pub async fn write_turn(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.clone().lock_owned().await),
            Backend::Postgres => None,
        }
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies every schema migration not yet applied. Safe to run from several processes at
    /// once (sqlx takes a lock on PostgreSQL; SQLite serialises writers). The starter data comes
    /// after, from the modules that own it: [`crate::startup::prepare_database`] does both.
    pub(crate) async fn migrate_schema(&self) -> anyhow::Result<()> {
        MIGRATOR.run(&self.pool).await.context("applying database migrations")
    }

    /// Answers whether the database responds; for `/healthz`.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Writes a consistent copy of the SQLite database to `dest` while the server keeps serving
    /// (`VACUUM INTO` reads one snapshot; writers are not blocked under WAL).
    pub async fn backup_sqlite(&self, dest: &Path) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            bail!("backup copies the embedded SQLite database; for PostgreSQL use pg_dump");
        }
        if dest.exists() {
            bail!("backup destination {} already exists", dest.display());
        }
        if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                bail!("backup directory {} does not exist", parent.display());
            }
        }
        let path = dest.to_str().context("backup path is not valid UTF-8")?;
        // VACUUM INTO takes no bound parameters: quote the path as an SQL string literal.
        let sql = format!("VACUUM INTO '{}'", path.replace('\'', "''"));
        self.pool.execute(sql.as_str()).await.with_context(|| format!("writing backup to {}", dest.display()))?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Turns a connection failure into one line that names the problem.
fn describe_connect_error(backend: Backend, url: &str, e: sqlx::Error) -> anyhow::Error {
    let target = redact(url);
    let reason = match &e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::PoolTimedOut => "timed out".to_string(),
        other => other.to_string(),
    };
    match backend {
        Backend::Sqlite => anyhow::anyhow!("cannot open SQLite database {target}: {reason}"),
        Backend::Postgres => anyhow::anyhow!("cannot connect to PostgreSQL at {target}: {reason}"),
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Milliseconds since the Unix epoch: how instants are stored.
pub fn now_ms() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_backends_and_rejects_others() {
        assert_eq!(Backend::from_url("sqlite://kedao.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let e = Backend::from_url("mysql://u@h/db").unwrap_err().to_string();
        assert!(e.contains("\"mysql\" is not supported"), "{e}");
        assert!(Backend::from_url("kedao.db").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://kedao:s3cret@db:5432/kedao"), "postgres://kedao@db:5432/kedao");
        assert_eq!(redact("sqlite://kedao.db"), "sqlite://kedao.db");
    }
}
