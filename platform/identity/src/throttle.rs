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
//! nothing about which accounts exist. The counts live in a [`Counters`]
//! store: this process's memory by default, Redis when configured, so that
//! every instance of a cluster counts the same attempts. A store that does
//! not answer lets the attempt through (and says so in the log): sign-in
//! then needs the session store, which is the same Redis.

use std::collections::HashMap;
use std::fmt::Display;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::IdentityError;

/// Counts that expire: how many attempts under a key, for how long still.
#[async_trait]
pub trait Counters: Send + Sync {
    /// One more under `key`, whose count lives `ttl` from its first. Returns
    /// the count and the time it still lives.
    async fn bump(&self, key: &str, ttl: Duration) -> Result<(u64, Duration), IdentityError>;
    /// The count under `key` and the time it still lives, if there is one.
    async fn read(&self, key: &str) -> Result<Option<(u64, Duration)>, IdentityError>;
    /// Sets `key` to one for `ttl` (a wait that began now).
    async fn mark(&self, key: &str, ttl: Duration) -> Result<(), IdentityError>;
    async fn forget(&self, keys: &[String]) -> Result<(), IdentityError>;
}

/// Entries kept in memory; past it, expired ones are dropped, and if that
/// is not enough the map starts afresh (so memory stays bounded).
const MAX_ENTRIES: usize = 100_000;

/// Counts in this process.
#[derive(Default)]
pub struct MemoryCounters {
    map: Mutex<HashMap<String, (u64, Instant)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[async_trait]
impl Counters for MemoryCounters {
    async fn bump(&self, key: &str, ttl: Duration) -> Result<(u64, Duration), IdentityError> {
        let now = Instant::now();
        let mut map = lock(&self.map);
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, until)| *until > now);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        let entry = map.entry(key.to_owned()).or_insert((0, now + ttl));
        if entry.1 <= now {
            *entry = (0, now + ttl);
        }
        entry.0 = entry.0.saturating_add(1);
        Ok((entry.0, entry.1 - now))
    }

    async fn read(&self, key: &str) -> Result<Option<(u64, Duration)>, IdentityError> {
        let now = Instant::now();
        Ok(lock(&self.map).get(key).filter(|(_, until)| *until > now).map(|(count, until)| (*count, *until - now)))
    }

    async fn mark(&self, key: &str, ttl: Duration) -> Result<(), IdentityError> {
        lock(&self.map).insert(key.to_owned(), (1, Instant::now() + ttl));
        Ok(())
    }

    async fn forget(&self, keys: &[String]) -> Result<(), IdentityError> {
        let mut map = lock(&self.map);
        for key in keys {
            map.remove(key);
        }
        Ok(())
    }
}

/// Counts in Redis, shared by every instance.
pub struct RedisCounters {
    conn: redis::aio::ConnectionManager,
    prefix: String,
}

