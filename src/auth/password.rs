//! Argon2id hashing of passwords and PINs on a few dedicated threads with a bounded queue, so a
//! login flood can neither starve other requests nor make refused sign-ins wait.

use crate::error::ApiError;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!())
}

thread_local! {
    /// Argon2's working memory, allocated once per hashing thread and reused. The crate's own
    /// `hash_password` allocates (and zeroes) 19 MiB per call; glibc then keeps such blocks in
    /// per-thread arenas, which made a few hundred sign-ins grow the server by 100+ MiB
    /// (issue 7). Argon2 overwrites every block before reading it, so reuse is safe.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Computes an Argon2 output into `out` with this thread's reusable memory.
fn compute(
    argon: &Argon2<'_>,
    blocks: usize,
    secret: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon.hash_password_into_with_memory(secret, salt, out, &mut memory[..blocks])
    })
}

/// A new PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for `secret`.
fn hash_phc(secret: &[u8]) -> anyhow::Result<String> {
    let params = params();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt = [0u8; Salt::RECOMMENDED_LENGTH];
    rand::Rng::fill(&mut rand::rng(), &mut salt[..]);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&argon, params.block_count(), secret, &salt, &mut out).map_err(anyhow::Error::msg)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(anyhow::Error::msg)?,
        salt: Some(Salt::new(&salt).map_err(anyhow::Error::msg)?),
        hash: Some(Output::new(&out).map_err(anyhow::Error::msg)?),
    };
    Ok(phc.to_string())
}

/// Whether `secret` matches a stored PHC string (with whatever parameters it was made).
fn verify_phc(secret: &[u8], phc: &str) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(hash.algorithm.as_str()),
        Params::try_from(&hash),
    ) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let blocks = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    if compute(&argon, blocks, secret, salt, &mut out).is_err() {
        return false;
    }
    // `Output` compares in constant time.
    Output::new(&out).is_ok_and(|computed| &computed == expected)
}

type Job = Box<dyn FnOnce() + Send>;

/// Upper bound of admitted hashes, whatever the measured speed.
const MAX_QUEUE: usize = 10_000;

/// Hashes and verifies secrets with bounded concurrency.
///
/// Hashes run on `concurrency` threads of their own (not on the blocking pool, whose many
/// threads would each keep a 19 MiB malloc arena). At most as many sign-ins are admitted as
/// those threads can finish within half of `queue_timeout`; the rest are refused at once with 503.
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
        detail: crate::i18n::Msg::HashingBusy,
        retry_after_secs: 2,
    }
}

impl Hasher {
    pub fn new(concurrency: u32, queue_timeout: Duration) -> anyhow::Result<Self> {
        let started = Instant::now();
        // On a short-lived thread, so its 19 MiB of working memory goes when the thread does.
        let dummy = std::thread::scope(|s| {
            s.spawn(|| hash_phc(b"no such account, only here for timing"))
                .join()
                .map_err(|_| anyhow::anyhow!("argon2: the hashing thread panicked"))
        })??;
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
        // Admit only what the threads can finish within half the queue timeout at the hash
        // speed seen lately. Half: under a flood hashes slow down faster than the moving average
        // follows, and an admitted sign-in that then waits out the whole timeout is refused
        // after two seconds instead of at once (measured on a slower machine: 1 in 100
        // refusals took 2 s with the whole timeout as the budget; issue 7).
        let per_hash = self.hash_micros.load(Ordering::Relaxed).max(1) as f64 / 1e6;
        let budget = self.queue_timeout.as_secs_f64() / 2.0;
        let per_thread = (budget / per_hash).floor() as usize;
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
        self.with_permit(move || hash_phc(secret.expose_secret().as_bytes()))
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
            .with_permit(move || verify_phc(secret.expose_secret().as_bytes(), &phc))
            .await?;
        Ok(ok && known)
    }
}

/// Scheduling priority of the hashing threads, below the threads that answer residents, so a
/// flood of sign-ins takes only the CPU that reads leave over (issue 7: on two cores one
/// hashing thread at normal priority took half the machine from the reads). The admission
/// above follows the measured hash time, so slower hashes under load mean fewer sign-ins
/// admitted, not longer waits. The crate maps 0..=99 onto niceness 19..=-20: 23 is niceness 9.
const HASH_PRIORITY: u8 = 23;

/// Lowers this thread's scheduling priority to [`HASH_PRIORITY`] (best effort: a platform or
/// sandbox that refuses it only loses the isolation).
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue};
    if let Ok(value) = ThreadPriorityValue::try_from(HASH_PRIORITY)
        && let Err(e) =
            thread_priority::set_current_thread_priority(ThreadPriority::Crossplatform(value))
    {
        tracing::debug!(error = ?e, "could not lower the hashing thread's priority");
    }
}

/// One hashing thread: runs jobs until every `Hasher` handle is gone, keeping a moving
/// average of how long a job takes.
fn worker(rx: &Mutex<Receiver<Job>>, hash_micros: &AtomicU64) {
    lower_priority();
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

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordVerifier;

    #[test]
    fn hashes_verify_both_ways_with_the_argon2_crate() {
        let phc = hash_phc(b"24680").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_phc(b"24680", &phc));
        assert!(!verify_phc(b"24681", &phc));
        assert!(!verify_phc(b"24680", "not a hash"));
        // The crate's own verifier accepts ours, and ours accepts one the crate made with
        // other parameters (hashes stored before a change of cost keep working).
        let argon = Argon2::default();
        assert!(argon.verify_password(b"24680", phc.as_str()).is_ok());
        let other = argon2::password_hash::PasswordHasher::hash_password(&argon, b"s3cret-pass")
            .unwrap()
            .to_string();
        assert!(verify_phc(b"s3cret-pass", &other));
        assert!(!verify_phc(b"s3cret-pasS", &other));
    }

    /// The hashing threads run below normal priority (niceness 9 of -20..=19).
    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_run_at_lower_priority() {
        let nice = std::thread::spawn(|| {
            lower_priority();
            let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
            // Fields after the command name (which ends with ')'): nice is the 19th overall.
            let rest = &stat[stat.rfind(')').unwrap() + 2..];
            rest.split(' ').nth(16).unwrap().parse::<i32>().unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(nice, 9);
    }
}
