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
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// A clock: the system's time, or a virtual time that only moves when told to.
#[derive(Clone)]
pub struct Clock(Arc<Source>);

enum Source {
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
        match &*self.0 {
            Source::System => f.write_str("Clock::System"),
            Source::Virtual(_) => write!(f, "Clock::Virtual({})", self.now()),
        }
    }
}

impl Clock {
    /// The system's time (production).
    pub fn system() -> Self {
        Self(Arc::new(Source::System))
    }

    /// A virtual clock standing at `at` until it is set or advanced.
    pub fn virtual_at(at: DateTime<Utc>) -> Self {
        Self(Arc::new(Source::Virtual(Mutex::new(at))))
    }

    /// Whether this clock is virtual.
    pub fn is_virtual(&self) -> bool {
        matches!(&*self.0, Source::Virtual(_))
    }

    /// The clock's current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &*self.0 {
            Source::System => Utc::now(),
            Source::Virtual(t) => *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        }
    }

    /// Sets a virtual clock to `at` (also backwards). The system clock cannot be set.
    pub fn set(&self, at: DateTime<Utc>) -> Result<(), ClockError> {
        match &*self.0 {
            Source::System => Err(ClockError::NotVirtual),
            Source::Virtual(t) => {
                *t.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
                Ok(())
            }
        }
    }

    /// Moves a virtual clock forward by `by`; returns the new instant.
    pub fn advance(&self, by: Duration) -> Result<DateTime<Utc>, ClockError> {
        match &*self.0 {
            Source::System => Err(ClockError::NotVirtual),
            Source::Virtual(t) => {
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
    fn a_panic_inside_a_scope_restores_the_thread() {
        let clock = Clock::virtual_at(Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap());
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            clock.scope(|| panic!("boom"));
        }));
        assert!(r.is_err());
        assert!(!current().is_virtual());
    }
}
