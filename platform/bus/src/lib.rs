//! The event bus: how one part of the platform tells the others (and other
//! instances) that something happened. In process by default; over Redis
//! pub/sub when Redis is configured, so that an event raised on one instance
//! reaches every instance behind the load balancer.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// What can happen. Events carry ids, never secrets or personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A user's group memberships changed: every instance reloads them into its enforcer.
    MembershipsChanged { user_id: i64 },
    /// A regime plugin was uploaded, enabled or disabled: every instance loads the row again.
    RegimeChanged { id: i64 },
    /// New notifications were written for these users: open browsers refresh their bell.
    Notified { user_ids: Vec<i64> },
}

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("event bus unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait EventBus: Send + Sync {
    async fn publish(&self, event: &Event) -> Result<(), BusError>;
    /// Every event published from now on, on any instance.
    fn subscribe(&self) -> broadcast::Receiver<Event>;
    async fn ping(&self) -> Result<(), BusError>;
}

/// Events within this process.
pub struct InProcessBus {
    sender: broadcast::Sender<Event>,
}

impl Default for InProcessBus {
    fn default() -> Self {
        InProcessBus { sender: broadcast::channel(1024).0 }
    }
}

#[async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        // No subscriber is not an error: nobody needed to hear it.
        let _ = self.sender.send(event.clone());
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    async fn ping(&self) -> Result<(), BusError> {
        Ok(())
    }
}

/// A connection to the cluster's Redis that reconnects by itself and, while
/// Redis is away, fails a command within about two seconds instead of
/// waiting for it (the default retries for about twelve): a request that
/// needs Redis then answers 503 at once rather than hang. Every Redis user
/// of the platform (sessions, sign-in counters, events, job leases) connects
/// through it.
pub async fn redis_connection(client: redis::Client) -> redis::RedisResult<redis::aio::ConnectionManager> {
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Duration::from_secs(1))
        .set_response_timeout(Duration::from_secs(2))
        .set_number_of_retries(1)
        .set_max_delay(500);
    redis::aio::ConnectionManager::new_with_config(client, config).await
}

/// Events over Redis pub/sub. A background task relays the channel into a
/// local broadcast and reconnects after a failure.
pub struct RedisBus {
    conn: redis::aio::ConnectionManager,
    channel: String,
    local: broadcast::Sender<Event>,
}

fn unavailable(err: redis::RedisError) -> BusError {
    BusError::Unavailable(err.to_string())
}

impl RedisBus {
    pub async fn connect(url: &str, prefix: &str) -> Result<Arc<Self>, BusError> {
        let client = redis::Client::open(url).map_err(unavailable)?;
        let conn = redis_connection(client.clone()).await.map_err(unavailable)?;
        let channel = format!("{prefix}events");
        let (local, _) = broadcast::channel(1024);
        // Subscribe before returning so no event published after connect() is missed.
        let mut pubsub = client.get_async_pubsub().await.map_err(unavailable)?;
        pubsub.subscribe(&channel).await.map_err(unavailable)?;
        let bus = Arc::new(RedisBus { conn, channel: channel.clone(), local: local.clone() });
        tokio::spawn(relay(client, channel, local, pubsub));
        Ok(bus)
    }
}

async fn relay(client: redis::Client, channel: String, local: broadcast::Sender<Event>, first: redis::aio::PubSub) {
    let mut pubsub = Some(first);
    loop {
        let mut current = match pubsub.take() {
            Some(p) => p,
            None => match client.get_async_pubsub().await {
                Ok(mut p) => match p.subscribe(&channel).await {
                    Ok(()) => p,
                    Err(error) => {
                        tracing::warn!(%error, "event bus: subscribe failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                },
                Err(error) => {
                    tracing::warn!(%error, "event bus: Redis unreachable; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
        };
        {
            let mut messages = current.on_message();
            while let Some(message) = messages.next().await {
                let Ok(payload) = message.get_payload::<String>() else { continue };
                match serde_json::from_str::<Event>(&payload) {
                    Ok(event) => {
                        let _ = local.send(event);
                    }
                    Err(error) => tracing::warn!(%error, "event bus: ignoring a malformed event"),
                }
            }
        }
        tracing::warn!("event bus: Redis subscription ended; reconnecting");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, event: &Event) -> Result<(), BusError> {
        let payload = serde_json::to_string(event).map_err(|e| BusError::Unavailable(e.to_string()))?;
        let mut conn = self.conn.clone();
        let _: i64 =
            redis::cmd("PUBLISH").arg(&self.channel).arg(payload).query_async(&mut conn).await.map_err(unavailable)?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    async fn ping(&self) -> Result<(), BusError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(unavailable)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn in_process_events_reach_subscribers() {
        let bus = InProcessBus::default();
        let mut rx = bus.subscribe();
        bus.publish(&Event::MembershipsChanged { user_id: 3 }).await.unwrap();
        assert_eq!(rx.recv().await.unwrap(), Event::MembershipsChanged { user_id: 3 });
    }
}
