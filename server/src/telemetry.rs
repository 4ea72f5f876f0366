//! Structured logs through `tracing`: human-readable by default, JSON with `log_format = "json"`.
//! `RUST_LOG` overrides the level filter.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
