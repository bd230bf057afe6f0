//! Sign-in throttling that slows attackers without locking owners out.
//!
//! An account is never locked: a lock that the wrong password sets is a
//! weapon (one wrong try a period keeps `admin` out for ever). Instead:
//! - every client address has a budget of attempts per minute ([`AttemptLimiter`]);
//! - an account name that keeps failing, existing or not, makes the API ask
//!   for the captcha — the owner types it and gets in;
//! - one address that keeps failing on one account waits, doubling each time;
//!   the same account from a clean address is not slowed.
//!
//! Existing and unknown names are counted alike, so the answers reveal
//! nothing about which accounts exist. The counts live in this process.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `limit` attempts per key (a client address, a reset code) within `window`.
pub struct AttemptLimiter<K = IpAddr> {
    limit: usize,
    window: Duration,
    attempts: Mutex<HashMap<K, Vec<Instant>>>,
}

impl<K: Hash + Eq + Clone> AttemptLimiter<K> {
    pub fn new(limit: usize, window: Duration) -> Self {
        AttemptLimiter { limit, window, attempts: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt; `Err(wait)` when the key is over its limit.
    pub fn attempt(&self, key: K) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = lock(&self.attempts);
        // Forget idle keys now and then so the map cannot grow without bound.
        if map.len() > 10_000 {
            let window = self.window;
            map.retain(|_, times| times.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = map.entry(key).or_default();
        times.retain(|t| now.duration_since(*t) < self.window);
        if times.len() >= self.limit {
            let oldest = times.first().copied().unwrap_or(now);
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push(now);
        Ok(())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The numbers of sign-in throttling (from `auth.*`).
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures of an account name after which the API asks for the captcha.
    pub captcha_after: u32,
    /// Failures of one address on one account before that address waits.
    pub address_threshold: u32,
    /// The first wait; each further failure doubles it, up to `max_wait`.
    pub first_wait: Duration,
    pub max_wait: Duration,
    /// Failures older than this are forgotten.
    pub memory: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            captcha_after: 3,
            address_threshold: 5,
            first_wait: Duration::from_secs(60),
            max_wait: Duration::from_secs(3600),
            memory: Duration::from_secs(3600),
        }
    }
}

impl ThrottlePolicy {
    /// How long an address waits after `failures` on one account.
    pub fn wait_after(&self, failures: u32) -> Option<Duration> {
        if failures < self.address_threshold {
            return None;
        }
        let doublings = (failures - self.address_threshold).min(16);
        Some(self.first_wait.saturating_mul(2u32.saturating_pow(doublings)).min(self.max_wait))
    }
}

/// What a sign-in attempt may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead; with the captcha when the account name has been failing.
    Proceed { captcha: bool },
    /// This address must wait before trying this account again.
    Wait(Duration),
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Entries kept per map; past it, forgotten failures are dropped, and if
/// that is not enough the map starts afresh (so memory stays bounded).
const MAX_ENTRIES: usize = 100_000;

pub struct SignInThrottle {
    policy: ThrottlePolicy,
    accounts: Mutex<HashMap<String, Failures>>,
    pairs: Mutex<HashMap<(String, IpAddr), Failures>>,
}

impl SignInThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        SignInThrottle { policy, accounts: Mutex::new(HashMap::new()), pairs: Mutex::new(HashMap::new()) }
    }

    /// The account name as counted: trimmed, lower-case, bounded.
    fn key(account: &str) -> String {
        account.trim().to_lowercase().chars().take(64).collect()
    }

    fn recent(&self, f: Option<&Failures>, now: Instant) -> u32 {
        f.filter(|f| now.duration_since(f.last) < self.policy.memory).map_or(0, |f| f.count)
    }

    pub fn check(&self, account: &str, ip: Option<IpAddr>) -> Verdict {
        let now = Instant::now();
        let key = Self::key(account);
        if let Some(ip) = ip {
            let pairs = lock(&self.pairs);
            let pair = pairs.get(&(key.clone(), ip));
            if let (Some(p), Some(wait)) = (pair, self.policy.wait_after(self.recent(pair, now))) {
                let waited = now.duration_since(p.last);
                if waited < wait {
                    return Verdict::Wait(wait - waited);
                }
            }
        }
        let accounts = lock(&self.accounts);
        Verdict::Proceed { captcha: self.recent(accounts.get(&key), now) >= self.policy.captcha_after }
    }

    pub fn failed(&self, account: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        let key = Self::key(account);
        if let Some(ip) = ip {
            self.bump(&self.pairs, (key.clone(), ip), now);
        }
        self.bump(&self.accounts, key, now);
    }

    /// A correct password: this address's failures on the account are forgotten,
    /// and so is the account's count (its owner is back).
    pub fn succeeded(&self, account: &str, ip: Option<IpAddr>) {
        let key = Self::key(account);
        if let Some(ip) = ip {
            lock(&self.pairs).remove(&(key.clone(), ip));
        }
        lock(&self.accounts).remove(&key);
    }

    fn bump<K: Hash + Eq>(&self, map: &Mutex<HashMap<K, Failures>>, key: K, now: Instant) {
        let mut map = lock(map);
        if map.len() >= MAX_ENTRIES {
            let memory = self.policy.memory;
            map.retain(|_, f| now.duration_since(f.last) < memory);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        let memory = self.policy.memory;
        let entry = map.entry(key).or_insert(Failures { count: 0, last: now });
        if now.duration_since(entry.last) >= memory {
            entry.count = 0;
        }
        entry.count = entry.count.saturating_add(1);
        entry.last = now;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy::default()
    }

    #[test]
    fn waits_double_and_cap() {
        let p = policy();
        assert_eq!(p.wait_after(4), None);
        assert_eq!(p.wait_after(5), Some(Duration::from_secs(60)));
        assert_eq!(p.wait_after(6), Some(Duration::from_secs(120)));
        assert_eq!(p.wait_after(40), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn a_failing_address_waits_while_a_clean_one_only_needs_the_captcha() {
        let t = SignInThrottle::new(policy());
        let attacker: IpAddr = [10, 0, 0, 9].into();
        let owner: IpAddr = [10, 0, 0, 1].into();
        assert_eq!(t.check("admin", Some(attacker)), Verdict::Proceed { captcha: false });
        for _ in 0..5 {
            t.failed("admin", Some(attacker));
        }
        assert!(matches!(t.check("ADMIN ", Some(attacker)), Verdict::Wait(d) if d > Duration::from_secs(50)));
        assert_eq!(
            t.check("admin", Some(owner)),
            Verdict::Proceed { captcha: true },
            "the owner is asked for the captcha, not locked out"
        );
        t.succeeded("admin", Some(owner));
        assert_eq!(t.check("admin", Some(owner)), Verdict::Proceed { captcha: false });
    }

    #[test]
    fn unknown_names_are_counted_like_existing_ones() {
        let t = SignInThrottle::new(policy());
        for name in ["tb.quantri", "no.such.user"] {
            for _ in 0..3 {
                t.failed(name, None);
            }
            assert_eq!(t.check(name, None), Verdict::Proceed { captcha: true }, "{name}");
        }
    }

    #[test]
    fn limiter_refuses_past_the_limit_per_key() {
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
