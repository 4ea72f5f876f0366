//! Encryption at rest of the sensitive fields: phone, ID and bank numbers of customers and
//! contacts. [`Vault`] seals each value with AES-256-GCM (RustCrypto's `aes-gcm`) under the
//! configured key, with a fresh random nonce, and binds it to its place (table, column, record id)
//! as associated data, so a sealed value copied into another row or column does not open.
//!
//! Stored form: `enc:v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`. The key id says which key
//! opens it, so keys can be rotated: configure a new `encryption_key`, move the old one to
//! `previous_encryption_keys`, run `kedao rotate-key` (re-seals every value under the new key and
//! recomputes the blind indexes), then drop the old key. The README walks through it.
//!
//! Equality search (duplicate detection by phone) cannot look inside ciphertexts, so each sealed
//! phone has a *blind index* beside it: HMAC-SHA256 of the normalised number under a key derived
//! from the data key. Lookups compute the index under every configured key, so search works during
//! a rotation too.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::{bail, Context};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::Row;

use crate::db::Db;

const PREFIX: &str = "enc:v1:";
const NONCE_LEN: usize = 12;

/// The built-in key for demo mode only: it is public, so demo data is not protected by it.
const DEMO_KEY: &str = "demo:a2VkYW8tZGVtby1rZXktLW5vdC1hLXNlY3JldCEhISE=";

/// Where a sealed value lives; part of the associated data.
#[derive(Clone, Copy, Debug)]
pub struct Place<'a> {
    pub table: &'static str,
    pub column: &'static str,
    pub id: &'a str,
}

struct Key {
    id: String,
    cipher: Aes256Gcm,
    index_key: [u8; 32],
}

impl Key {
    /// Parses `ID:BASE64` (32 bytes of key material).
    fn parse(spec: &str) -> anyhow::Result<Key> {
        let (id, material) = spec.trim().split_once(':').context("an encryption key looks like ID:BASE64 (generate one with `kedao gen-key`)")?;
        if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            bail!("encryption key id {id:?} must be 1-32 letters, digits, '-' or '_'");
        }
        let bytes = STANDARD.decode(material.trim()).context("the encryption key after ID: is not base64")?;
        if bytes.len() != 32 {
            bail!("encryption key {id:?} has {} bytes; AES-256 needs 32 (generate one with `kedao gen-key`)", bytes.len());
        }
        let cipher = Aes256Gcm::new_from_slice(&bytes).expect("32-byte key");
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&bytes).expect("any key length");
        mac.update(b"kedao blind index v1");
        let index_key = mac.finalize().into_bytes().into();
        Ok(Key { id: id.to_string(), cipher, index_key })
    }
}

/// Seals and opens sensitive values; computes blind indexes.
pub struct Vault {
    current: Key,
    previous: Vec<Key>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("current", &self.current.id).finish_non_exhaustive()
    }
}

/// A value that could not be opened: wrong key, tampered or moved. Never shows the value.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("sealed with key {0:?}, which is not configured (encryption_key / previous_encryption_keys)")]
    UnknownKey(String),
    #[error("does not open with key {0:?}: wrong key, or the value was altered or moved")]
    Corrupt(String),
    #[error("is not a sealed value")]
    Malformed,
}

impl Vault {
    /// `current` is `ID:BASE64`; `previous` a comma-separated list of the same, possibly empty.
    pub fn new(current: &str, previous: &str) -> anyhow::Result<Vault> {
        let current = Key::parse(current)?;
        let previous = previous.split(',').filter(|s| !s.trim().is_empty()).map(Key::parse).collect::<anyhow::Result<Vec<_>>>()?;
        if previous.iter().any(|k| k.id == current.id) {
            bail!("previous_encryption_keys repeats the current key id {:?}", current.id);
        }
        Ok(Vault { current, previous })
    }

    /// The public demo key (demo mode only).
    pub fn demo() -> Vault {
        Vault::new(DEMO_KEY, "").expect("the demo key is valid")
    }

    /// The configured key, or the demo key in demo mode; otherwise a clear error.
    pub fn from_settings(key: &str, previous: &str, demo: bool) -> anyhow::Result<Vault> {
        match key.trim() {
            "" if demo => {
                tracing::warn!("no encryption_key set: demo mode uses the public demo key; never keep real data like this");
                Ok(Vault::new(DEMO_KEY, previous)?)
            }
            "" => bail!(
                "encryption_key is not set: phone, ID and bank numbers are encrypted at rest. \
                 Generate a key with `kedao gen-key` and set KEDAO_ENCRYPTION_KEY (or encryption_key in kedao.toml)"
            ),
            key => Vault::new(key, previous),
        }
    }

    /// A new random key in the `ID:BASE64` form the settings take.
    pub fn generate_key(id: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        format!("{id}:{}", STANDARD.encode(bytes))
    }

    pub fn current_key_id(&self) -> &str {
        &self.current.id
    }

