//! The pieces of resumable (tus) uploads, kept in the document store itself under
//! `uploads/<upload id>/`, so every instance behind a load balancer sees them (a folder store
//! is one instance's, or a shared volume). Each piece is encrypted like a document, under the
//! upload's own data key, with the upload id and the piece's offset bound in as associated
//! data: a piece moved to another upload or another place does not decrypt.

use super::crypto::{DataKey, Decryptor, Encryptor, WrappedKey};
use super::{DocumentError, Documents, SealedWriter};
use crate::db::uploads::{UploadPartRow, UploadRow};
use crate::db::{self, DbPool};
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;

/// What the upload's data key is bound to.
fn key_aad(upload_id: &str) -> String {
    format!("upload:{upload_id}")
}

/// What one piece is bound to: its upload and where it starts.
fn part_aad(upload_id: &str, start: i64) -> String {
    format!("upload:{upload_id}@{start}")
}

/// Folder of an upload's pieces in the store.
pub fn upload_prefix(upload_id: &str) -> String {
    format!("uploads/{upload_id}")
}

impl Documents {
    /// A fresh data key for a new upload, wrapped for its row.
    pub fn new_upload_key(&self, upload_id: &str) -> Result<WrappedKey, DocumentError> {
        Ok(self.keys.new_data_key(&key_aad(upload_id))?.1)
    }

    fn upload_key(&self, upload: &UploadRow) -> Result<DataKey, DocumentError> {
        Ok(self.keys.unwrap(
            &WrappedKey {
                key_id: upload.key_id.clone(),
                wrapped: upload.wrapped_key.clone(),
            },
            &key_aad(&upload.id),
        )?)
    }

    /// Starts writing a piece that begins at `start`. Its blob key is new each time, so two
    /// requests racing for the same offset never write over each other.
    pub async fn part_writer(
        &self,
        upload: &UploadRow,
        start: i64,
    ) -> Result<SealedWriter, DocumentError> {
        let key = self.upload_key(upload)?;
        let blob_key = format!(
            "{}/{start}-{}",
            upload_prefix(&upload.id),
            uuid::Uuid::new_v4().simple()
        );
        let inner = self.store.writer(&blob_key).await?;
        Ok(SealedWriter {
            enc: Encryptor::new(&key, &part_aad(&upload.id, start)),
            inner,
            wrapped: WrappedKey {
                key_id: upload.key_id.clone(),
                wrapped: upload.wrapped_key.clone(),
            },
            blob_key,
        })
    }

    /// The whole file of a finished upload, decrypted piece after piece (at most one chunk
    /// in memory).
    pub fn assemble(
        &self,
        upload: &UploadRow,
        parts: Vec<UploadPartRow>,
    ) -> Result<BoxStream<'static, Result<Bytes, DocumentError>>, DocumentError> {
        struct State {
            parts: std::vec::IntoIter<UploadPartRow>,
            current: Option<(
                BoxStream<'static, Result<Bytes, super::StoreError>>,
                Decryptor,
            )>,
            store: super::BlobStore,
            key: DataKey,
            upload_id: String,
            failed: bool,
        }
        let state = State {
            parts: parts.into_iter(),
            current: None,
            store: self.store.clone(),
            key: self.upload_key(upload)?,
            upload_id: upload.id.clone(),
            failed: false,
        };
        Ok(futures_util::stream::unfold(state, |mut st| async move {
            if st.failed {
                return None;
            }
            loop {
                let Some((blob, dec)) = st.current.as_mut() else {
                    let part = st.parts.next()?;
                    match st.store.get(&part.blob_key).await {
                        Ok(blob) => {
                            let dec = Decryptor::new(
                                &st.key,
                                &part_aad(&st.upload_id, part.start_offset),
                            );
                            st.current = Some((blob, dec));
                            continue;
                        }
                        Err(e) => {
                            st.failed = true;
                            return Some((Err(e.into()), st));
                        }
                    }
                };
                match blob.next().await {
                    Some(Ok(chunk)) => match dec.update(&chunk) {
                        Ok(p) if p.is_empty() => continue,
                        Ok(p) => return Some((Ok(Bytes::from(p)), st)),
                        Err(e) => {
                            st.failed = true;
                            return Some((Err(e.into()), st));
                        }
                    },
                    Some(Err(e)) => {
                        st.failed = true;
                        return Some((Err(e.into()), st));
                    }
                    None => {
                        let Some((_, dec)) = st.current.take() else {
                            continue;
                        };
                        match dec.finish() {
                            Ok(p) if p.is_empty() => continue,
                            Ok(p) => return Some((Ok(Bytes::from(p)), st)),
                            Err(e) => {
                                st.failed = true;
                                return Some((Err(e.into()), st));
                            }
                        }
                    }
                }
            }
        })
        .boxed())
    }

    /// Deletes what the store holds for an upload (its pieces, and any a crashed request left).
    pub async fn delete_upload_blobs(&self, upload_id: &str) -> Result<(), DocumentError> {
        for key in self.store.list(&upload_prefix(upload_id)).await? {
            self.store.delete(&key).await?;
        }
        Ok(())
    }

    /// Deletes expired uploads (rows, and their pieces in the store), and pieces in the store
    /// whose upload row is gone (a crash between writing a piece and recording it). Returns
    /// how many uploads went.
    pub async fn prune_uploads(&self, pool: &DbPool) -> anyhow::Result<usize> {
        let mut pruned = 0;
        loop {
            let expired = db::run(pool, |conn| {
                Ok(db::uploads::list_expired(conn, db::now(), 100)?)
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if expired.is_empty() {
                break;
            }
            for id in expired {
                let i = id.clone();
                db::run(pool, move |conn| {
                    db::write_tx(conn, |conn| Ok(db::uploads::delete_upload(conn, &i)?))
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                // The queued deletions cover the recorded pieces; this also takes strays.
                if let Err(e) = self.delete_upload_blobs(&id).await {
                    tracing::warn!(error = %e, "deleting an expired upload's pieces failed; retried later");
                }
                pruned += 1;
            }
        }
        // Strays: pieces under `uploads/` whose upload no longer exists.
        let keys = self.store.list("uploads").await?;
        if !keys.is_empty() {
            let live: std::collections::HashSet<String> =
                db::run(pool, |conn| Ok(db::uploads::all_ids(conn)?))
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .into_iter()
                    .collect();
            for key in keys {
                let owner = key.split('/').nth(1).unwrap_or_default();
                if !live.contains(owner) {
                    self.store.delete(&key).await?;
                }
            }
        }
        self.sweep_deletions(pool).await?;
        Ok(pruned)
    }
}