fn redis_error(err: redis::RedisError) -> IdentityError {
    IdentityError::SessionStore(err.to_string())
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Redis's remaining time: negative when the key is gone or has none.
fn left(pttl: i64) -> Duration {
    Duration::from_millis(u64::try_from(pttl).unwrap_or(0))
}

impl RedisCounters {
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, IdentityError> {
        let client = redis::Client::open(url).map_err(redis_error)?;
        let conn = baocao_bus::redis_connection(client).await.map_err(redis_error)?;
        Ok(RedisCounters { conn, prefix: format!("{prefix}throttle:") })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl Counters for RedisCounters {
    async fn bump(&self, key: &str, ttl: Duration) -> Result<(u64, Duration), IdentityError> {
        let key = self.key(key);
        let mut pipe = redis::pipe();
        // One round trip, applied together: the first count sets the expiry (NX), later ones keep it.
        pipe.atomic().cmd("INCR").arg(&key).cmd("PEXPIRE").arg(&key).arg(millis(ttl)).arg("NX").ignore();
        pipe.cmd("PTTL").arg(&key);
        let (count, pttl): (u64, i64) = pipe.query_async(&mut self.conn.clone()).await.map_err(redis_error)?;
        Ok((count, left(pttl)))
    }

    async fn read(&self, key: &str) -> Result<Option<(u64, Duration)>, IdentityError> {
        let key = self.key(key);
        let mut pipe = redis::pipe();
        pipe.cmd("GET").arg(&key).cmd("PTTL").arg(&key);
        let (count, pttl): (Option<u64>, i64) = pipe.query_async(&mut self.conn.clone()).await.map_err(redis_error)?;
        Ok(count.filter(|_| pttl > 0).map(|c| (c, left(pttl))))
    }

    async fn mark(&self, key: &str, ttl: Duration) -> Result<(), IdentityError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.key(key)).arg(1).arg("PX").arg(millis(ttl));
        cmd.query_async::<()>(&mut self.conn.clone()).await.map_err(redis_error)
    }

    async fn forget(&self, keys: &[String]) -> Result<(), IdentityError> {
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        redis::cmd("DEL").arg(keys).query_async::<()>(&mut self.conn.clone()).await.map_err(redis_error)
    }
}

/// A store that does not answer lets the attempt through; the log says so.
fn or_let_through<T>(result: Result<T, IdentityError>, fallback: T) -> T {
    result.unwrap_or_else(|error| {
        tracing::warn!(%error, "sign-in counters unavailable; the attempt is not counted");
        fallback
    })
}

/// At most `limit` attempts per key (a client address, a reset code) within
/// `window`, counted from the key's first attempt in the window.
pub struct AttemptLimiter {
    name: &'static str,
    limit: u64,
    window: Duration,
    counters: Arc<dyn Counters>,
}

impl AttemptLimiter {
    /// `name` keeps limiters on one store apart ("login", "reset" …).
    pub fn new(name: &'static str, limit: usize, window: Duration, counters: Arc<dyn Counters>) -> Self {
        AttemptLimiter { name, limit: u64::try_from(limit).unwrap_or(u64::MAX), window, counters }
    }

    /// Counts an attempt; `Err(wait)` when the key is over its limit.
    pub async fn attempt(&self, key: impl Display) -> Result<(), Duration> {
        let key = format!("limit:{}:{key}", self.name);
        let (count, left) = or_let_through(self.counters.bump(&key, self.window).await, (0, Duration::ZERO));
        if count > self.limit { Err(left) } else { Ok(()) }
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

pub struct SignInThrottle {
    policy: ThrottlePolicy,
    counters: Arc<dyn Counters>,
}

/// The account name as counted: trimmed, lower-case, bounded.
fn account_key(account: &str) -> String {
    account.trim().to_lowercase().chars().take(64).collect()
}

impl SignInThrottle {
    pub fn new(policy: ThrottlePolicy, counters: Arc<dyn Counters>) -> Self {
        SignInThrottle { policy, counters }
    }

    fn keys(account: &str, ip: Option<IpAddr>) -> (String, Option<(String, String)>) {
        let account = account_key(account);
        let pair = ip.map(|ip| (format!("pair:{account}:{ip}"), format!("wait:{account}:{ip}")));
        (format!("account:{account}"), pair)
    }

    pub async fn check(&self, account: &str, ip: Option<IpAddr>) -> Verdict {
        let (account, pair) = Self::keys(account, ip);
        if let Some((_, wait)) = &pair
            && let Some((_, left)) = or_let_through(self.counters.read(wait).await, None)
        {
            return Verdict::Wait(left);
        }
        let failures = or_let_through(self.counters.read(&account).await, None).map_or(0, |(count, _)| count);
        Verdict::Proceed { captcha: failures >= u64::from(self.policy.captcha_after) }
    }

    /// A wrong password (or an unknown name): counted for the account, and
    /// for the account from this address, which waits past the threshold.
    pub async fn failed(&self, account: &str, ip: Option<IpAddr>) {
        let (account, pair) = Self::keys(account, ip);
        let memory = self.policy.memory;
        if let Some((pair, wait)) = &pair {
            let (failures, _) = or_let_through(self.counters.bump(pair, memory).await, (0, Duration::ZERO));
            if let Some(time) = self.policy.wait_after(u32::try_from(failures).unwrap_or(u32::MAX)) {
                or_let_through(self.counters.mark(wait, time).await, ());
            }
        }
        or_let_through(self.counters.bump(&account, memory).await, (0, Duration::ZERO));
    }

    /// A correct password: this address's failures on the account are forgotten,
    /// and so is the account's count (its owner is back).
    pub async fn succeeded(&self, account: &str, ip: Option<IpAddr>) {
        let (account, pair) = Self::keys(account, ip);
        let mut keys = vec![account];
        keys.extend(pair.into_iter().flat_map(|(pair, wait)| [pair, wait]));
        or_let_through(self.counters.forget(&keys).await, ());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy::default()
    }

    fn memory() -> Arc<dyn Counters> {
        Arc::new(MemoryCounters::default())
    }

    #[test]
    fn waits_double_and_cap() {
        let p = policy();
        assert_eq!(p.wait_after(4), None);
        assert_eq!(p.wait_after(5), Some(Duration::from_secs(60)));
        assert_eq!(p.wait_after(6), Some(Duration::from_secs(120)));
        assert_eq!(p.wait_after(40), Some(Duration::from_secs(3600)));
    }

    #[tokio::test]
    async fn a_failing_address_waits_while_a_clean_one_only_needs_the_captcha() {
        let t = SignInThrottle::new(policy(), memory());
        let attacker: IpAddr = [10, 0, 0, 9].into();
        let owner: IpAddr = [10, 0, 0, 1].into();
        assert_eq!(t.check("admin", Some(attacker)).await, Verdict::Proceed { captcha: false });
        for _ in 0..5 {
            t.failed("admin", Some(attacker)).await;
        }
        assert!(matches!(t.check("ADMIN ", Some(attacker)).await, Verdict::Wait(d) if d > Duration::from_secs(50)));
        assert_eq!(
            t.check("admin", Some(owner)).await,
            Verdict::Proceed { captcha: true },
            "the owner is asked for the captcha, not locked out"
        );
        t.succeeded("admin", Some(owner)).await;
        assert_eq!(t.check("admin", Some(owner)).await, Verdict::Proceed { captcha: false });
    }

    #[tokio::test]
    async fn unknown_names_are_counted_like_existing_ones() {
        let t = SignInThrottle::new(policy(), memory());
        for name in ["tb.quantri", "no.such.user"] {
            for _ in 0..3 {
                t.failed(name, None).await;
            }
            assert_eq!(t.check(name, None).await, Verdict::Proceed { captcha: true }, "{name}");
        }
    }

    #[tokio::test]
    async fn limiter_refuses_past_the_limit_per_key() {
        let l = AttemptLimiter::new("test", 3, Duration::from_secs(60), memory());
        let a: IpAddr = [127, 0, 0, 1].into();
        let b: IpAddr = [127, 0, 0, 2].into();
        for _ in 0..3 {
            assert!(l.attempt(a).await.is_ok());
        }
        assert!(l.attempt(a).await.is_err());
        assert!(l.attempt(b).await.is_ok(), "other addresses are not affected");
    }

    #[tokio::test]
    async fn counts_expire_with_their_window() {
        let counters = MemoryCounters::default();
        assert_eq!(counters.bump("k", Duration::from_millis(30)).await.unwrap().0, 1);
        assert_eq!(counters.bump("k", Duration::from_millis(30)).await.unwrap().0, 2);
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert_eq!(counters.read("k").await.unwrap(), None);
        assert_eq!(counters.bump("k", Duration::from_millis(30)).await.unwrap().0, 1, "a new window");
    }

    /// The same counts through the Redis at 127.0.0.1:6379, as a cluster shares them.
    #[tokio::test]
    async fn redis_counts_are_shared_and_expire() {
        let prefix = format!("baocao_throttle_test_{}:", std::process::id());
        let one = RedisCounters::connect("redis://127.0.0.1:6379", &prefix).await.unwrap();
        let two = RedisCounters::connect("redis://127.0.0.1:6379", &prefix).await.unwrap();
        one.forget(&["k".into(), "w".into()]).await.unwrap();
        assert_eq!(one.bump("k", Duration::from_secs(60)).await.unwrap().0, 1);
        let (count, left) = two.bump("k", Duration::from_secs(60)).await.unwrap();
        assert_eq!(count, 2, "the second instance sees the first's count");
        assert!(left > Duration::from_secs(50) && left <= Duration::from_secs(60), "{left:?}");
        two.mark("w", Duration::from_millis(50)).await.unwrap();
        assert!(one.read("w").await.unwrap().is_some());
        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(one.read("w").await.unwrap(), None, "a wait ends");
        one.forget(&["k".into()]).await.unwrap();
        assert_eq!(two.read("k").await.unwrap(), None);
    }
}
