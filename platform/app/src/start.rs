//! Starting an application: the database migrated with its platform root,
//! the authorisation policies with every membership loaded, the regime
//! plugins compiled. The server, the command line and tests start the same way.

use std::sync::Arc;

use anyhow::Context;
use baocao_authz::{Authorizer, PolicySet};
use baocao_bus::EventBus;
use baocao_config::{Settings, redact};
use baocao_domain::types::UnitName;
use baocao_storage::Store;

use crate::{App, Error};

/// Connects and migrates the database, and makes sure the platform root exists.
pub async fn open_store(settings: &Settings) -> Result<Store, Error> {
    let url = &settings.database.url;
    let store = Store::connect(url, settings.database.pool_size)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))
        .map_err(Error::Internal)?;
    store.migrate().await.context("applying migrations").map_err(Error::Internal)?;
    ensure_root(store).await
}

/// Connects for a serving process (`serve`, `worker`): it migrates the
/// database itself only when `database.migrate` says so (the embedded
/// default); otherwise it refuses a schema older or newer than itself, and
/// the operator runs `baocao migrate` (the Helm chart's hook does).
pub async fn open_store_for_serving(settings: &Settings) -> Result<Store, Error> {
    if settings.database.applies_migrations() {
        return open_store(settings).await;
    }
    let url = &settings.database.url;
    let store = Store::connect(url, settings.database.pool_size)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))
        .map_err(Error::Internal)?;
    let unknown = |e| {
        anyhow::Error::new(e).context(
            "the database was migrated by a newer version of baocao; run that version \
             (Cơ sở dữ liệu đã được nâng cấp bởi phiên bản mới hơn của baocao)",
        )
    };
    let pending = store.pending_migrations().await.map_err(unknown).map_err(Error::Internal)?;
    if !pending.is_empty() {
        return Err(Error::Internal(anyhow::anyhow!(
            "the database schema is older than this version of baocao ({} migrations pending, the first {}): \
             run `baocao migrate` first (Cơ sở dữ liệu chưa được cập nhật: hãy chạy `baocao migrate` trước)",
            pending.len(),
            pending[0],
        )));
    }
    ensure_root(store).await
}

async fn ensure_root(store: Store) -> Result<Store, Error> {
    let root_name = UnitName::parse("Văn phòng Chính phủ")?;
    store.ensure_root(&root_name).await.context("creating the platform root").map_err(Error::Internal)?;
    Ok(store)
}

/// The authorisation policies: `authz.policies_dir` when set, else the ones built in.
pub fn policies(settings: &Settings) -> Result<PolicySet, Error> {
    match &settings.authz.policies_dir {
        Some(dir) => PolicySet::from_dir(dir)
            .with_context(|| format!("reading policies from {}", dir.display()))
            .map_err(Error::Internal),
        None => Ok(PolicySet::builtin()),
    }
}

/// The application over an open store and an event bus, with its regimes
/// loaded; `sync::follow` keeps it in step with other instances.
pub async fn assemble(settings: Settings, store: Store, bus: Arc<dyn EventBus>) -> Result<App, Error> {
    let policies = policies(&settings)?;
    let authz = Arc::new(
        Authorizer::new(&policies).await.context("loading the authorisation policies").map_err(Error::Internal)?,
    );
    authz
        .load_memberships(store.all_memberships().await?)
        .await
        .context("loading group memberships")
        .map_err(Error::Internal)?;
    let host = baocao_plugins::PluginHost::new(baocao_plugins::Limits::default())
        .context("starting the plugin host")
        .map_err(Error::Internal)?
        .keep_compiled_in(crate::regimes::compiled_dir(&settings));
    let registry = Arc::new(baocao_plugins::Registry::new(host));
    let (preload, dir) = (settings.plugins.preload, settings.plugins.dir.clone());
    let counters: Arc<dyn baocao_identity::throttle::Counters> = match &settings.redis.url {
        Some(url) => {
            Arc::new(baocao_identity::throttle::RedisCounters::connect(url, &settings.redis.prefix).await.map_err(
                |e| Error::Unavailable(anyhow::Error::new(e).context("connecting the sign-in counters to Redis")),
            )?)
        }
        None => Arc::new(baocao_identity::throttle::MemoryCounters::default()),
    };
    let app = App::new(settings, store, authz, bus, registry, counters);
    let uploaded = crate::regimes::start(&app, preload, dir.as_deref()).await?;
    tracing::info!(builtin = baocao_plugins::builtin_plugins().len(), uploaded, "regime plugins loaded");
    Ok(app)
}
