//! Sessions. The cookie holds a random id; the store keys the data by the
//! id's SHA-256, so a copy of the store (a Redis dump) yields no usable
//! cookie. In process by default; in Redis when configured, so that several
//! stateless instances share them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use baocao_domain::ids::UserId;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::IdentityError;
use crate::token::{digest, random_token};

/// What a session holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    /// The signed-in user; `None` before sign-in (the sign-in form's session).
    pub user_id: Option<UserId>,
    /// Expected in every state-changing form and cookie-authenticated API call.
    pub csrf_token: String,
    /// The answer to the captcha last shown, if any.
    pub captcha: Option<String>,
    /// A sign-in through the identity provider under way: taken out when
    /// its callback arrives, so a replayed callback finds nothing.
    #[serde(default)]
    pub oidc: Option<crate::oidc::Flow>,
    /// Seconds since the epoch.
    pub created_at: i64,
}

impl SessionData {
    pub fn anonymous() -> Self {
        SessionData {
            user_id: None,
            csrf_token: random_token(),
            captcha: None,
            oidc: None,
            created_at: chrono::Utc::now().timestamp(),
        }
    }

    pub fn signed_in(user: UserId) -> Self {
        SessionData { user_id: Some(user), ..SessionData::anonymous() }
    }
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn load(&self, id: &str) -> Result<Option<SessionData>, IdentityError>;
    async fn save(&self, id: &str, data: &SessionData, ttl: Duration) -> Result<(), IdentityError>;
    async fn delete(&self, id: &str) -> Result<(), IdentityError>;
    /// For `/readyz`.
    async fn ping(&self) -> Result<(), IdentityError>;

    /// Stores a new session and returns its id (for the cookie).
    async fn create(&self, data: &SessionData, ttl: Duration) -> Result<String, IdentityError> {
        let id = random_token();
        self.save(&id, data, ttl).await?;
        Ok(id)
    }
}

/// Anonymous sessions (a sign-in form's CSRF token and captcha answer) kept
/// at most, per instance: past it the oldest anonymous ones are dropped.
/// Signed-in sessions are never dropped for room.
pub const MAX_ANONYMOUS: usize = 50_000;

/// How long an anonymous session lives: long enough to type a password.
pub const ANONYMOUS_TTL: Duration = Duration::from_secs(15 * 60);

/// Sessions in this process's memory: the single-binary default. Every
/// operation costs O(log n) at most: expired sessions leave through a heap
/// ordered by expiry, and anonymous ones are capped through a queue in the
/// order they were made — never a scan of the whole map.
#[derive(Default)]
pub struct MemorySessions {
    inner: Mutex<MemoryInner>,
}

#[derive(Default)]
struct MemoryInner {
    map: HashMap<String, (SessionData, Instant)>,
    /// (expiry, key); an entry whose session was saved again later is stale and skipped.
    expiries: BinaryHeap<Reverse<(Instant, String)>>,
    /// Keys of anonymous sessions, oldest first; may hold keys since signed in or gone.
    anonymous: VecDeque<String>,
}

impl MemoryInner {
    fn expire(&mut self, now: Instant) {
        while let Some(Reverse((at, _))) = self.expiries.peek() {
            if *at > now {
                break;
            }
            let Some(Reverse((at, key))) = self.expiries.pop() else { break };
            if self.map.get(&key).is_some_and(|(_, expires)| *expires == at) {
                self.map.remove(&key);
            }
        }
    }

    fn cap_anonymous(&mut self) {
        while self.anonymous.len() > MAX_ANONYMOUS {
            let Some(key) = self.anonymous.pop_front() else { break };
            if self.map.get(&key).is_some_and(|(data, _)| data.user_id.is_none()) {
                self.map.remove(&key);
            }
        }
    }
}

