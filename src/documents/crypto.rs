//! Encryption at rest: every document under its own random data key (AES-256-GCM in STREAM
//! chunks of 64 KiB, so memory does not grow with the file), the data key wrapped by a master
//! key that has an id, so master keys can be rotated.
//!
//! Blob layout: `SVSD` + version byte `1` + 7-byte STREAM nonce, then the chunks, each
//! `64 KiB + 16` bytes of ciphertext except the last (which may be shorter). The document id is
//! the associated data of every chunk and of the wrapped key, so a blob or a key moved to
//! another document does not decrypt.

use aead_stream::{NewStream, StreamBE32, StreamPrimitive};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// Plaintext bytes per STREAM chunk.
pub const CHUNK: usize = 64 * 1024;
/// GCM tag length.
const TAG: usize = 16;
/// Blob header: magic, version, STREAM nonce.
const MAGIC: &[u8; 5] = b"SVSD1";
const NONCE_LEN: usize = 7;
/// Length of the header in front of the first chunk.
pub const HEADER: usize = MAGIC.len() + NONCE_LEN;

/// What went wrong decrypting (never says which byte: tampering, truncation, wrong key).
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("unknown master key id {0}")]
    UnknownKey(String),
    #[error("the stored document does not decrypt (damaged, truncated or the wrong key)")]
    Corrupt,
}

/// One 256-bit master key and its id (the first 8 hex digits of its SHA-256).
#[derive(Clone)]
struct MasterKey {
    id: String,
    key: Key<Aes256Gcm>,
}

impl MasterKey {
    fn from_bytes(bytes: [u8; 32]) -> Self {
        let id = hex::encode(&Sha256::digest(bytes)[..4]);
        Self {
            id,
            key: Key::<Aes256Gcm>::from(bytes),
        }
    }
}

/// Parses a master key written as 64 hex digits or as base64 of 32 bytes.
pub fn parse_master_key(s: &str) -> Result<[u8; 32], String> {
    let s = s.trim();
    let bytes = if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        hex::decode(s).map_err(|e| e.to_string())?
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s))
            .map_err(|_| "must be 32 bytes as 64 hex digits or base64".to_owned())?
    };
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| "must be 32 bytes (64 hex digits or base64)".to_owned())
}

/// The current master key (new documents) and older ones (still readable).
#[derive(Clone)]
pub struct Keyring {
    current: MasterKey,
    old: HashMap<String, MasterKey>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current.id)
            .field("old", &self.old.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// A data key wrapped by a master key, as stored in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    /// Id of the master key that wrapped it.
    pub key_id: String,
    /// base64 of nonce (12 bytes) ‖ ciphertext and tag (48 bytes).
    pub wrapped: String,
}

fn wrap_aad(doc_id: &str) -> Vec<u8> {
    let mut aad = b"svs-data-key:".to_vec();
    aad.extend_from_slice(doc_id.as_bytes());
    aad
}

impl Keyring {
    /// A keyring from the current key and any number of older ones.
    pub fn new(current: [u8; 32], old: &[[u8; 32]]) -> Self {
        let current = MasterKey::from_bytes(current);
        let old = old
            .iter()
            .map(|k| MasterKey::from_bytes(*k))
            .filter(|k| k.id != current.id)
            .map(|k| (k.id.clone(), k))
            .collect();
        Self { current, old }
    }

    /// Id of the key new documents are wrapped with.
    pub fn current_id(&self) -> &str {
        &self.current.id
    }

