//! The baocao application: wires storage, authorisation, sessions, the
//! event bus and the web layer together from one [`Settings`]. `main.rs`
//! only parses the command line; tests call [`Application::build`] with
//! port 0 and talk to the real server.

pub use baocao_app::demo;

/// Every program built on this crate (the binary, the tests, the benchmarks)
/// allocates with mimalloc: profiled under load, glibc's malloc and free were
/// a sixth of the CPU of reading a report.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// `baocao worker`: the background jobs alone, without the web pages (a
/// separate worker deployment), until the process is told to stop. It
/// answers `/healthz`, `/readyz` and `/metrics` on `http.listen` for its
/// probes and for Prometheus.
pub async fn run_worker(settings: Settings) -> anyhow::Result<()> {
    let store = open_store_for_serving(&settings).await?;
    let (sessions, bus) = shared_services(&settings).await?;
    let app = Arc::new(baocao_app::start::assemble(settings.clone(), store, bus).await?);
    baocao_app::sync::spawn(app.clone());
    let metrics = Metrics::new().context("registering metrics")?;
    start_jobs(app.clone(), metrics.clone()).await?;
    let listener =
        TcpListener::bind(&settings.http.listen).with_context(|| format!("binding {}", settings.http.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "baocao worker is running; probes at /healthz, /readyz and /metrics");
    println!("baocao worker: http://{address}/healthz");
    let state = web::Data::new(AppState::new(app, sessions, metrics));
    let server = baocao_http::ops_server(state, listener)?;
    let handle = server.handle();
    tokio::spawn(async move {
        stop_signal().await;
        tracing::info!("stopping the worker");
        handle.stop(true).await;
    });
    server.await.context("serving the worker's probes")
}

/// The session store and event bus every instance shares: Redis when
/// configured, else this process's own.
async fn shared_services(settings: &Settings) -> anyhow::Result<(Arc<dyn SessionStore>, Arc<dyn EventBus>)> {
    let Some(url) = &settings.redis.url else {
        return Ok((Arc::new(MemorySessions::default()), Arc::new(InProcessBus::default())));
    };
    let sessions =
        RedisSessions::connect(url, &settings.redis.prefix).await.context("connecting the session store to Redis")?;
    let bus = RedisBus::connect(url, &settings.redis.prefix).await.context("connecting the event bus to Redis")?;
    Ok((Arc::new(sessions), bus))
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

/// Connects for `serve` and `worker`: migrates only where `database.migrate`
/// says so (SQLite by default), otherwise refuses a schema it does not know.
pub async fn open_store_for_serving(settings: &Settings) -> anyhow::Result<Store> {
    Ok(baocao_app::start::open_store_for_serving(settings).await?)
}

/// The authorisation policies: `authz.policies_dir` when set, else the ones built in.
pub fn policies(settings: &Settings) -> anyhow::Result<PolicySet> {
    Ok(baocao_app::start::policies(settings)?)
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let store = open_store_for_serving(&settings).await?;
        Self::build_with_store(settings, store).await
    }

    pub async fn build_with_store(settings: Settings, store: Store) -> anyhow::Result<Self> {
        let (sessions, bus) = shared_services(&settings).await?;
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

    /// Serves until SIGTERM or Ctrl-C: then it stops taking connections, ends
    /// the event streams (browsers reconnect to another instance), lets the
    /// requests in flight finish within `http.shutdown_seconds`, and returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (handle, state) = (self.server.handle(), self.state.clone());
        tokio::spawn(async move {
            stop_signal().await;
            tracing::info!("stopping: no new connections, event streams closed, requests in flight finishing");
            state.begin_shutdown();
            handle.stop(true).await;
        });
        self.server.await
    }
}

/// SIGTERM (Kubernetes, systemd) or Ctrl-C.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(error) => tracing::warn!(%error, "SIGTERM cannot be caught; stopping on Ctrl-C only"),
        }
    }
    if let Err(error) = tokio::signal::ctrl_c().await {
        tracing::warn!(%error, "Ctrl-C cannot be caught");
        std::future::pending::<()>().await;
    }
}