impl MemorySessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Sessions held now (expired ones may linger until the next save).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    async fn load(&self, id: &str) -> Result<Option<SessionData>, IdentityError> {
        let key = digest(id);
        let inner = self.lock();
        match inner.map.get(&key) {
            Some((data, expires)) if *expires > Instant::now() => Ok(Some(data.clone())),
            _ => Ok(None),
        }
    }

    async fn save(&self, id: &str, data: &SessionData, ttl: Duration) -> Result<(), IdentityError> {
        let key = digest(id);
        let now = Instant::now();
        let expires = now + ttl;
        let mut inner = self.lock();
        inner.expire(now);
        let was_anonymous = inner.map.get(&key).is_some_and(|(d, _)| d.user_id.is_none());
        if data.user_id.is_none() && !was_anonymous {
            inner.anonymous.push_back(key.clone());
        }
        inner.expiries.push(Reverse((expires, key.clone())));
        inner.map.insert(key, (data.clone(), expires));
        inner.cap_anonymous();
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<(), IdentityError> {
        self.lock().map.remove(&digest(id));
        Ok(())
    }

    async fn ping(&self) -> Result<(), IdentityError> {
        Ok(())
    }
}

/// Sessions in Redis, shared by every instance.
pub struct RedisSessions {
    conn: redis::aio::ConnectionManager,
    prefix: String,
}

fn redis_error(err: redis::RedisError) -> IdentityError {
    // The error text names the command, never the values (which are ours).
    IdentityError::SessionStore(err.to_string())
}

impl RedisSessions {
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, IdentityError> {
        let client = redis::Client::open(url).map_err(redis_error)?;
        let conn = baocao_bus::redis_connection(client).await.map_err(redis_error)?;
        Ok(RedisSessions { conn, prefix: format!("{prefix}session:") })
    }

    fn key(&self, id: &str) -> String {
        format!("{}{}", self.prefix, digest(id))
    }
}

#[async_trait]
impl SessionStore for RedisSessions {
    async fn load(&self, id: &str) -> Result<Option<SessionData>, IdentityError> {
        let mut conn = self.conn.clone();
        let raw: Option<String> = conn.get(self.key(id)).await.map_err(redis_error)?;
        Ok(raw.and_then(|r| serde_json::from_str(&r).ok()))
    }

    async fn save(&self, id: &str, data: &SessionData, ttl: Duration) -> Result<(), IdentityError> {
        let mut conn = self.conn.clone();
        let value = serde_json::to_string(data).map_err(|e| IdentityError::SessionStore(e.to_string()))?;
        let _: () = conn.set_ex(self.key(id), value, ttl.as_secs().max(1)).await.map_err(redis_error)?;
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<(), IdentityError> {
        let mut conn = self.conn.clone();
        let _: () = conn.del(self.key(id)).await.map_err(redis_error)?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), IdentityError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(redis_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn memory_sessions_expire_and_delete() {
        let store = MemorySessions::default();
        let data = SessionData::signed_in(UserId(7));
        let id = store.create(&data, Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), Some(data.clone()));
        assert_eq!(store.load("other").await.unwrap(), None);
        store.delete(&id).await.unwrap();
        assert_eq!(store.load(&id).await.unwrap(), None);
        let short = store.create(&data, Duration::from_millis(1)).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(store.load(&short).await.unwrap(), None);
        // The next save takes the expired one out of the map.
        store.create(&data, Duration::from_secs(60)).await.unwrap();
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn anonymous_sessions_are_capped_and_signed_in_ones_kept() {
        let store = MemorySessions::default();
        let ttl = Duration::from_secs(600);
        let signed_in = store.create(&SessionData::signed_in(UserId(1)), ttl).await.unwrap();
        let first_anonymous = store.create(&SessionData::anonymous(), ttl).await.unwrap();
        for _ in 0..MAX_ANONYMOUS + 500 {
            store.create(&SessionData::anonymous(), ttl).await.unwrap();
        }
        assert_eq!(store.len(), MAX_ANONYMOUS + 1, "the cap on anonymous sessions, plus the signed-in one");
        assert!(store.load(&signed_in).await.unwrap().is_some(), "a signed-in session is never dropped for room");
        assert!(store.load(&first_anonymous).await.unwrap().is_none(), "the oldest anonymous ones go first");
    }
}
