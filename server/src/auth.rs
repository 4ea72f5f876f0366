//! Passwords (argon2id), server-side sessions and sign-in throttling. Everything lives in the
//! database, so any server process can check any session and sees the same failure counts.

use crate::db::{now_ms, Db};
use anyhow::Context;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use blake2::{Blake2b512, Digest};
use kedao_app::domain::org::Role;
use kedao_app::ui::signin::SignInError;
use rand::RngCore;
use sqlx::Row;
use std::collections::HashSet;
use std::sync::{LazyLock, OnceLock};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "kedao_session";

/// Hashes a password with argon2id and a fresh random salt (PHC string format).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

/// The most common passwords, lowercase (`server/data/common-passwords.txt`). Kept on the server:
/// at some 240 kB the list would weigh more than the device's first download may grow.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> =
    LazyLock::new(|| include_str!("../data/common-passwords.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect());

/// What the server refuses in a new password beyond the rules the device checks too
/// (`PasswordChangeRequest::validate`): one of the most common passwords, or the username,
/// either compared case-insensitively.
pub fn password_problem(username: &str, password: &str) -> Option<SignInError> {
    let lower = password.trim().to_lowercase();
    if lower == username.trim().to_lowercase() {
        return Some(SignInError::PasswordIsUsername);
    }
    COMMON_PASSWORDS.contains(lower.as_str()).then_some(SignInError::PasswordCommon)
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

/// A user found by credentials or by session, and whether they must change their password.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: SignedIn,
    pub must_change_password: bool,
}

/// The columns [`Account::from_row`] reads, from `users u`. (The `Any` driver cannot decode
/// SQLite's BOOLEAN, hence the CASE.)
const ACCOUNT_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, \
    CASE WHEN u.must_change_password THEN 1 ELSE 0 END AS must_change_password";

impl Account {
    fn from_row(r: &sqlx::any::AnyRow) -> anyhow::Result<Account> {
        let role: String = r.try_get("role")?;
        Ok(Account {
            user: SignedIn {
                user_id: r.try_get("id")?,
                username: r.try_get("username")?,
                display_name: r.try_get("display_name")?,
                role: Role::from_code(&role).with_context(|| format!("unknown role {role:?} in database"))?,
            },
            must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
        })
    }
}

/// Checks a username and password. `None` for an unknown user, an inactive one or a wrong
/// password alike.
#[tracing::instrument(skip(db, password))]
pub async fn check_credentials(db: &Db, username: &str, password: &str) -> anyhow::Result<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1 AND u.active = TRUE");
    let row = sqlx::query(&sql).bind(username).fetch_optional(db.pool()).await.context("looking up user")?;
    let (user, phc) = match &row {
        Some(r) => (Some(Account::from_row(r)?), r.try_get::<String, _>("password_hash")?),
        None => (None, dummy_hash().to_string()),
    };
    // argon2 is deliberately slow: keep it off the async workers.
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.context("verifying password")?;
    Ok(if ok { user } else { None })
}

/// Opens a session and returns the token for the cookie, ending the session `replacing` (the
/// cookie the browser signed in with, if any): a session id is never carried across a sign-in.
pub async fn create_session(db: &Db, user_id: &str, ttl_hours: i64, user_agent: Option<&str>, replacing: Option<&str>) -> anyhow::Result<String> {
    let _turn = db.write_turn().await;
    let mut tx = db.pool().begin().await?;
    if let Some(old) = replacing {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(old)).execute(&mut *tx).await.context("ending the old session")?;
    }
    let token = insert_session(&mut tx, user_id, ttl_hours, user_agent).await?;
    tx.commit().await?;
    Ok(token)
}

/// Stores a new session with a fresh random token and returns the token. Only the token's hash is
/// stored, so a leaked database holds no usable session.
async fn insert_session(tx: &mut sqlx::Transaction<'_, sqlx::Any>, user_id: &str, ttl_hours: i64, user_agent: Option<&str>) -> anyhow::Result<String> {
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
        .execute(&mut **tx)
        .await
        .context("storing session")?;
    Ok(token)
}

/// The user behind a session token, if the session is unexpired and the user active.
#[tracing::instrument(skip_all)]
pub async fn session_user(db: &Db, token: &str) -> anyhow::Result<Option<Account>> {
    let sql = format!(
        "SELECT {ACCOUNT_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = TRUE"
    );
    let row = sqlx::query(&sql).bind(token_hash(token)).bind(now_ms()).fetch_optional(db.pool()).await.context("looking up session")?;
    row.as_ref().map(Account::from_row).transpose()
}

