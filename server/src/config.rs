//! Settings: built-in defaults, then a TOML file (`--config FILE`, or `kedao.toml` if present),
//! then environment variables `KEDAO_<FIELD>` (e.g. `KEDAO_LISTEN`) and `DATABASE_URL`.

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://FILE` (the default, embedded) or `postgres://user:pass@host:port/db`.
    pub database_url: String,
    /// Address and port to listen on.
    pub listen: SocketAddr,
    /// Where `cargo leptos build` put the site (wasm, JS, CSS, public assets).
    pub site_root: String,
    /// Demo mode: load the demo dataset on first start and allow the demo logins.
    pub demo: bool,
    /// Requests taking longer than this are answered 408.
    pub request_timeout_secs: u64,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Hours a sign-in stays valid.
    pub session_ttl_hours: i64,
    /// Mark the session cookie `Secure` (set when served over https).
    pub secure_cookies: bool,
    /// `text` (default) or `json` log lines.
    pub log_format: String,
    /// Largest number of pooled database connections per process.
    pub max_connections: u32,
    /// `ID:BASE64` (32 bytes): the AES-256-GCM key that encrypts phone, ID and bank numbers at rest.
    /// `kedao gen-key` makes one. Required unless `demo` (which falls back to a public demo key).
    pub encryption_key: Secret,
    /// Older keys, comma-separated `ID:BASE64`, still accepted for reading during a rotation.
    pub previous_encryption_keys: Secret,
    /// Load balancers / reverse proxies in front of Kedao (comma-separated IPs or CIDRs). A request
    /// from one of them is attributed to the client named in `X-Forwarded-For` (for sign-in
    /// throttling); from anyone else that header is ignored, so it cannot be forged.
    pub trusted_proxies: String,
    /// The address users type, e.g. `https://crm.example.com`, when a proxy changes the `Host`
    /// header: state-changing requests from this origin are accepted.
    pub public_origin: String,
}

/// A setting that must not appear in logs or debug output.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "(unset)" } else { "(secret)" })
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://kedao.db".into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_root: "target/site".into(),
            demo: false,
            request_timeout_secs: 30,
            body_limit_bytes: 4 * 1024 * 1024,
            session_ttl_hours: 24 * 14,
            secure_cookies: false,
            log_format: "text".into(),
            max_connections: 16,
            encryption_key: Secret::default(),
            previous_encryption_keys: Secret::default(),
            trusted_proxies: String::new(),
            public_origin: String::new(),
        }
    }
}

impl Config {
    /// Every setting's name, as in the TOML file and (upper-cased, after `KEDAO_`) the environment.
    pub const FIELDS: [&'static str; 14] = [
        "database_url",
        "listen",
        "site_root",
        "demo",
        "request_timeout_secs",
        "body_limit_bytes",
        "session_ttl_hours",
        "secure_cookies",
        "log_format",
        "max_connections",
        "encryption_key",
        "previous_encryption_keys",
        "trusted_proxies",
        "public_origin",
    ];

    /// Reads the settings. A config file named explicitly must exist.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.is_file() {
                    bail!("config file not found: {}", path.display());
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None if Path::new("kedao.toml").is_file() => figment = figment.merge(Toml::file_exact("kedao.toml")),
            None => {}
        }
        // Only settings: other KEDAO_* variables (KEDAO_NEW_PASSWORD, test knobs) are not config.
        let figment = figment.merge(Env::prefixed("KEDAO_").only(&Config::FIELDS)).merge(Env::raw().only(&["DATABASE_URL"]));
        let config: Config = figment.extract().map_err(|e| anyhow::anyhow!("invalid configuration: {e}")).context("reading settings")?;
        config.proxies()?;
        config.origin()?;
        Ok(config)
    }

    /// `trusted_proxies` parsed; a bare address is a single-host network.
    pub fn proxies(&self) -> anyhow::Result<Vec<ipnet::IpNet>> {
        self.trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<ipnet::IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| anyhow::anyhow!("trusted_proxies: {s:?} is not an IP address or CIDR like 10.0.0.0/8"))
            })
            .collect()
    }

    /// `public_origin` as `scheme://host[:port]`, without a trailing slash; `None` when unset.
    pub fn origin(&self) -> anyhow::Result<Option<String>> {
        let origin = self.public_origin.trim().trim_end_matches('/');
        if origin.is_empty() {
            return Ok(None);
        }
        match origin.split_once("://") {
            Some(("http" | "https", host)) if !host.is_empty() && !host.contains('/') => Ok(Some(origin.to_string())),
            _ => bail!("public_origin {origin:?} must look like https://crm.example.com"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_and_origin_are_checked() {
        let c = Config { trusted_proxies: "10.0.0.0/8, 192.168.1.7,::1".into(), ..Config::default() };
        let nets = c.proxies().unwrap();
        assert_eq!(nets.len(), 3);
        assert!(nets[1].contains(&"192.168.1.7".parse::<std::net::IpAddr>().unwrap()));
        assert!(Config { trusted_proxies: "10.0.0.300".into(), ..Config::default() }.proxies().is_err());
        assert_eq!(
            Config { public_origin: "https://crm.example.com/".into(), ..Config::default() }.origin().unwrap().as_deref(),
            Some("https://crm.example.com")
        );
        assert!(Config { public_origin: "crm.example.com".into(), ..Config::default() }.origin().is_err());
    }

    #[test]
    fn fields_list_every_setting() {
        let value = serde_json::to_value(Config::default()).unwrap();
        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut fields = Config::FIELDS.to_vec();
        fields.sort_unstable();
        assert_eq!(keys, fields);
    }
}
