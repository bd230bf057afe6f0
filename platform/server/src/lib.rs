//! The baocao application: wires storage, authorisation, sessions, the
//! event bus and the web layer together from one [`Settings`]. `main.rs`
//! only parses the command line; tests call [`Application::build`] with
//! port 0 and talk to the real server.

pub mod demo;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::web;
use anyhow::Context;
use baocao_authz::{Authorizer, PolicySet};
use baocao_bus::{Event, EventBus, InProcessBus, RedisBus};
use baocao_config::{Metrics, Settings, redact};
use baocao_domain::ids::UserId;
use baocao_domain::types::UnitName;
use baocao_http::AppState;
use baocao_identity::session::{MemorySessions, RedisSessions, SessionStore};
use baocao_storage::Store;

pub use baocao_config;

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    state: web::Data<AppState>,
}

/// Connects and migrates the database, and makes sure the platform root exists.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    let store = Store::connect(&settings.database.url).await.with_context(|| format!("connecting to {}", redact(&settings.database.url)))?;
    store.migrate().await.context("applying migrations")?;
    let root_name = UnitName::parse("Văn phòng Chính phủ").map_err(|e| anyhow::anyhow!(e.to_string()))?;
    store.ensure_root(&root_name).await.context("creating the platform root")?;
    Ok(store)
}

/// The authorisation policies: `authz.policies_dir` when set, else the ones built in.
pub fn policies(settings: &Settings) -> anyhow::Result<PolicySet> {
    match &settings.authz.policies_dir {
        Some(dir) => PolicySet::from_dir(dir).with_context(|| format!("reading policies from {}", dir.display())),
        None => Ok(PolicySet::builtin()),
    }
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = open_store(&settings).await?;
        Self::build_with_store(settings, store).await
    }

    pub async fn build_with_store(settings: Settings, store: Store) -> anyhow::Result<Self> {
        let policies = policies(&settings)?;
        let authz = Arc::new(Authorizer::new(&policies).await.context("loading the authorisation policies")?);
        authz.load_memberships(store.all_memberships().await?).await.context("loading group memberships")?;

        let (sessions, bus): (Arc<dyn SessionStore>, Arc<dyn EventBus>) = match &settings.redis.url {
            Some(url) => {
                let sessions = RedisSessions::connect(url, &settings.redis.prefix).await.context("connecting the session store to Redis")?;
                let bus = RedisBus::connect(url, &settings.redis.prefix).await.context("connecting the event bus to Redis")?;
                (Arc::new(sessions), bus)
            }
            None => (Arc::new(MemorySessions::default()), Arc::new(InProcessBus::default())),
        };
        let host = baocao_plugins::PluginHost::new(baocao_plugins::Limits::default()).context("starting the plugin host")?;
        let regimes = Arc::new(baocao_plugins::Registry::new(host));
        if settings.plugins.preload {
            let registry = regimes.clone();
            tokio::task::spawn_blocking(move || registry.preload()).await?.map_err(|e| anyhow::anyhow!(e)).context("loading the built-in regimes")?;
        }
        if let Some(dir) = &settings.plugins.dir {
            regimes.load_dir(dir).map_err(|(file, e)| anyhow::anyhow!("regime plugin {}: {e}", file.display()))?;
        }
        let uploaded = baocao_http::regimes::load_all(&store, &regimes).await.map_err(|e| anyhow::anyhow!(e.to_string()))?;
        tracing::info!(builtin = baocao_plugins::builtin_plugins().len(), uploaded, "regime plugins loaded");
        spawn_event_listener(bus.clone(), store.clone(), authz.clone(), regimes.clone());

        let metrics = Metrics::new().context("registering metrics")?;
        let listener = TcpListener::bind(&settings.http.listen).with_context(|| format!("binding {}", settings.http.listen))?;
        let port = listener.local_addr()?.port();
        tracing::info!(
            listen = %settings.http.listen, port, database = store.backend_name(),
            redis = settings.redis.url.is_some(), "baocao is starting"
        );
        let state = web::Data::new(AppState::new(settings, store, authz, sessions, bus, metrics, regimes));
        let server = baocao_http::server(state.clone(), listener)?;
        Ok(Application { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Keeps this instance in step with changes made on any instance: group
/// memberships (the enforcer) and regime plugins (the registry).
fn spawn_event_listener(bus: Arc<dyn EventBus>, store: Store, authz: Arc<Authorizer>, regimes: Arc<baocao_plugins::Registry>) {
    let mut events = bus.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(Event::MembershipsChanged { user_id }) => {
                    let user = UserId(user_id);
                    match store.all_memberships_of(user).await {
                        Ok(rows) => {
                            if let Err(error) = authz.replace_memberships(user, &rows).await {
                                tracing::error!(%error, "reloading memberships failed");
                            }
                        }
                        Err(error) => tracing::error!(%error, "reading memberships failed"),
                    }
                }
                Ok(Event::RegimeChanged { id }) => baocao_http::regimes::reload(&store, &regimes, id).await,
                // Browsers subscribe to the bus themselves (server-sent events).
                Ok(Event::Notified { .. }) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    // Too far behind to know who changed: reload everyone.
                    tracing::warn!(missed, "event bus lagged; reloading all memberships");
                    if let Ok(all) = store.all_memberships().await {
                        let mut by_user: std::collections::HashMap<UserId, Vec<_>> = std::collections::HashMap::new();
                        for (user, m) in all {
                            by_user.entry(user).or_default().push(m);
                        }
                        for (user, rows) in by_user {
                            let _ = authz.replace_memberships(user, &rows).await;
                        }
                    }
                    if let Err(error) = baocao_http::regimes::load_all(&store, &regimes).await {
                        tracing::error!(%error, "reloading regime plugins failed");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
