//! Sign-in throttling: a per-address window on attempts (in process, per
//! instance) and, stored with the account so that every instance agrees, a
//! lock-out that doubles with each failure past the threshold.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// Failures before the account is locked, and the first lock's length.
#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub threshold: i32,
    pub first_lock: Duration,
    pub max_lock: Duration,
    /// Failures after which the JSON API also demands the captcha.
    pub captcha_after: i32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy { threshold: 5, first_lock: Duration::from_secs(60), max_lock: Duration::from_secs(3600), captcha_after: 3 }
    }
}

impl LockoutPolicy {
    /// Until when an account with `failures` consecutive failures is locked.
    pub fn lock_until(&self, failures: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if failures < self.threshold {
            return None;
        }
        let doublings = (failures - self.threshold).clamp(0, 16) as u32;
        let lock = self.first_lock.saturating_mul(2u32.saturating_pow(doublings)).min(self.max_lock);
        chrono::Duration::from_std(lock).ok().map(|d| now + d)
    }
}

/// At most `limit` attempts per address within `window`.
pub struct AttemptLimiter {
    limit: usize,
    window: Duration,
    attempts: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl AttemptLimiter {
    pub fn new(limit: usize, window: Duration) -> Self {
        AttemptLimiter { limit, window, attempts: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt; `Err(wait)` when the address is over its limit.
    pub fn attempt(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = match self.attempts.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // Forget idle addresses now and then so the map cannot grow without bound.
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, times| times.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = map.entry(ip).or_default();
        times.retain(|t| now.duration_since(*t) < self.window);
        if times.len() >= self.limit {
            let oldest = times.first().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_doubles_and_caps() {
        let p = LockoutPolicy::default();
        let now = Utc::now();
        assert_eq!(p.lock_until(4, now), None);
        assert_eq!(p.lock_until(5, now), Some(now + chrono::Duration::seconds(60)));
        assert_eq!(p.lock_until(6, now), Some(now + chrono::Duration::seconds(120)));
        assert_eq!(p.lock_until(40, now), Some(now + chrono::Duration::seconds(3600)));
    }

    #[test]
    fn limiter_refuses_past_the_limit_per_address() {
        let l = AttemptLimiter::new(3, Duration::from_secs(60));
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        for _ in 0..3 {
            assert!(l.attempt(a).is_ok());
        }
        assert!(l.attempt(a).is_err());
        assert!(l.attempt(b).is_ok(), "other addresses are not affected");
    }
}
