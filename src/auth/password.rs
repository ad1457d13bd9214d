//! Argon2id hashing of passwords and PINs on a few dedicated threads with a bounded queue, so a
//! login flood can neither starve other requests nor make refused sign-ins wait.

use crate::error::ApiError;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!());
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

type Job = Box<dyn FnOnce() + Send>;

/// Upper bound of admitted hashes, whatever the measured speed.
const MAX_QUEUE: usize = 10_000;

/// Hashes and verifies secrets with bounded concurrency.
///
/// Hashes run on `concurrency` threads of their own (not on the blocking pool, whose many
/// threads would each keep a 19 MiB malloc arena). At most as many sign-ins are admitted as
/// those threads can finish within `queue_timeout`; the rest are refused at once with 503.
#[derive(Clone)]
pub struct Hasher {
    jobs: SyncSender<Job>,
    admitted: Arc<AtomicUsize>,
    threads: usize,
    /// Recent time of one hash in microseconds (moving average, measured by the threads).
    hash_micros: Arc<AtomicU64>,
    queue_timeout: Duration,
    /// Verified against when an account does not exist, so the answer takes as long.
    dummy_hash: Arc<String>,
}

/// Gives an admission back when the job is done (or dropped unrun).
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn busy() -> ApiError {
    ApiError::Unavailable {
        detail: "Too many sign-ins at this moment. Please try again in a few seconds.".into(),
        retry_after_secs: 2,
    }
}

impl Hasher {
    pub fn new(concurrency: u32, queue_timeout: Duration) -> anyhow::Result<Self> {
        let started = Instant::now();
        let dummy = argon2()
            .hash_password(b"no such account, only here for timing")
            .map_err(|e| anyhow::anyhow!("argon2: {e}"))?
            .to_string();
        let one_hash = started.elapsed().max(Duration::from_millis(1));
        let threads = concurrency.max(1) as usize;
        let hash_micros = Arc::new(AtomicU64::new(one_hash.as_micros() as u64));
        let (tx, rx) = sync_channel::<Job>(MAX_QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads {
            let rx = Arc::clone(&rx);
            let hash_micros = Arc::clone(&hash_micros);
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || worker(&rx, &hash_micros))?;
        }
        Ok(Self {
            jobs: tx,
            admitted: Arc::new(AtomicUsize::new(0)),
            threads,
            hash_micros,
            queue_timeout,
            dummy_hash: Arc::new(dummy),
        })
    }

    async fn with_permit<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        // Admit only what the threads can finish within the queue timeout at the hash speed
        // seen lately (under load a hash takes longer than on an idle machine).
        let per_hash = self.hash_micros.load(Ordering::Relaxed).max(1) as f64 / 1e6;
        let per_thread = (self.queue_timeout.as_secs_f64() / per_hash).floor() as usize;
        let capacity = (self.threads * per_thread.max(1)).clamp(self.threads, MAX_QUEUE);
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= capacity {
            self.admitted.fetch_sub(1, Ordering::AcqRel);
            return Err(busy());
        }
        let admission = Admission(Arc::clone(&self.admitted));
        let deadline = Instant::now() + self.queue_timeout;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _admission = admission;
            // Waited too long already: the caller gets 503 rather than a late answer.
            if Instant::now() <= deadline {
                let _ = tx.send(work());
            }
        });
        self.jobs.try_send(job).map_err(|_| busy())?;
        rx.await.map_err(|_| busy())
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

/// One hashing thread: runs jobs until every `Hasher` handle is gone, keeping a moving
/// average of how long a job takes.
fn worker(rx: &Mutex<Receiver<Job>>, hash_micros: &AtomicU64) {
    loop {
        let job = match rx.lock() {
            Ok(r) => r.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let started = Instant::now();
        job();
        let took = started.elapsed().as_micros() as u64;
        // Jobs skipped for their deadline take no time and say nothing about the speed.
        if took > 1_000 {
            let old = hash_micros.load(Ordering::Relaxed);
            hash_micros.store((old * 7 + took) / 8, Ordering::Relaxed);
        }
    }
}
