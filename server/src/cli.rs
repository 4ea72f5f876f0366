//! The command line: `kedao [--config FILE] <serve|migrate|seed-demo|create-user|backup>`.

use crate::config::Config;
use crate::db::Db;
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use kedao_app::domain::org::Role;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "kedao", version, about = "Kedao 客道 — sales CRM server")]
pub struct Cli {
    /// TOML settings file (default: ./kedao.toml if present). Environment variables
    /// KEDAO_* and DATABASE_URL override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Apply migrations and serve HTTP.
    Serve {
        /// Address to listen on, e.g. 0.0.0.0:3000.
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Demo mode: load the demo dataset on first start and allow the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the deterministic demo dataset into an empty database.
    SeedDemo {
        /// Multiply the dataset (1 = about 2,000 customers; 50 = about 100,000).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
        scale: u32,
        /// Random seed: the same seed and date give the same data.
        #[arg(long, default_value_t = crate::seed::DEFAULT_SEED)]
        seed: u64,
        /// The day the data is generated around (YYYY-MM-DD; default: today).
        #[arg(long)]
        today: Option<String>,
    },
    /// Create a user; prints a one-time password unless KEDAO_NEW_PASSWORD is set.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// admin, director, manager, supervisor, rep, finance or service.
        #[arg(long)]
        role: String,
    },
    /// Write a consistent copy of the SQLite database to FILE, also while the server runs.
    Backup { file: PathBuf },
    /// Print a new random encryption key (for KEDAO_ENCRYPTION_KEY / encryption_key).
    GenKey {
        /// The key's id, stored with every value it seals (letters, digits, '-', '_').
        #[arg(long, default_value_t = default_key_id())]
        id: String,
    },
    /// Re-seal every phone, ID and bank number under the current encryption_key (after moving the
    /// old key to previous_encryption_keys). Safe to run again if interrupted.
    RotateKey,
}

fn default_key_id() -> String {
    let today = time::OffsetDateTime::now_utc().date();
    format!("k{:04}{:02}{:02}", today.year(), u8::from(today.month()), today.day())
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve { listen, demo } => {
            if let Some(listen) = listen {
                config.listen = listen;
            }
            config.demo |= demo;
            crate::telemetry::init(&config.log_format);
            let app = crate::startup::Application::build(config.clone()).await?;
            let url = format!("http://{}:{}", display_host(&config.listen), app.port());
            println!("Kedao is running at {url}  (database: {})", crate::db::redact(&config.database_url));
            if config.demo {
                println!("Demo logins (password {}): director, manager1-3, supervisor1-6, rep1-24, admin, finance1, service1", crate::seed::DEMO_PASSWORD);
            }
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let db = Db::connect(&config.database_url, 1).await?;
            crate::startup::prepare_database(&db).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::SeedDemo { scale, seed, today } => {
            let today = match today {
                Some(s) => time::Date::parse(&s, time::macros::format_description!("[year]-[month]-[day]"))
                    .with_context(|| format!("--today {s:?} is not a date like 2026-11-22"))?,
                None => time::OffsetDateTime::now_utc().date(),
            };
            // Demo data may use the public demo key when none is configured.
            let vault = crate::crypto::Vault::from_settings(config.encryption_key.expose(), config.previous_encryption_keys.expose(), true)?;
            let db = Db::connect(&config.database_url, 4).await?;
            crate::startup::prepare_database(&db).await?;
            crate::crypto::prepare(&db, &vault).await?;
            let started = std::time::Instant::now();
            let counts = crate::seed::seed(&db, &vault, crate::seed::SeedOptions { scale, seed, today }).await?;
            println!("demo data loaded in {:.1}s: {counts}", started.elapsed().as_secs_f64());
            Ok(())
        }
        Command::CreateUser { username, display_name, role } => {
            let role = Role::from_code(&role)
                .with_context(|| format!("unknown role {role:?}; expected one of admin, director, manager, supervisor, rep, finance, service"))?;
            let (password, generated) = match std::env::var("KEDAO_NEW_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (crate::seed::random_password(), true),
            };
            let db = Db::connect(&config.database_url, 1).await?;
            crate::startup::prepare_database(&db).await?;
            crate::seed::create_user(&db, &username, &display_name, role, &password).await?;
            if generated {
                println!("created {username}; one-time password: {password} (they must change it at first sign-in)");
            } else {
                println!("created {username}");
            }
            Ok(())
        }
        Command::GenKey { id } => {
            let key = crate::crypto::Vault::generate_key(&id);
            crate::crypto::Vault::new(&key, "")?;
            println!("{key}");
            Ok(())
        }
        Command::RotateKey => {
            let vault = crate::startup::vault_for(&config)?;
            let db = Db::connect(&config.database_url, 2).await?;
            crate::startup::prepare_database(&db).await?;
            crate::crypto::prepare(&db, &vault).await?;
            let written = crate::crypto::reseal(&db, &vault, true).await?;
            println!("re-sealed {written} values under key {:?}; previous keys are no longer needed", vault.current_key_id());
            Ok(())
        }
        Command::Backup { file } => {
            let db = Db::connect(&config.database_url, 1).await?;
            db.backup_sqlite(&file).await?;
            let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            if size == 0 {
                bail!("backup {} is empty", file.display());
            }
            println!("backup written to {} ({size} bytes)", file.display());
            Ok(())
        }
    }
}

fn display_host(addr: &std::net::SocketAddr) -> String {
    match addr.ip() {
        ip if ip.is_unspecified() => "localhost".into(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    }
}
