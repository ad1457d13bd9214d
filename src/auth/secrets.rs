//! Random secrets (refresh tokens, activation codes, the generated JWT secret) and their
//! stored hashes.

use crate::domain::credentials::{ACTIVATION_ALPHABET, ACTIVATION_CODE_LEN};
use base64::Engine;
use rand::Rng;
use rand::distr::{Distribution, Uniform};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A new refresh token: 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A new activation code of unambiguous characters.
pub fn new_activation_code() -> String {
    let mut rng = rand::rng();
    let pick = Uniform::new(0, ACTIVATION_ALPHABET.len()).unwrap_or_else(|_| unreachable!());
    (0..ACTIVATION_CODE_LEN)
        .map(|_| char::from(ACTIVATION_ALPHABET[pick.sample(&mut rng)]))
        .collect()
}

/// SHA-256 of a high-entropy token (refresh tokens): enough, since the token itself is random.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The refresh token that follows `used_hash` (the SHA-256 of the token being exchanged):
/// HMAC-SHA256 under a server key. Deriving it instead of drawing it at random lets a refresh
/// retried within the grace window (its answer lost) get the very same new token without
/// the service ever storing a refresh token, plain or encrypted: only its hash is kept, and
/// without the key nobody can compute a successor from a stolen old token.
pub fn successor_refresh_token(key: &SecretString, used_hash: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.expose_secret().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"refresh-successor\0");
    mac.update(used_hash.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Keyed hash of a short code (activation codes): a leaked table alone does not let anyone
/// test codes offline, because the key lives outside the database.
pub fn hash_code(key: &SecretString, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(key.expose_secret().as_bytes());
    h.update([0u8]);
    h.update(code.as_bytes());
    hex::encode(h.finalize())
}

/// Reads the JWT secret kept in `dir`, creating it (mode 0600) when absent.
pub fn load_or_create_secret(dir: &Path) -> std::io::Result<(SecretString, bool)> {
    let path = dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_owned();
        if existing.len() >= 32 {
            return Ok((SecretString::from(existing), false));
        }
    }
    std::fs::create_dir_all(dir)?;
    let mut bytes = [0u8; 48];
    rand::rng().fill(&mut bytes);
    let secret = hex::encode(bytes);
    write_private(&path, &secret)?;
    Ok((SecretString::from(secret), true))
}

/// Writes a file only its owner can read (mode 0600).
#[cfg(unix)]
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(content.as_bytes())
}

/// Writes a file (no POSIX modes on this platform).
#[cfg(not(unix))]
pub fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    std::fs::write(path, content)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::credentials::normalize_activation_code;

    #[test]
    fn codes_use_the_alphabet_and_normalise_to_themselves() {
        for _ in 0..100 {
            let code = new_activation_code();
            assert_eq!(normalize_activation_code(&code), Some(code.clone()));
        }
        assert_eq!(new_refresh_token().len(), 43);
        assert_ne!(new_refresh_token(), new_refresh_token());
    }

    #[test]
    fn successors_are_keyed_and_deterministic() {
        let k1 = SecretString::from("k".repeat(40));
        let k2 = SecretString::from("x".repeat(40));
        let h = hash_token("old");
        let s = successor_refresh_token(&k1, &h);
        assert_eq!(s, successor_refresh_token(&k1, &h));
        assert_eq!(s.len(), 43);
        assert_ne!(s, successor_refresh_token(&k2, &h), "depends on the key");
        assert_ne!(s, successor_refresh_token(&k1, &hash_token("other")));
    }

    #[test]
    fn secret_file_is_created_once() {
        let dir = tempfile::tempdir().unwrap();
        let (a, created) = load_or_create_secret(dir.path()).unwrap();
        assert!(created);
        let (b, created) = load_or_create_secret(dir.path()).unwrap();
        assert!(!created);
        assert_eq!(a.expose_secret(), b.expose_secret());
    }
}