    fn find(&self, id: &str) -> Result<&MasterKey, CryptoError> {
        if self.current.id == id {
            return Ok(&self.current);
        }
        self.old
            .get(id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))
    }

    /// A fresh random data key for one document, and its wrapped form.
    pub fn new_data_key(&self, doc_id: &str) -> Result<(DataKey, WrappedKey), CryptoError> {
        let mut bytes = [0u8; 32];
        rand::rng().fill(&mut bytes);
        let key = DataKey(Key::<Aes256Gcm>::from(bytes));
        let wrapped = self.wrap(&key, doc_id)?;
        Ok((key, wrapped))
    }

    fn wrap(&self, key: &DataKey, doc_id: &str) -> Result<WrappedKey, CryptoError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill(&mut nonce);
        let ct = Aes256Gcm::new(&self.current.key)
            .encrypt(
                &aes_gcm::aead::Nonce::<Aes256Gcm>::from(nonce),
                Payload {
                    msg: key.0.as_slice(),
                    aad: &wrap_aad(doc_id),
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        Ok(WrappedKey {
            key_id: self.current.id.clone(),
            wrapped: base64::engine::general_purpose::STANDARD.encode(out),
        })
    }

    /// The data key of a document.
    pub fn unwrap(&self, wrapped: &WrappedKey, doc_id: &str) -> Result<DataKey, CryptoError> {
        let master = self.find(&wrapped.key_id)?;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&wrapped.wrapped)
            .map_err(|_| CryptoError::Corrupt)?;
        if raw.len() != 12 + 32 + TAG {
            return Err(CryptoError::Corrupt);
        }
        let nonce: [u8; 12] = raw[..12].try_into().map_err(|_| CryptoError::Corrupt)?;
        let plain = Aes256Gcm::new(&master.key)
            .decrypt(
                &aes_gcm::aead::Nonce::<Aes256Gcm>::from(nonce),
                Payload {
                    msg: &raw[12..],
                    aad: &wrap_aad(doc_id),
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        let bytes: [u8; 32] = plain
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::Corrupt)?;
        Ok(DataKey(Key::<Aes256Gcm>::from(bytes)))
    }

    /// The same data key wrapped by the current master key (rotation); `None` when it already is.
    pub fn rewrap(
        &self,
        wrapped: &WrappedKey,
        doc_id: &str,
    ) -> Result<Option<WrappedKey>, CryptoError> {
        if wrapped.key_id == self.current.id {
            return Ok(None);
        }
        let key = self.unwrap(wrapped, doc_id)?;
        self.wrap(&key, doc_id).map(Some)
    }
}

/// One document's data key. Never stored unwrapped.
pub struct DataKey(Key<Aes256Gcm>);

type Stream = StreamBE32<Aes256Gcm>;

/// Encrypts a document as it arrives: feed plaintext, take ciphertext. Holds at most one chunk.
pub struct Encryptor {
    stream: Stream,
    aad: Vec<u8>,
    position: u32,
    pending: Vec<u8>,
    header: Option<Vec<u8>>,
}