    fn key(&self, id: &str) -> Option<&Key> {
        std::iter::once(&self.current).chain(&self.previous).find(|k| k.id == id)
    }

    fn aad(place: Place<'_>) -> Vec<u8> {
        format!("{}.{}:{}", place.table, place.column, place.id).into_bytes()
    }

    /// Seals `value` for `place` under the current key.
    pub fn seal(&self, place: Place<'_>, value: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let aad = Self::aad(place);
        let sealed = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: value.as_bytes(), aad: &aad })
            .expect("AES-GCM sealing does not fail for short values");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", self.current.id, URL_SAFE_NO_PAD.encode(blob))
    }

    pub fn seal_opt(&self, place: Place<'_>, value: Option<&str>) -> Option<String> {
        value.map(|v| self.seal(place, v))
    }

    /// Opens a value sealed for `place`.
    pub fn open(&self, place: Place<'_>, stored: &str) -> Result<String, OpenError> {
        let rest = stored.strip_prefix(PREFIX).ok_or(OpenError::Malformed)?;
        let (key_id, data) = rest.split_once(':').ok_or(OpenError::Malformed)?;
        let key = self.key(key_id).ok_or_else(|| OpenError::UnknownKey(key_id.to_string()))?;
        let blob = URL_SAFE_NO_PAD.decode(data).map_err(|_| OpenError::Malformed)?;
        if blob.len() < NONCE_LEN + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, sealed) = blob.split_at(NONCE_LEN);
        let aad = Self::aad(place);
        let plain = key.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: &aad }).map_err(|_| OpenError::Corrupt(key_id.to_string()))?;
        String::from_utf8(plain).map_err(|_| OpenError::Corrupt(key_id.to_string()))
    }

    /// Opens an optional column; a value that does not open is an error for the caller to log.
    pub fn open_opt(&self, place: Place<'_>, stored: Option<&str>) -> Result<Option<String>, OpenError> {
        stored.map(|s| self.open(place, s)).transpose()
    }

    /// Whether `stored` is sealed under the current key (otherwise `rotate-key` re-seals it).
    pub fn is_current(&self, stored: &str) -> bool {
        stored.strip_prefix(PREFIX).and_then(|r| r.split_once(':')).is_some_and(|(id, _)| id == self.current.id)
    }

    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// The blind index of a phone number under the current key (hex, 128 bits), or `None` when
    /// the number has no digits.
    pub fn phone_index(&self, phone: &str) -> Option<String> {
        index_with(&self.current, phone)
    }

    /// The phone's blind index under every configured key: what a lookup must match during a
    /// rotation.
    pub fn phone_index_all(&self, phone: &str) -> Vec<String> {
        std::iter::once(&self.current).chain(&self.previous).filter_map(|k| index_with(k, phone)).collect()
    }
}

/// Every sealed column: (table, column, its blind index column if it is searchable).
pub const SEALED_COLUMNS: [(&str, &str, Option<&str>); 4] = [
    ("customers", "phone", Some("phone_bidx")),
    ("customers", "id_number", None),
    ("customers", "bank_account", None),
    ("contacts", "phone", Some("phone_bidx")),
];

const CHECK_PLACE: Place<'static> = Place { table: "app_meta", column: "value", id: "vault_check" };
const CHECK_TEXT: &str = "kedao vault check";

/// At start-up: proves the configured keys open this database's data (a sealed marker in
/// `app_meta`, written on first use), then seals any plaintext left in sensitive columns (rows
/// written before encryption existed). Fails with a clear reason on a wrong key.
pub async fn prepare(db: &Db, vault: &Vault) -> anyhow::Result<()> {
    let row = sqlx::query("SELECT value FROM app_meta WHERE key = 'vault_check'").fetch_optional(db.pool()).await?;
    match row {
        Some(row) => {
            let stored: String = row.try_get("value")?;
            match vault.open(CHECK_PLACE, &stored) {
                Ok(text) if text == CHECK_TEXT => {}
                Ok(_) | Err(OpenError::Malformed) => bail!("the database's encryption marker is damaged"),
                Err(e) => bail!("the configured encryption key cannot read this database: data {e}"),
            }
        }
        None => {
            sqlx::query("INSERT INTO app_meta (key, value) VALUES ('vault_check', $1)").bind(vault.seal(CHECK_PLACE, CHECK_TEXT)).execute(db.pool()).await?;
        }
    }
    let sealed = reseal(db, vault, false).await?;
    if sealed > 0 {
        tracing::info!(values = sealed, "sealed sensitive values that were stored in plaintext");
    }
    Ok(())
}

