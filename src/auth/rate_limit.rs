//! Per-client-address rate limit for the sign-in endpoints (`/v1/auth/*`).

use crate::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// A keyed GCRA limiter (the `governor` crate); `None` when disabled.
#[derive(Clone)]
pub struct AuthRateLimit(Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>);

impl AuthRateLimit {
    pub fn per_minute(n: u32) -> Self {
        Self(NonZeroU32::new(n).map(|n| Arc::new(RateLimiter::keyed(Quota::per_minute(n)))))
    }

    /// Counts one request from `ip`; over the limit answers 429 with `Retry-After`.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(limiter), Some(ip)) = (&self.0, ip) else {
            return Ok(());
        };
        if limiter.len() > 100_000 {
            // Forget idle addresses so the table cannot grow without bound.
            limiter.retain_recent();
        }
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ApiError::TooManyRequests {
                detail: crate::i18n::Msg::SignInRateLimited,
                retry_after_secs: wait.as_secs().max(1),
            }
        })
    }
}
