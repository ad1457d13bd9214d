//! Where encrypted document blobs live: a folder under `DATA_DIR` (the embedded default) or
//! S3-compatible object storage (several instances). One small interface over `object_store`,
//! which speaks both; everything above it sees only keys and byte streams.

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use std::sync::Arc;

/// Blob keys are ours (`documents/<uuid>`), never a resident's file name.
fn path(key: &str) -> Result<ObjectPath, StoreError> {
    ObjectPath::parse(key).map_err(|e| StoreError(format!("invalid blob key: {e}")))
}

/// A storage failure (the message names the backend's error, never file contents).
#[derive(Debug, thiserror::Error)]
#[error("document storage: {0}")]
pub struct StoreError(pub String);

impl From<object_store::Error> for StoreError {
    fn from(e: object_store::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// How to reach an S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// Bucket name.
    pub bucket: String,
    /// Endpoint URL (e.g. `http://127.0.0.1:9000` for MinIO); none for AWS itself.
    pub endpoint: Option<String>,
    /// Region (most S3-compatible servers accept any).
    pub region: String,
    /// Access key id; none to use the environment's AWS credentials.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<secrecy::SecretString>,
}

/// The blob store: put (streamed), get (streamed), delete, list by prefix.
#[derive(Clone)]
pub struct BlobStore {
    inner: Arc<dyn ObjectStore>,
    /// `folder` or `s3`, for logs and metrics.
    kind: &'static str,
    /// Part size of streamed writes: S3 needs at least 5 MiB per part but the last.
    part_size: usize,
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BlobStore({})", self.kind)
    }
}

impl BlobStore {
    /// A folder (created if needed).
    pub fn folder(dir: &std::path::Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        let fs = object_store::local::LocalFileSystem::new_with_prefix(dir)?;
        Ok(Self {
            inner: Arc::new(fs),
            kind: "folder",
            part_size: 256 * 1024,
        })
    }

    /// An S3-compatible bucket.
    pub fn s3(cfg: &S3Config) -> Result<Self, StoreError> {
        use secrecy::ExposeSecret;
        let mut b = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&cfg.bucket)
            .with_region(&cfg.region);
        if let Some(endpoint) = &cfg.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&cfg.access_key_id, &cfg.secret_access_key) {
            b = b
                .with_access_key_id(id)
                .with_secret_access_key(secret.expose_secret());
        }
        Ok(Self {
            inner: Arc::new(b.build()?),
            kind: "s3",
            part_size: 5 * 1024 * 1024,
        })
    }

    /// `folder` or `s3`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// Starts a streamed write of `key`. Nothing is visible under the key until `finish`.
    pub async fn writer(&self, key: &str) -> Result<BlobWriter, StoreError> {
        let upload = self.inner.put_multipart(&path(key)?).await?;
        Ok(BlobWriter {
            inner: WriteMultipart::new_with_chunk_size(upload, self.part_size),
        })
    }

    /// Stores `data` under `key` in one go (small blobs).
    pub async fn put(&self, key: &str, data: Bytes) -> Result<(), StoreError> {
        self.inner.put(&path(key)?, data.into()).await?;
        Ok(())
    }

    /// Reads `key` as a stream of chunks.
    pub async fn get(
        &self,
        key: &str,
    ) -> Result<BoxStream<'static, Result<Bytes, StoreError>>, StoreError> {
        let r = self.inner.get(&path(key)?).await?;
        Ok(r.into_stream().map(|c| c.map_err(StoreError::from)).boxed())
    }

    /// Deletes `key`; a key that is already gone is fine.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.inner.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every key under `prefix`.
    pub async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let prefix = path(prefix)?;
        let mut out = Vec::new();
        let mut s = self.inner.list(Some(&prefix));
        while let Some(meta) = s.next().await {
            out.push(meta?.location.to_string());
        }
        out.sort();
        Ok(out)
    }
}

/// A write in progress. Holds at most about two parts in memory.
pub struct BlobWriter {
    inner: WriteMultipart,
}

