//! The baocao application: wires storage, authorisation, sessions, the
//! event bus and the web layer together from one [`Settings`]. `main.rs`
//! only parses the command line; tests call [`Application::build`] with
//! port 0 and talk to the real server.

pub use baocao_app::demo;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::web;
use anyhow::Context;
use baocao_authz::PolicySet;
use baocao_bus::{EventBus, InProcessBus, RedisBus};
use baocao_config::{Metrics, Settings};
use baocao_http::AppState;
use baocao_identity::session::{MemorySessions, RedisSessions, SessionStore};
use baocao_storage::Store;

pub use baocao_config;

/// Starts the background jobs on this instance; each run takes the cluster's
/// lease first, so several instances run each job once between them.
pub async fn start_jobs(app: Arc<baocao_app::App>, metrics: Metrics) -> anyhow::Result<()> {
    let jobs = baocao_jobs::builtin(app.settings());
    let lease = baocao_jobs::lease_for(app.clone()).await.context("taking the jobs' lease backend")?;
    tracing::info!(jobs = jobs.len(), "background jobs started");
    baocao_jobs::Scheduler::new(app, lease, metrics).spawn(jobs);
    Ok(())
}

/// `baocao worker`: the background jobs alone, without the web server (a
/// separate worker deployment), until the process is told to stop.
pub async fn run_worker(settings: Settings) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let bus: Arc<dyn EventBus> = match &settings.redis.url {
        Some(url) => {
            RedisBus::connect(url, &settings.redis.prefix).await.context("connecting the event bus to Redis")?
        }
        None => Arc::new(InProcessBus::default()),
    };
    let app = Arc::new(baocao_app::start::assemble(settings.clone(), store, bus).await?);
    baocao_app::sync::spawn(app.clone());
    start_jobs(app, Metrics::new().context("registering metrics")?).await?;
    tokio::signal::ctrl_c().await.context("waiting for the stop signal")?;
    Ok(())
}

pub struct Application {
    port: u16,
    server: actix_web::dev::Server,
    state: web::Data<AppState>,
}

/// Connects and migrates the database, and makes sure the platform root exists.
pub async fn open_store(settings: &Settings) -> anyhow::Result<Store> {
    Ok(baocao_app::start::open_store(settings).await?)
}

/// The authorisation policies: `authz.policies_dir` when set, else the ones built in.
pub fn policies(settings: &Settings) -> anyhow::Result<PolicySet> {
    Ok(baocao_app::start::policies(settings)?)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = open_store(&settings).await?;
        Self::build_with_store(settings, store).await
    }

    pub async fn build_with_store(settings: Settings, store: Store) -> anyhow::Result<Self> {
        let (sessions, bus): (Arc<dyn SessionStore>, Arc<dyn EventBus>) = match &settings.redis.url {
            Some(url) => {
                let sessions = RedisSessions::connect(url, &settings.redis.prefix)
                    .await
                    .context("connecting the session store to Redis")?;
                let bus = RedisBus::connect(url, &settings.redis.prefix)
                    .await
                    .context("connecting the event bus to Redis")?;
                (Arc::new(sessions), bus)
            }
            None => (Arc::new(MemorySessions::default()), Arc::new(InProcessBus::default())),
        };
        let app = Arc::new(baocao_app::start::assemble(settings.clone(), store.clone(), bus).await?);
        baocao_app::sync::spawn(app.clone());

        let metrics = Metrics::new().context("registering metrics")?;
        let listener =
            TcpListener::bind(&settings.http.listen).with_context(|| format!("binding {}", settings.http.listen))?;
        let port = listener.local_addr()?.port();
        tracing::info!(
            listen = %settings.http.listen, port, database = store.backend_name(),
            redis = settings.redis.url.is_some(), "baocao is starting"
        );
        if settings.jobs.enabled {
            start_jobs(app.clone(), metrics.clone()).await?;
        }
        let state = web::Data::new(AppState::new(app, sessions, metrics));
        let server = baocao_web::server(state.clone(), listener)?;
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
