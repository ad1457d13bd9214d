//! The service's one clock.
//!
//! Every "now" of the service — timestamps it stores, the time-based rules (inactivity ladder,
//! 90/120 days, due soon, quiet hours, appointment reminders), token lifetimes — reads
//! [`now`]. In production that is the system's time. An [`Application`](crate::startup) holds
//! its own [`Clock`]; a virtual clock lets tests and the simulator (`stapvoorstap simulate`)
//! set and advance time without sleeping or `faketime`.
//!
//! How the application's clock reaches code deep in the storage layer without a parameter on
//! every function: [`now`] reads the clock *in scope on the current thread*. The application
//! puts its clock in scope on each of its HTTP worker threads ([`Clock::install_on_this_thread`])
//! and around every unit of database work it hands to a blocking thread ([`Clock::scope`], used
//! by [`crate::db::run`] and [`block`]); the dispatcher and scheduler read their pool's clock.
//! With no clock in scope, [`now`] is the system's time, so a stray caller can never see a
//! virtual time that is not its application's. Several applications in one process (tests)
//! each keep their own clock: their worker threads and blocking closures are their own.
//!
//! Credentials presented to other services (the FCM OAuth assertion, Web Push VAPID tokens)
//! and the FCM token cache use the system's time: those services check them against theirs.
//!
//! Monotonic timers (request deadlines, pool timeouts, the login rate limit's token bucket,
//! latency metrics) stay on `std::time::Instant`: they measure waiting, not the time of day.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// A clock: the system's time, or a virtual time that only moves when told to.
///
/// A clock may also carry the application's *dice*: a seeded generator for the draws the study
/// depends on (evaluation arms, micro-randomised reminder decisions) and for record ids, so that
/// a simulation with the same seed repeats exactly. Without a seed those come from the
/// operating system's entropy, as in production. Secrets (tokens, codes, keys, salts) never use
/// the dice.
#[derive(Clone)]
pub struct Clock(Arc<Source>);

struct Source {
    time: Time,
    dice: Option<Mutex<StdRng>>,
}

enum Time {
    System,
    Virtual(Mutex<DateTime<Utc>>),
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0.time {
            Time::System => f.write_str("Clock::System"),
            Time::Virtual(_) => write!(f, "Clock::Virtual({})", self.now()),
        }
    }
}

impl Clock {
    /// The system's time (production).
    pub fn system() -> Self {
        Self(Arc::new(Source {
            time: Time::System,
            dice: None,
        }))
    }

    /// A virtual clock standing at `at` until it is set or advanced.
    pub fn virtual_at(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Source {
            time: Time::Virtual(Mutex::new(at)),
            dice: None,
        }))
    }

    /// A virtual clock at `at` whose dice are seeded with `seed` (the simulator).
    pub fn seeded_at(at: DateTime<Utc>, seed: u64) -> Self {
        Self(Arc::new(Source {
            time: Time::Virtual(Mutex::new(at)),
            dice: Some(Mutex::new(StdRng::seed_from_u64(seed))),
        }))
    }

    /// Whether this clock is virtual.
    pub fn is_virtual(&self) -> bool {
        matches!(&self.0.time, Time::Virtual(_))
    }

    /// The clock's current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0.time {
            Time::System => Utc::now(),
            Time::Virtual(t) => *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Runs `f` with the clock's dice: the seeded generator, else the operating system's.
    pub fn with_dice<R>(&self, f: impl FnOnce(&mut dyn RngCore) -> R) -> R {
        match &self.0.dice {
            Some(dice) => f(&mut *dice
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)),
            None => f(&mut rand::rng()),
        }
    }

    /// A draw that is `true` with probability `p` (clamped to 0–1), from the clock's dice.
    pub fn chance(&self, p: f64) -> bool {
        self.with_dice(|rng| rng.random_bool(p.clamp(0.0, 1.0)))
    }

    /// A new time-ordered record id (UUID v7). On the system clock without a seed this is the
    /// uuid crate's own (monotonic within a millisecond); otherwise from the clock's time and
    /// dice, so that a seeded simulation makes the same ids again.
    pub fn new_id(&self) -> uuid::Uuid {
        if !self.is_virtual() && self.0.dice.is_none() {
            return uuid::Uuid::now_v7();
        }
        let millis = u64::try_from(self.now().timestamp_millis()).unwrap_or(0);
        let mut bytes = [0u8; 10];
        self.with_dice(|rng| rng.fill_bytes(&mut bytes));
        uuid::Builder::from_unix_timestamp_millis(millis, &bytes).into_uuid()
    }

    /// Sets a virtual clock to `at` (also backwards). The system clock cannot be set.
    pub fn set(&self, at: DateTime<Utc>) -> Result<(), ClockError> {
        match &self.0.time {
            Time::System => Err(ClockError::NotVirtual),
            Time::Virtual(t) => {
                *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
                Ok(())
            }
        }
    }

    /// Moves a virtual clock forward by `by`; returns the new instant.
    pub fn advance(&self, by: Duration) -> Result<DateTime<Utc>, ClockError> {
        match &self.0.time {
            Time::System => Err(ClockError::NotVirtual),
            Time::Virtual(t) => {
                let mut t = t.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                *t += by;
                Ok(*t)
            }
        }
    }

    /// Runs `f` with this clock in scope on the current thread (restoring what was before).
    pub fn scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let before = CURRENT.with(|c| c.replace(Some(self.clone())));
        struct Restore(Option<Clock>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let before = self.0.take();
                CURRENT.with(|c| *c.borrow_mut() = before);
            }
        }
        let _restore = Restore(before);
        f()
    }

    /// Puts this clock in scope on the current thread for the thread's lifetime (the
    /// application's HTTP worker threads).
    pub fn install_on_this_thread(&self) {
        CURRENT.with(|c| *c.borrow_mut() = Some(self.clone()));
    }
}