/// Replaces a user's password, clears the forced change and ends all their sessions, the one
/// that asked included; returns the token of the new session that replaces it.
pub async fn change_password(db: &Db, user_id: &str, new_password: &str, ttl_hours: i64, user_agent: Option<&str>) -> anyhow::Result<String> {
    let hash = hash_password(new_password)?;
    let _turn = db.write_turn().await;
    let mut tx = db.pool().begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = FALSE WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .context("updating password")?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await.context("ending the sessions")?;
    let token = insert_session(&mut tx, user_id, ttl_hours, user_agent).await?;
    // The password itself never goes into the log, only the fact.
    let actor = crate::audit::Actor { user_id, device: None };
    let change = crate::audit::Change { entity: "user", entity_id: user_id, field: "password", old: None, new: None };
    crate::audit::record(&mut tx, &actor, change).await?;
    tx.commit().await?;
    Ok(token)
}

/// Checks a password against the user's stored hash (for the password change).
pub async fn verify_user_password(db: &Db, user_id: &str, password: &str) -> anyhow::Result<bool> {
    let phc: String = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db.pool())
        .await
        .context("reading password hash")?
        .try_get("password_hash")?;
    let password = password.to_string();
    tokio::task::spawn_blocking(move || verify_password(&password, &phc)).await.context("verifying password")
}

/// Ends every session of a user: "sign out on every device", recorded in the audit log as done
/// by `actor`. Returns how many sessions ended.
pub async fn delete_user_sessions(db: &Db, actor: &crate::audit::Actor<'_>, user_id: &str) -> anyhow::Result<u64> {
    let _turn = db.write_turn().await;
    let mut tx = db.pool().begin().await?;
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await.context("ending sessions")?;
    let ended = done.rows_affected().to_string();
    let change = crate::audit::Change { entity: "user", entity_id: user_id, field: "sessions", old: Some(&ended), new: Some("0") };
    crate::audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Failed sign-ins allowed per account, and per client address, within [`THROTTLE_WINDOW_MS`].
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// The throttling keys of a sign-in attempt: the account name (known or not: an unknown name is
/// throttled just like a real one, so throttling reveals nothing) and the client address.
pub fn throttle_keys(username: &str, addr: Option<std::net::IpAddr>) -> (String, Option<String>) {
    (format!("user:{}", username.to_lowercase()), addr.map(|a| format!("addr:{a}")))
}

pub async fn is_throttled(db: &Db, account: &str, address: Option<&str>) -> anyhow::Result<bool> {
    let since = now_ms() - THROTTLE_WINDOW_MS;
    let count = |key: String| async move {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM login_failures WHERE key = $1 AND failed_at > $2")
            .bind(key)
            .bind(since)
            .fetch_one(db.pool())
            .await?
            .try_get("n")?;
        anyhow::Ok(n)
    };
    if count(account.to_string()).await? >= MAX_FAILURES_PER_ACCOUNT {
        return Ok(true);
    }
    match address {
        Some(a) => Ok(count(a.to_string()).await? >= MAX_FAILURES_PER_ADDRESS),
        None => Ok(false),
    }
}

pub async fn record_failure(db: &Db, account: &str, address: Option<&str>) -> anyhow::Result<()> {
    let now = now_ms();
    let _turn = db.write_turn().await;
    let mut tx = db.pool().begin().await?;
    for key in std::iter::once(account).chain(address) {
        sqlx::query("INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)").bind(key).bind(now).execute(&mut *tx).await?;
    }
    // Forget what is older than the window, so the table stays small.
    sqlx::query("DELETE FROM login_failures WHERE failed_at < $1").bind(now - THROTTLE_WINDOW_MS).execute(&mut *tx).await?;
    tx.commit().await.context("recording a failed sign-in")
}

pub async fn clear_failures(db: &Db, account: &str) -> anyhow::Result<()> {
    let _turn = db.write_turn().await;
    sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(account).execute(db.pool()).await?;
    Ok(())
}

pub async fn delete_session(db: &Db, token: &str) -> anyhow::Result<()> {
    let _turn = db.write_turn().await;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(db.pool()).await.context("deleting session")?;
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
    fn common_passwords_and_the_username_are_refused_case_insensitively() {
        assert!(COMMON_PASSWORDS.len() >= 30_000, "{}", COMMON_PASSWORDS.len());
        assert_eq!(password_problem("rep1", "1234567890"), Some(SignInError::PasswordCommon));
        assert_eq!(password_problem("rep1", "QwertyUIOP"), Some(SignInError::PasswordCommon));
        assert_eq!(password_problem("rep1", "woaini1314"), Some(SignInError::PasswordCommon));
        assert_eq!(password_problem("zhangwei01", "ZhangWei01"), Some(SignInError::PasswordIsUsername));
        assert_eq!(password_problem("rep1", "a much better one"), None);
        assert_eq!(password_problem("rep1", "客道客道客道客道客道"), None);
    }

    #[test]
    fn token_hashes_are_stable_and_distinct() {
        assert_eq!(token_hash("a"), token_hash("a"));
        assert_ne!(token_hash("a"), token_hash("b"));
        assert_eq!(token_hash("a").len(), 64);
    }
}