impl Encryptor {
    /// Starts the blob of document `doc_id` under `key`.
    pub fn new(key: &DataKey, doc_id: &str) -> Self {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill(&mut nonce);
        let stream = Stream::from_aead(Aes256Gcm::new(&key.0), &nonce.into());
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&nonce);
        Self {
            stream,
            aad: doc_id.as_bytes().to_vec(),
            position: 0,
            pending: Vec::with_capacity(CHUNK),
            header: Some(header),
        }
    }

    /// Adds plaintext; returns the ciphertext that is ready (whole chunks, and the header once).
    /// A full chunk is held back until more data arrives, since the last chunk is marked.
    pub fn update(&mut self, mut data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut out = self.header.take().unwrap_or_default();
        while !data.is_empty() {
            if self.pending.len() == CHUNK {
                out.extend_from_slice(&self.seal(false)?);
            }
            let take = (CHUNK - self.pending.len()).min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
        }
        Ok(out)
    }

    /// The last chunk (possibly empty plaintext, still authenticated).
    pub fn finish(mut self) -> Result<Vec<u8>, CryptoError> {
        let mut out = self.header.take().unwrap_or_default();
        out.extend_from_slice(&self.seal(true)?);
        Ok(out)
    }

    fn seal(&mut self, last: bool) -> Result<Vec<u8>, CryptoError> {
        let ct = self
            .stream
            .encrypt(
                self.position,
                last,
                Payload {
                    msg: &self.pending,
                    aad: &self.aad,
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        self.position = self.position.checked_add(1).ok_or(CryptoError::Corrupt)?;
        self.pending.clear();
        Ok(ct)
    }
}

/// Decrypts a blob as it is read: feed ciphertext, take plaintext. Holds at most one chunk;
/// `finish` fails unless the marked last chunk was seen (truncation is detected).
pub struct Decryptor {
    key: Key<Aes256Gcm>,
    stream: Option<Stream>,
    aad: Vec<u8>,
    position: u32,
    buf: Vec<u8>,
}

impl Decryptor {
    /// Starts reading the blob of document `doc_id`.
    pub fn new(key: &DataKey, doc_id: &str) -> Self {
        Self {
            key: key.0,
            stream: None,
            aad: doc_id.as_bytes().to_vec(),
            position: 0,
            buf: Vec::new(),
        }
    }

    /// Adds ciphertext; returns the plaintext of every chunk known not to be the last.
    pub fn update(&mut self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.buf.extend_from_slice(data);
        if self.stream.is_none() {
            if self.buf.len() < HEADER {
                return Ok(Vec::new());
            }
            if &self.buf[..MAGIC.len()] != MAGIC {
                return Err(CryptoError::Corrupt);
            }
            let nonce: [u8; NONCE_LEN] = self.buf[MAGIC.len()..HEADER]
                .try_into()
                .map_err(|_| CryptoError::Corrupt)?;
            self.stream = Some(Stream::from_aead(Aes256Gcm::new(&self.key), &nonce.into()));
            self.buf.drain(..HEADER);
        }
        let mut out = Vec::new();
        // Strictly more than one sealed chunk: the one held may be the last.
        while self.buf.len() > CHUNK + TAG {
            let plain = self.open(CHUNK + TAG, false)?;
            out.extend_from_slice(&plain);
        }
        Ok(out)
    }

    /// The plaintext of the last chunk; fails if the blob ended early or was changed.
    pub fn finish(mut self) -> Result<Vec<u8>, CryptoError> {
        if self.stream.is_none() || self.buf.len() < TAG {
            return Err(CryptoError::Corrupt);
        }
        let n = self.buf.len();
        self.open(n, true)
    }

    fn open(&mut self, n: usize, last: bool) -> Result<Vec<u8>, CryptoError> {
        let stream = self.stream.as_ref().ok_or(CryptoError::Corrupt)?;
        let plain = stream
            .decrypt(
                self.position,
                last,
                Payload {
                    msg: &self.buf[..n],
                    aad: &self.aad,
                },
            )
            .map_err(|_| CryptoError::Corrupt)?;
        self.buf.drain(..n);
        self.position = self.position.checked_add(1).ok_or(CryptoError::Corrupt)?;
        Ok(plain)
    }
}

/// The master key from settings, or the one kept in the data directory (created once, like
/// the JWT secret). Returns the key and whether it was generated now.
pub fn load_or_create_master_key(
    configured: Option<&SecretString>,
    dir: &Path,
) -> anyhow::Result<([u8; 32], bool)> {
    if let Some(s) = configured {
        return parse_master_key(s.expose_secret())
            .map(|k| (k, false))
            .map_err(|e| anyhow::anyhow!("DOCUMENTS_MASTER_KEY {e}"));
    }
    let path = dir.join("documents-master-key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return parse_master_key(&existing)
            .map(|k| (k, false))
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    std::fs::create_dir_all(dir)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    crate::auth::secrets::write_private(&path, &hex::encode(bytes))?;
    Ok((bytes, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring::new([7u8; 32], &[])
    }

    fn seal_all(key: &DataKey, id: &str, data: &[u8], piece: usize) -> Vec<u8> {
        let mut e = Encryptor::new(key, id);
        let mut out = Vec::new();
        for p in data.chunks(piece.max(1)) {
            out.extend(e.update(p).unwrap());
        }
        out.extend(e.finish().unwrap());
        out
    }

    fn open_all(
        key: &DataKey,
        id: &str,
        blob: &[u8],
        piece: usize,
    ) -> Result<Vec<u8>, CryptoError> {
        let mut d = Decryptor::new(key, id);
        let mut out = Vec::new();
        for p in blob.chunks(piece.max(1)) {
            out.extend(d.update(p)?);
        }
        out.extend(d.finish()?);
        Ok(out)
    }

    #[test]
    fn round_trips_at_every_boundary() {
        let r = ring();
        let (key, _) = r.new_data_key("doc").unwrap();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            for piece in [1000, CHUNK, 7 * CHUNK] {
                let blob = seal_all(&key, "doc", &data, piece);
                let chunks = len.div_ceil(CHUNK).max(1);
                assert_eq!(blob.len(), HEADER + len + TAG * chunks);
                assert_eq!(
                    open_all(&key, "doc", &blob, 4096).unwrap(),
                    data,
                    "len {len}"
                );
            }
        }
    }

    #[test]
    fn tampering_truncation_reordering_and_wrong_ids_are_refused() {
        let r = ring();
        let (key, _) = r.new_data_key("doc").unwrap();
        let data = vec![42u8; 2 * CHUNK + 5];
        let blob = seal_all(&key, "doc", &data, CHUNK);
        let mut flipped = blob.clone();
        flipped[HEADER + 10] ^= 1;
        assert!(open_all(&key, "doc", &flipped, 999).is_err());
        // Cut after whole chunks: every remaining chunk is genuine, but the last mark is gone.
        assert!(open_all(&key, "doc", &blob[..HEADER + 2 * (CHUNK + TAG)], 999).is_err());
        let mut swapped = blob[..HEADER].to_vec();
        swapped.extend_from_slice(&blob[HEADER + CHUNK + TAG..HEADER + 2 * (CHUNK + TAG)]);
        swapped.extend_from_slice(&blob[HEADER..HEADER + CHUNK + TAG]);
        swapped.extend_from_slice(&blob[HEADER + 2 * (CHUNK + TAG)..]);
        assert!(open_all(&key, "doc", &swapped, 999).is_err());
        assert!(open_all(&key, "other-doc", &blob, 999).is_err());
        let (other, _) = r.new_data_key("doc").unwrap();
        assert!(open_all(&other, "doc", &blob, 999).is_err());
    }

    #[test]
    fn wrapped_keys_follow_rotation() {
        let old = Keyring::new([1u8; 32], &[]);
        let (key, wrapped) = old.new_data_key("doc").unwrap();
        let blob = seal_all(&key, "doc", b"payslip", 10);
        // The new key is current, the old one stays readable.
        let rotated = Keyring::new([2u8; 32], &[[1u8; 32]]);
        assert_ne!(rotated.current_id(), wrapped.key_id);
        let k = rotated.unwrap(&wrapped, "doc").unwrap();
        assert_eq!(open_all(&k, "doc", &blob, 3).unwrap(), b"payslip");
        // Re-wrapped under the new key, the old key is no longer needed.
        let again = rotated.rewrap(&wrapped, "doc").unwrap().unwrap();
        assert_eq!(again.key_id, rotated.current_id());
        assert!(rotated.rewrap(&again, "doc").unwrap().is_none());
        let only_new = Keyring::new([2u8; 32], &[]);
        let k = only_new.unwrap(&again, "doc").unwrap();
        assert_eq!(open_all(&k, "doc", &blob, 3).unwrap(), b"payslip");
        assert!(matches!(
            only_new.unwrap(&wrapped, "doc"),
            Err(CryptoError::UnknownKey(_))
        ));
        // A wrapped key moved to another document does not open.
        assert!(only_new.unwrap(&again, "doc2").is_err());
    }

    #[test]
    fn master_keys_parse_from_hex_and_base64() {
        let hex = "00".repeat(32);
        assert_eq!(parse_master_key(&hex).unwrap(), [0u8; 32]);
        let b64 = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
        assert_eq!(parse_master_key(&b64).unwrap(), [9u8; 32]);
        assert!(parse_master_key("short").is_err());
        assert!(parse_master_key(&"ab".repeat(31)).is_err());
    }

    #[test]
    fn a_generated_master_key_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (a, created) = load_or_create_master_key(None, dir.path()).unwrap();
        assert!(created);
        let (b, created) = load_or_create_master_key(None, dir.path()).unwrap();
        assert!(!created);
        assert_eq!(a, b);
    }
}