/// Changing a clock that is not virtual.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ClockError {
    #[error("the system clock cannot be set or advanced")]
    NotVirtual,
}

thread_local! {
    static CURRENT: RefCell<Option<Clock>> = const { RefCell::new(None) };
}

/// The current instant of the clock in scope on this thread, else the system's time.
pub fn now() -> DateTime<Utc> {
    CURRENT
        .with(|c| c.borrow().as_ref().map(Clock::now))
        .unwrap_or_else(Utc::now)
}

/// The clock in scope on this thread (the system clock when none is).
pub fn current() -> Clock {
    CURRENT
        .with(|c| c.borrow().clone())
        .unwrap_or_else(Clock::system)
}

/// A new record id from the clock in scope (see [`Clock::new_id`]).
pub fn new_id() -> uuid::Uuid {
    CURRENT
        .with(|c| c.borrow().as_ref().map(Clock::new_id))
        .unwrap_or_else(uuid::Uuid::now_v7)
}

/// Runs `f` with the dice of the clock in scope (see [`Clock::with_dice`]).
pub fn with_dice<R>(f: impl FnOnce(&mut dyn RngCore) -> R) -> R {
    match CURRENT.with(|c| c.borrow().clone()) {
        Some(clock) => clock.with_dice(f),
        None => f(&mut rand::rng()),
    }
}

/// `actix_web::web::block` with `clock` in scope on the blocking thread.
pub async fn block<T, F>(clock: &Clock, f: F) -> Result<T, actix_web::error::BlockingError>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let clock = clock.clone();
    actix_web::web::block(move || clock.scope(f)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_virtual_clock_moves_only_when_told_and_only_in_scope() {
        let start = Utc.with_ymd_and_hms(2027, 3, 28, 0, 30, 0).unwrap();
        let clock = Clock::virtual_at(start);
        assert_eq!(clock.now(), start);
        let later = clock.advance(Duration::hours(2)).unwrap();
        assert_eq!(later, start + Duration::hours(2));
        // Outside a scope: the system's time, not the virtual one.
        assert!((now() - Utc::now()).num_seconds().abs() < 5);
        let seen = clock.scope(|| {
            let inner = Clock::virtual_at(start);
            (now(), inner.scope(now), now())
        });
        assert_eq!(seen, (later, start, later), "scopes nest and restore");
        assert!((now() - Utc::now()).num_seconds().abs() < 5);
        assert_eq!(
            Clock::system().advance(Duration::hours(1)),
            Err(ClockError::NotVirtual)
        );
    }

    #[test]
    fn seeded_dice_repeat_and_ids_follow_the_clock() {
        let at = Utc.with_ymd_and_hms(2027, 1, 4, 9, 0, 0).unwrap();
        let run = || {
            let clock = Clock::seeded_at(at, 42);
            let draws: Vec<bool> = (0..32).map(|_| clock.chance(0.5)).collect();
            (draws, clock.new_id(), clock.scope(new_id))
        };
        let (a, b) = (run(), run());
        assert_eq!(a, b, "the same seed gives the same draws and ids");
        assert!(a.0.contains(&true) && a.0.contains(&false));
        assert_ne!(a.1, a.2);
        let (secs, _) = a.1.get_timestamp().unwrap().to_unix();
        assert_eq!(
            secs as i64,
            at.timestamp(),
            "the id carries the virtual time"
        );
        assert!(!Clock::seeded_at(at, 1).chance(0.0));
        assert!(Clock::seeded_at(at, 1).chance(1.0));
    }

    #[test]
    fn a_panic_inside_a_scope_restores_the_thread() {
        let clock = Clock::virtual_at(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            clock.scope(|| panic!("boom"));
        }));
        assert!(r.is_err());
        assert!(!current().is_virtual());
    }
}
