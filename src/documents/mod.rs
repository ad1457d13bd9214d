//! Documents as evidence: checking what arrives ([`content`]), encryption at rest
//! ([`crypto`]) and the blob store ([`store`]), brought together in [`Documents`].

pub mod content;
pub mod crypto;
pub mod store;
pub mod uploads;

use crate::config::{DocumentStoreKind, Settings};
use crate::db::{self, DbPool};
use bytes::Bytes;
use crypto::{DataKey, Decryptor, Encryptor, Keyring, WrappedKey};
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use secrecy::ExposeSecret;
use store::{BlobStore, BlobWriter, S3Config, StoreError};

/// Limits of uploads.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file as sent, in bytes.
    pub max_file_bytes: u64,
    /// Most bytes of documents per plan.
    pub max_plan_bytes: u64,
    /// Largest photo decoded, in pixels.
    pub max_pixels: u64,
    /// How long an unfinished resumable upload is kept after its last piece.
    pub upload_ttl: std::time::Duration,
}

/// The document service of one instance: keys, store and limits.
#[derive(Clone)]
pub struct Documents {
    pub store: BlobStore,
    pub keys: Keyring,
    pub limits: Limits,
    /// Photo decodes at once (each may hold tens of MiB of pixels).
    pub decode_slots: std::sync::Arc<tokio::sync::Semaphore>,
    /// Where a photo waits for its decode, in a file without a name (`O_TMPFILE`), so the
    /// bytes of many photos arriving at once are not all held in memory.
    pub tmp_dir: std::path::PathBuf,
}

/// Failure of the document machinery (storage or crypto).
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] crypto::CryptoError),
}

/// The blob key of a document: its id only, never anything the resident chose.
pub fn blob_key(doc_id: &str) -> String {
    format!("documents/{doc_id}")
}

