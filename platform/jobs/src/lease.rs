//! Who may run a job now: a lease that one instance of the cluster holds at a
//! time. Redis (`SET NX PX` with a fencing token) when the cluster shares
//! Redis, else a PostgreSQL advisory lock, else (the embedded SQLite default,
//! one instance) a lock in this process.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use baocao_app::App;
use redis::AsyncCommands;

/// A held lease; released when the run ends.
#[async_trait]
pub trait Held: Send {
    /// Increases with every lease taken on the job (Redis): a holder whose
    /// lease expired can tell that a later one exists.
    fn fencing_token(&self) -> u64;
    async fn release(self: Box<Self>);
}

#[async_trait]
pub trait Lease: Send + Sync {
    /// The lease on `job` for at most `ttl`, if nobody holds it.
    async fn acquire(&self, job: &str, ttl: Duration) -> anyhow::Result<Option<Box<dyn Held>>>;
}

/// One instance: a set of the jobs running here.
#[derive(Default)]
pub struct LocalLease {
    running: Arc<Mutex<HashSet<String>>>,
}

struct LocalHeld {
    running: Arc<Mutex<HashSet<String>>>,
    job: String,
}

#[async_trait]
impl Held for LocalHeld {
    fn fencing_token(&self) -> u64 {
        0
    }

    async fn release(self: Box<Self>) {
        if let Ok(mut running) = self.running.lock() {
            running.remove(&self.job);
        }
    }
}

#[async_trait]
impl Lease for LocalLease {
    async fn acquire(&self, job: &str, _ttl: Duration) -> anyhow::Result<Option<Box<dyn Held>>> {
        let mut running = self.running.lock().map_err(|_| anyhow::anyhow!("the local lease is poisoned"))?;
        if !running.insert(job.to_owned()) {
            return Ok(None);
        }
        Ok(Some(Box::new(LocalHeld { running: self.running.clone(), job: job.to_owned() })))
    }
}

/// PostgreSQL: a transaction-scoped advisory lock per job, released by
/// PostgreSQL itself if the instance dies.
pub struct PostgresLease {
    app: Arc<App>,
}

impl PostgresLease {
    pub fn new(app: Arc<App>) -> Self {
        PostgresLease { app }
    }
}

/// A stable 63-bit key per job name (FNV-1a): the same on every instance.
fn lock_key(job: &str) -> i64 {
    let hash = job.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    i64::try_from(hash >> 1).unwrap_or(i64::MAX)
}

struct PostgresHeld(baocao_app::views::ClusterLock);

#[async_trait]
impl Held for PostgresHeld {
    fn fencing_token(&self) -> u64 {
        0
    }

    async fn release(self: Box<Self>) {
        if let Err(error) = self.0.release().await {
            tracing::warn!(%error, "releasing a job lock failed; PostgreSQL ends it with the connection");
        }
    }
}

#[async_trait]
impl Lease for PostgresLease {
    async fn acquire(&self, job: &str, _ttl: Duration) -> anyhow::Result<Option<Box<dyn Held>>> {
        let lock = baocao_app::operations::try_cluster_lock(&self.app, lock_key(job))
            .await
            .map_err(|e| anyhow::anyhow!("{}", e.public().1.en))?;
        Ok(lock.map(|l| Box::new(PostgresHeld(l)) as Box<dyn Held>))
    }
}

/// Redis: `SET key token NX PX ttl`; released only by its holder (the token
/// is compared in a script), and a counter hands out fencing tokens.
pub struct RedisLease {
    redis: redis::aio::ConnectionManager,
    prefix: String,
}

impl RedisLease {
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let redis = baocao_bus::redis_connection(client).await?;
        Ok(RedisLease { redis, prefix: prefix.to_owned() })
    }
}

struct RedisHeld {
    redis: redis::aio::ConnectionManager,
    key: String,
    token: String,
    fence: u64,
}

const RELEASE: &str =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

#[async_trait]
impl Held for RedisHeld {
    fn fencing_token(&self) -> u64 {
        self.fence
    }

    async fn release(mut self: Box<Self>) {
        let released: redis::RedisResult<i64> =
            redis::cmd("EVAL").arg(RELEASE).arg(1).arg(&self.key).arg(&self.token).query_async(&mut self.redis).await;
        if let Err(error) = released {
            tracing::warn!(%error, "releasing a job lease failed; it expires by itself");
        }
    }
}

#[async_trait]
impl Lease for RedisLease {
    async fn acquire(&self, job: &str, ttl: Duration) -> anyhow::Result<Option<Box<dyn Held>>> {
        let mut redis = self.redis.clone();
        let key = format!("{}lease:{job}", self.prefix);
        let token = format!("{:032x}", rand::random::<u128>());
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX);
        let taken: Option<String> =
            redis::cmd("SET").arg(&key).arg(&token).arg("NX").arg("PX").arg(millis).query_async(&mut redis).await?;
        if taken.is_none() {
            return Ok(None);
        }
        let fence: u64 = redis.incr(format!("{key}:fence"), 1).await?;
        Ok(Some(Box::new(RedisHeld { redis, key, token, fence })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_lease_is_held_once_until_released() {
        let lease = LocalLease::default();
        let held = lease.acquire("outbox", Duration::from_secs(60)).await.unwrap().unwrap();
        assert!(lease.acquire("outbox", Duration::from_secs(60)).await.unwrap().is_none());
        assert!(lease.acquire("reminders", Duration::from_secs(60)).await.unwrap().is_some(), "per job");
        held.release().await;
        assert!(lease.acquire("outbox", Duration::from_secs(60)).await.unwrap().is_some());
    }

    #[test]
    fn lock_keys_are_stable_and_distinct() {
        assert_eq!(lock_key("outbox"), lock_key("outbox"));
        assert_ne!(lock_key("outbox"), lock_key("reminders"));
        assert!(lock_key("outbox") >= 0);
    }
}
