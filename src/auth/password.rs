//! Argon2id hashing of passwords and PINs, on the blocking pool behind a small semaphore so a
//! login flood cannot starve other requests.

use crate::error::ApiError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes and verifies secrets with bounded concurrency.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    queue_timeout: Duration,
    /// Verified against when an account does not exist, so the answer takes as long.
    dummy_hash: Arc<String>,
}

impl Hasher {
    pub fn new(concurrency: u32, queue_timeout: Duration) -> anyhow::Result<Self> {
        let dummy = argon2()
            .hash_password(b"no such account, only here for timing")
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        Ok(Self {
            permits: Arc::new(Semaphore::new(concurrency as usize)),
            queue_timeout,
            dummy_hash: Arc::new(dummy),
        })
    }

    async fn with_permit<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(self.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::Unavailable {
                detail: "Too many sign-ins at this moment. Please try again in a few seconds."
                    .into(),
                retry_after_secs: 2,
            })?
            .map_err(ApiError::internal)?;
        let result = actix_web::web::block(work).await?;
        drop(permit);
        Ok(result)
    }

    /// A PHC string for the secret.
    pub async fn hash(&self, secret: SecretString) -> Result<String, ApiError> {
        self.with_permit(move || {
            argon2()
                .hash_password(secret.expose_secret().as_bytes())
                .map(|h| h.to_string())
        })
        .await?
        .map_err(|e| ApiError::internal(anyhow::anyhow!("argon2: {e}")))
    }

    /// Whether the secret matches; `None` as the hash checks against a dummy and says no.
    pub async fn verify(
        &self,
        secret: SecretString,
        phc: Option<String>,
    ) -> Result<bool, ApiError> {
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy_hash.as_ref().clone());
        let ok = self
            .with_permit(move || {
                argon2()
                    .verify_password(secret.expose_secret().as_bytes(), phc.as_str())
                    .is_ok()
            })
            .await?;
        Ok(ok && known)
    }
}