/// Re-seals under the current key every sensitive value that is not (with `rotate`), or only the
/// plaintext ones (without), recomputing blind indexes. Batches of 500 rows per transaction; a
/// stopped run can simply be started again. Returns the number of values written.
pub async fn reseal(db: &Db, vault: &Vault, rotate: bool) -> anyhow::Result<u64> {
    let mut written = 0;
    for (table, column, index) in SEALED_COLUMNS {
        let filter = if rotate { String::new() } else { format!(" AND {column} NOT LIKE 'enc:%'") };
        let rows = sqlx::query(&format!("SELECT id, {column} AS v FROM {table} WHERE {column} IS NOT NULL{filter}")).fetch_all(db.pool()).await?;
        let mut pending = Vec::new();
        for row in rows {
            let id: String = row.try_get("id")?;
            let stored: String = row.try_get("v")?;
            if vault.is_current(&stored) {
                continue;
            }
            let place = Place { table, column, id: &id };
            let plain =
                if Vault::is_sealed(&stored) { vault.open(place, &stored).map_err(|e| anyhow::anyhow!("{table}.{column} of {id}: {e}"))? } else { stored };
            let bidx = index.and_then(|_| vault.phone_index(&plain));
            pending.push((vault.seal(place, &plain), bidx, id));
        }
        let update = match index {
            Some(ix) => format!("UPDATE {table} SET {column} = $1, {ix} = $2 WHERE id = $3"),
            None => format!("UPDATE {table} SET {column} = $1 WHERE id = $2"),
        };
        for chunk in pending.chunks(500) {
            let mut tx = db.pool().begin().await?;
            for (sealed, bidx, id) in chunk {
                let query = match index {
                    Some(_) => sqlx::query(&update).bind(sealed).bind(bidx.as_deref()),
                    None => sqlx::query(&update).bind(sealed),
                };
                query.bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            written += chunk.len() as u64;
        }
    }
    if rotate {
        sqlx::query("UPDATE app_meta SET value = $1 WHERE key = 'vault_check'").bind(vault.seal(CHECK_PLACE, CHECK_TEXT)).execute(db.pool()).await?;
    }
    Ok(written)
}

fn index_with(key: &Key, phone: &str) -> Option<String> {
    let normalised = kedao_app::domain::privacy::normalize_phone(phone)?;
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&key.index_key).expect("any key length");
    mac.update(normalised.as_bytes());
    let digest = mac.finalize().into_bytes();
    Some(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLACE: Place<'static> = Place { table: "customers", column: "phone", id: "c1" };

    fn vault(id: &str) -> Vault {
        Vault::new(&Vault::generate_key(id), "").unwrap()
    }

    #[test]
    fn sealed_values_open_only_in_their_place_and_only_with_their_key() {
        let v = vault("k1");
        let sealed = v.seal(PLACE, "13812345678");
        assert!(sealed.starts_with("enc:v1:k1:") && !sealed.contains("1381234"));
        assert_ne!(sealed, v.seal(PLACE, "13812345678"), "a fresh nonce every time");
        assert_eq!(v.open(PLACE, &sealed).unwrap(), "13812345678");
        let moved = Place { id: "c2", ..PLACE };
        assert!(matches!(v.open(moved, &sealed), Err(OpenError::Corrupt(_))));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert!(v.open(PLACE, &tampered).is_err());
        assert!(matches!(vault("k2").open(PLACE, &sealed), Err(OpenError::UnknownKey(id)) if id == "k1"));
        assert!(matches!(v.open(PLACE, "13812345678"), Err(OpenError::Malformed)));
    }

    #[test]
    fn a_rotated_vault_opens_old_values_and_seals_new_ones_under_the_new_key() {
        let old_spec = Vault::generate_key("k1");
        let old = Vault::new(&old_spec, "").unwrap();
        let sealed = old.seal(PLACE, "13812345678");
        let new = Vault::new(&Vault::generate_key("k2"), &old_spec).unwrap();
        assert_eq!(new.open(PLACE, &sealed).unwrap(), "13812345678");
        assert!(!new.is_current(&sealed));
        assert!(new.is_current(&new.seal(PLACE, "x")));
        // Lookups during a rotation match rows indexed under either key.
        let all = new.phone_index_all("138-1234-5678");
        assert_eq!(all.len(), 2);
        assert!(all.contains(&old.phone_index("+86 138 1234 5678").unwrap()));
    }

    #[test]
    fn the_demo_key_is_a_valid_key() {
        assert_eq!(Vault::demo().current_key_id(), "demo");
    }

    #[test]
    fn bad_keys_are_refused_with_a_reason() {
        for (spec, expect) in [("nocolon", "ID:BASE64"), ("k1:!!!", "not base64"), ("k1:AAAA", "needs 32"), ("bad id:AAAA", "must be 1-32")] {
            let err = Vault::new(spec, "").unwrap_err().to_string();
            assert!(err.contains(expect), "{spec}: {err}");
        }
        let key = Vault::generate_key("k1");
        assert!(Vault::new(&key, &key).unwrap_err().to_string().contains("repeats"));
        assert!(Vault::from_settings("", "", false).unwrap_err().to_string().contains("gen-key"));
        assert_eq!(Vault::from_settings("", "", true).unwrap().current_key_id(), "demo");
    }
}
