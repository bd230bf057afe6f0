//! Sessions. The cookie holds a random id; the store keys the data by the
//! id's SHA-256, so a copy of the store (a Redis dump) yields no usable
//! cookie. In process by default; in Redis when configured, so that several
//! stateless instances share them.

use std::collections::HashMap;
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
    /// Seconds since the epoch.
    pub created_at: i64,
}

impl SessionData {
    pub fn anonymous() -> Self {
        SessionData { user_id: None, csrf_token: random_token(), captcha: None, created_at: chrono::Utc::now().timestamp() }
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

/// Sessions in this process's memory: the single-binary default.
#[derive(Default)]
pub struct MemorySessions {
    map: Mutex<HashMap<String, (SessionData, Instant)>>,
}

impl MemorySessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (SessionData, Instant)>> {
        match self.map.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

#[async_trait]
impl SessionStore for MemorySessions {
    async fn load(&self, id: &str) -> Result<Option<SessionData>, IdentityError> {
        let key = digest(id);
        let mut map = self.lock();
        match map.get(&key) {
            Some((data, expires)) if *expires > Instant::now() => Ok(Some(data.clone())),
            Some(_) => {
                map.remove(&key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn save(&self, id: &str, data: &SessionData, ttl: Duration) -> Result<(), IdentityError> {
        let mut map = self.lock();
        if map.len() > 100_000 {
            let now = Instant::now();
            map.retain(|_, (_, expires)| *expires > now);
        }
        map.insert(digest(id), (data.clone(), Instant::now() + ttl));
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<(), IdentityError> {
        self.lock().remove(&digest(id));
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
        let conn = redis::aio::ConnectionManager::new(client).await.map_err(redis_error)?;
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
    }
}
