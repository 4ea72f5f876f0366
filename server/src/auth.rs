//! Passwords (argon2id) and server-side sessions. Issue #3 adds throttling, CSRF checks,
//! forced password change and signing out everywhere on top of these pieces.

use crate::db::{now_ms, Db};
use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use blake2::{Blake2b512, Digest};
use kedao_app::domain::org::Role;
use rand::RngCore;
use sqlx::Row;
use std::sync::OnceLock;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kedao_session";

/// Hashes a password with argon2id and a fresh random salt (PHC string format).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// A hash of nothing in particular, checked when the user does not exist so that an unknown user
/// costs the same time as a wrong password (no user enumeration by timing).
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("kedao-no-such-user").expect("argon2 with default params"))
}

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// Checks a username and password. `None` for an unknown user, an inactive one or a wrong
/// password alike.
#[tracing::instrument(skip(db, password))]
pub async fn check_credentials(db: &Db, username: &str, password: &str) -> anyhow::Result<Option<SignedIn>> {
    let row = sqlx::query(
        "SELECT id, username, display_name, role, password_hash FROM users WHERE username = $1 AND active = TRUE",
    )
    .bind(username)
    .fetch_optional(db.pool())
    .await
    .context("looking up user")?;
    let (user, phc) = match &row {
        Some(r) => {
            let role: String = r.try_get("role")?;
            let user = SignedIn {
                user_id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: Role::from_code(&role).with_context(|| format!("unknown role {role:?} in database"))?,
            };
            (Some(user), r.try_get::<String, _>("password_hash")?)
        }
        None => (None, dummy_hash().to_string()),
    };
    // argon2 is deliberately slow: keep it off the async workers.
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.context("verifying password")?;
    Ok(if ok { user } else { None })
}

/// Opens a session and returns the token for the cookie. Only the token's hash is stored, so a
/// leaked database holds no usable session.
pub async fn create_session(db: &Db, user_id: &str, ttl_hours: i64, user_agent: Option<&str>) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex(&bytes);
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at, user_agent) VALUES ($1, $2, $3, $4, $5)")
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + ttl_hours * 3_600_000)
        .bind(user_agent.map(|ua| ua.chars().take(200).collect::<String>()))
        .execute(db.pool())
        .await
        .context("storing session")?;
    Ok(token)
}

pub async fn delete_session(db: &Db, token: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash(token))
        .execute(db.pool())
        .await
        .context("deleting session")?;
    Ok(())
}

pub fn token_hash(token: &str) -> String {
    hex(&Blake2b512::digest(token.as_bytes())[..32])
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let phc = hash_password("kedao-demo").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("kedao-demo", &phc));
        assert!(!verify_password("kedao-demo ", &phc));
        assert!(!verify_password("kedao-demo", "not a hash"));
    }

    #[test]
    fn token_hashes_are_stable_and_distinct() {
        assert_eq!(token_hash("a"), token_hash("a"));
        assert_ne!(token_hash("a"), token_hash("b"));
        assert_eq!(token_hash("a").len(), 64);
    }
}