impl Documents {
    /// Builds the service from settings: the store, and the master key (generated into the
    /// data directory when unset, like the JWT secret).
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let dir = settings.data_dir();
        let (current, created) =
            crypto::load_or_create_master_key(settings.documents_master_key.as_ref(), &dir)?;
        if created {
            tracing::warn!(
                path = %dir.join("documents-master-key").display(),
                "DOCUMENTS_MASTER_KEY is not set; generated one in the data directory. \
                 Back it up: without it no document can be read."
            );
        }
        let mut old = Vec::new();
        if let Some(list) = &settings.documents_old_keys {
            for part in list
                .expose_secret()
                .split(',')
                .filter(|p| !p.trim().is_empty())
            {
                old.push(
                    crypto::parse_master_key(part)
                        .map_err(|e| anyhow::anyhow!("DOCUMENTS_OLD_KEYS: a key {e}"))?,
                );
            }
        }
        let store = match settings.documents_store {
            DocumentStoreKind::Folder => {
                let folder = settings
                    .documents_dir
                    .clone()
                    .unwrap_or_else(|| dir.join("documents"));
                BlobStore::folder(&folder)
                    .map_err(|e| anyhow::anyhow!("DOCUMENTS_DIR {}: {e}", folder.display()))?
            }
            DocumentStoreKind::S3 => BlobStore::s3(&S3Config {
                bucket: settings
                    .documents_s3_bucket
                    .clone()
                    .ok_or_else(|| anyhow::anyhow!("DOCUMENTS_S3_BUCKET is not set"))?,
                endpoint: settings.documents_s3_endpoint.clone(),
                region: settings.documents_s3_region.clone(),
                access_key_id: settings.documents_s3_access_key_id.clone(),
                secret_access_key: settings.documents_s3_secret_access_key.clone(),
            })
            .map_err(|e| anyhow::anyhow!("DOCUMENTS_STORE=s3: {e}"))?,
        };
        let tmp_dir = dir.join("tmp");
        std::fs::create_dir_all(&tmp_dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", tmp_dir.display()))?;
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Ok(Self {
            store,
            keys: Keyring::new(current, &old),
            limits: Limits {
                max_file_bytes: settings.documents_max_file_bytes,
                max_plan_bytes: settings.documents_max_plan_bytes,
                max_pixels: settings.documents_max_pixels,
                upload_ttl: settings.documents_upload_ttl,
            },
            decode_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(cores.clamp(1, 4))),
            tmp_dir,
        })
    }

    /// Starts an encrypted blob for a new document.
    pub async fn writer(&self, doc_id: &str) -> Result<SealedWriter, DocumentError> {
        let (key, wrapped) = self.keys.new_data_key(doc_id)?;
        let blob_key = blob_key(doc_id);
        let inner = self.store.writer(&blob_key).await?;
        Ok(SealedWriter {
            enc: Encryptor::new(&key, doc_id),
            inner,
            wrapped,
            blob_key,
        })
    }

    fn data_key(
        &self,
        doc_id: &str,
        key_id: &str,
        wrapped: &str,
    ) -> Result<DataKey, DocumentError> {
        Ok(self.keys.unwrap(
            &WrappedKey {
                key_id: key_id.to_owned(),
                wrapped: wrapped.to_owned(),
            },
            doc_id,
        )?)
    }

    /// The decrypted content of a document, as a stream (at most one chunk in memory). A
    /// damaged blob ends the stream with an error rather than sending unverified bytes.
    pub async fn open(
        &self,
        doc: &db::documents::DocumentRow,
    ) -> Result<BoxStream<'static, Result<Bytes, DocumentError>>, DocumentError> {
        let key = self.data_key(&doc.id, &doc.key_id, &doc.wrapped_key)?;
        let dec = Decryptor::new(&key, &doc.id);
        let blob = self.store.get(&doc.blob_key).await?;
        let state = (blob, Some(dec));
        Ok(
            futures_util::stream::unfold(state, |(mut blob, dec)| async move {
                let mut dec = dec?;
                loop {
                    match blob.next().await {
                        Some(Ok(chunk)) => match dec.update(&chunk) {
                            Ok(p) if p.is_empty() => continue,
                            Ok(p) => return Some((Ok(Bytes::from(p)), (blob, Some(dec)))),
                            Err(e) => return Some((Err(e.into()), (blob, None))),
                        },
                        Some(Err(e)) => return Some((Err(e.into()), (blob, None))),
                        None => {
                            return Some((
                                dec.finish().map(Bytes::from).map_err(Into::into),
                                (blob, None),
                            ));
                        }
                    }
                }
            })
            .boxed(),
        )
    }

    /// The decrypted content of a document, whole (for the handover archive, one at a time).
    pub async fn read_all(
        &self,
        doc: &db::documents::DocumentRow,
    ) -> Result<Vec<u8>, DocumentError> {
        let mut s = self.open(doc).await?;
        let mut out = Vec::with_capacity(usize::try_from(doc.size_bytes).unwrap_or(0));
        while let Some(c) = s.next().await {
            out.extend_from_slice(&c?);
        }
        Ok(out)
    }

    /// Deletes queued blobs whose rows are gone (after erasure, retention or a resident's
    /// delete). Failures stay queued and are retried with back-off. Returns how many went.
    pub async fn sweep_deletions(&self, pool: &DbPool) -> anyhow::Result<usize> {
        let mut done = 0;
        loop {
            let due = db::run(pool, |conn| {
                Ok(db::documents::list_due_deletions(conn, 100)?)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if due.is_empty() {
                return Ok(done);
            }
            let mut progressed = false;
            for row in due {
                let result = self.store.delete(&row.blob_key).await;
                let ok = result.is_ok();
                db::run(pool, move |conn| {
                    match result {
                        Ok(()) => db::documents::finish_deletion(conn, &row.id)?,
                        Err(e) => {
                            tracing::warn!(error = %e, "deleting a document blob failed; retried later");
                            db::documents::retry_deletion(conn, &row, &e.to_string())?
                        }
                    }
                    Ok(())
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                if ok {
                    done += 1;
                    progressed = true;
                }
            }
            if !progressed {
                return Ok(done);
            }
        }
    }

    /// Prunes expired uploads and sweeps the deletion queue every `tick`, forever.
    pub async fn run_sweeper(self, pool: DbPool, tick: std::time::Duration) {
        let mut interval = tokio::time::interval(tick);
        loop {
            interval.tick().await;
            if let Err(e) = self.prune_uploads(&pool).await {
                tracing::warn!(error = %e, "pruning expired uploads failed");
            }
            if let Err(e) = self.sweep_deletions(&pool).await {
                tracing::warn!(error = %e, "document deletion sweep failed");
            }
        }
    }

    /// Re-wraps every data key that an older master key wrapped, under the current one. The
    /// blobs are not touched (their data keys stay the same). Returns how many changed.
    pub fn rewrap_all(&self, conn: &mut db::DbConn) -> anyhow::Result<usize> {
        let mut n = 0;
        loop {
            let rows = db::documents::list_wrapped_by_other(conn, self.keys.current_id(), 200)?;
            if rows.is_empty() {
                return Ok(n);
            }
            for row in rows {
                let w = WrappedKey {
                    key_id: row.key_id.clone(),
                    wrapped: row.wrapped_key.clone(),
                };
                let new = self.keys.rewrap(&w, &row.id).map_err(|e| {
                    anyhow::anyhow!(
                        "document {}: {e} (is its old key in DOCUMENTS_OLD_KEYS?)",
                        row.id
                    )
                })?;
                if let Some(new) = new {
                    db::documents::update_wrapped_key(conn, &row.id, &new.key_id, &new.wrapped)?;
                    n += 1;
                }
            }
        }
    }
}

/// An encrypted blob being written.
pub struct SealedWriter {
    enc: Encryptor,
    inner: BlobWriter,
    /// The document's wrapped data key (to store in its row).
    pub wrapped: WrappedKey,
    /// Where the blob goes.
    pub blob_key: String,
}

impl SealedWriter {
    /// Encrypts and writes plaintext.
    pub async fn write(&mut self, plain: &[u8]) -> Result<(), DocumentError> {
        let ct = self.enc.update(plain)?;
        if !ct.is_empty() {
            self.inner.write(&ct).await?;
        }
        Ok(())
    }

    /// Seals the last chunk and completes the blob; returns the wrapped key and blob key.
    pub async fn finish(self) -> Result<(WrappedKey, String), DocumentError> {
        let SealedWriter {
            enc,
            mut inner,
            wrapped,
            blob_key,
        } = self;
        let ct = enc.finish()?;
        inner.write(&ct).await?;
        inner.finish().await?;
        Ok((wrapped, blob_key))
    }

    /// Drops the partial blob.
    pub async fn abort(self) {
        if let Err(e) = self.inner.abort().await {
            tracing::warn!(error = %e, "aborting a partial document blob failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn round_trip(store: BlobStore) {
        let docs = Documents {
            store: store.clone(),
            keys: Keyring::new([3u8; 32], &[]),
            limits: Limits {
                max_file_bytes: 1 << 20,
                max_plan_bytes: 1 << 22,
                max_pixels: 1 << 20,
                upload_ttl: std::time::Duration::from_secs(60),
            },
            decode_slots: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
            tmp_dir: std::env::temp_dir(),
        };
        let id = crate::clock::new_id().to_string();
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 7) as u8).collect();
        let mut w = docs.writer(&id).await.unwrap();
        for piece in data.chunks(10_000) {
            w.write(piece).await.unwrap();
        }
        let (wrapped, key) = w.finish().await.unwrap();
        // What lies in the store is not the plaintext.
        let mut raw = Vec::new();
        let mut s = store.get(&key).await.unwrap();
        while let Some(c) = s.next().await {
            raw.extend_from_slice(&c.unwrap());
        }
        assert!(!raw.windows(64).any(|w| w == &data[..64]));
        let row = db::documents::DocumentRow {
            id: id.clone(),
            plan_id: String::new(),
            step_id: String::new(),
            media_type: "application/pdf".into(),
            size_bytes: data.len() as i64,
            sha256: String::new(),
            key_id: wrapped.key_id,
            wrapped_key: wrapped.wrapped,
            blob_key: key.clone(),
            state: "pending".into(),
            review_reason: None,
            reviewed_by: None,
            reviewed_at: None,
            created_at: db::now(),
        };
        assert!(docs.read_all(&row).await.unwrap() == data);
        // A truncated blob is refused, not served in part.
        store
            .put(&key, Bytes::copy_from_slice(&raw[..raw.len() - 100]))
            .await
            .unwrap();
        assert!(docs.read_all(&row).await.is_err());
        store.delete(&key).await.unwrap();
    }

    #[actix_web::test]
    async fn encrypted_round_trip_on_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        round_trip(BlobStore::folder(dir.path()).unwrap()).await;
    }

    #[actix_web::test]
    async fn encrypted_round_trip_on_s3() {
        let Some(cfg) = store::tests::test_s3() else {
            return;
        };
        store::tests::create_bucket(&cfg).await;
        round_trip(BlobStore::s3(&cfg).unwrap()).await;
    }
}