impl BlobWriter {
    /// Appends bytes (waits while earlier parts are still being sent).
    pub async fn write(&mut self, data: &[u8]) -> Result<(), StoreError> {
        self.inner.wait_for_capacity(1).await?;
        self.inner.write(data);
        Ok(())
    }

    /// Completes the blob.
    pub async fn finish(self) -> Result<(), StoreError> {
        self.inner.finish().await?;
        Ok(())
    }

    /// Drops the partial blob.
    pub async fn abort(self) -> Result<(), StoreError> {
        self.inner.abort().await?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The S3 endpoint of the test server (`moto_server`), or `None` to skip: with
    /// `REQUIRE_S3_TESTS` set, a missing endpoint fails instead.
    pub fn test_s3() -> Option<S3Config> {
        match std::env::var("TEST_S3_ENDPOINT") {
            Ok(e) if !e.trim().is_empty() => Some(S3Config {
                bucket: format!("svs-test-{}", uuid::Uuid::new_v4().simple()),
                endpoint: Some(e.trim().to_owned()),
                region: "us-east-1".into(),
                access_key_id: Some("testing".into()),
                secret_access_key: Some(secrecy::SecretString::from("testing".to_owned())),
            }),
            _ => {
                assert!(
                    std::env::var_os("REQUIRE_S3_TESTS").is_none(),
                    "REQUIRE_S3_TESTS is set but TEST_S3_ENDPOINT is not"
                );
                eprintln!("SKIPPED on S3: TEST_S3_ENDPOINT is not set");
                None
            }
        }
    }

    /// Creates the bucket with a plain PUT (object_store has no create-bucket call).
    pub async fn create_bucket(cfg: &S3Config) {
        let url = format!(
            "{}/{}",
            cfg.endpoint.as_deref().unwrap().trim_end_matches('/'),
            cfg.bucket
        );
        let r = reqwest::Client::new().put(url).send().await.unwrap();
        assert!(r.status().is_success(), "create bucket: {}", r.status());
    }

    async fn exercise(store: BlobStore) {
        // A streamed write of several parts, read back whole.
        let data: Vec<u8> = (0..(store.part_size * 2 + 12345))
            .map(|i| (i % 253) as u8)
            .collect();
        let mut w = store.writer("documents/a").await.unwrap();
        for piece in data.chunks(70_000) {
            w.write(piece).await.unwrap();
        }
        w.finish().await.unwrap();
        store
            .put("documents/b", Bytes::from_static(b"small"))
            .await
            .unwrap();
        store
            .put("other/c", Bytes::from_static(b"x"))
            .await
            .unwrap();
        let mut read = Vec::new();
        let mut s = store.get("documents/a").await.unwrap();
        while let Some(c) = s.next().await {
            read.extend_from_slice(&c.unwrap());
        }
        assert_eq!(read.len(), data.len());
        assert!(read == data, "{} blob differs", store.kind());
        assert_eq!(
            store.list("documents").await.unwrap(),
            vec!["documents/a".to_owned(), "documents/b".to_owned()]
        );
        // An aborted write leaves nothing.
        let mut w = store.writer("documents/aborted").await.unwrap();
        w.write(&data[..1000]).await.unwrap();
        w.abort().await.unwrap();
        assert!(store.get("documents/aborted").await.is_err());
        store.delete("documents/a").await.unwrap();
        store.delete("documents/a").await.unwrap();
        store.delete("documents/b").await.unwrap();
        assert!(store.list("documents").await.unwrap().is_empty());
        assert_eq!(store.list("other").await.unwrap(), vec!["other/c"]);
        assert!(store.get("documents/a").await.is_err());
    }

    #[actix_web::test]
    async fn folder_store_puts_gets_lists_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::folder(&dir.path().join("documents-store")).unwrap();
        exercise(store).await;
    }

    #[actix_web::test]
    async fn s3_store_puts_gets_lists_and_deletes() {
        let Some(cfg) = test_s3() else { return };
        create_bucket(&cfg).await;
        exercise(BlobStore::s3(&cfg).unwrap()).await;
    }
}
