//! The one regime runner: how the platform runs regime code from async
//! code. Compiling a module and every call into the sandbox are CPU work
//! bounded by the host's limits, so they run on the blocking pool — here,
//! and nowhere else — and an async worker never stalls on a plugin.

use std::sync::Arc;

use baocao_regime_abi::{Checked, FormData, PeriodWindow, ScheduleRequest};

use crate::{Plugin, PluginError, Registry};

/// The registry of loaded plugins, with async calls into them.
#[derive(Clone)]
pub struct Runner {
    registry: Arc<Registry>,
}

impl Runner {
    pub fn new(registry: Arc<Registry>) -> Self {
        Runner { registry }
    }

    /// The plugins this instance holds (lookups only; they never block).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Compiles a module and reads its manifest; the bytes come back for storage.
    pub async fn load(&self, bytes: Vec<u8>) -> Result<(Arc<Plugin>, Vec<u8>), PluginError> {
        let registry = self.registry.clone();
        blocking(move || registry.host().load(&bytes).map(|plugin| (plugin, bytes))).await
    }

    /// Compiles the built-in plugins if nobody has yet.
    pub async fn ensure_builtins(&self) -> Result<(), PluginError> {
        if self.registry.builtins_loaded() {
            return Ok(());
        }
        let registry = self.registry.clone();
        blocking(move || registry.preload().map_err(PluginError::Trap)).await
    }

    /// Loads every module of an operator's directory.
    pub async fn load_dir(&self, dir: &std::path::Path) -> Result<usize, (std::path::PathBuf, PluginError)> {
        let (registry, dir) = (self.registry.clone(), dir.to_owned());
        tokio::task::spawn_blocking(move || registry.load_dir(&dir))
            .await
            .map_err(|e| (std::path::PathBuf::new(), PluginError::Trap(e.to_string())))?
    }

    /// Recomputes a report's cells and validates the result in one trip to
    /// the pool (and, for a plugin of ABI 1.2, one call into the sandbox).
    pub async fn check(&self, plugin: &Arc<Plugin>, data: FormData) -> Result<Checked, PluginError> {
        let (registry, plugin) = (self.registry.clone(), plugin.clone());
        blocking(move || registry.host().check(&plugin, &data)).await
    }

    /// The totals and ranks of several units' scoring forms, as the regime scores them.
    pub async fn score(
        &self, plugin: &Arc<Plugin>, request: baocao_regime_abi::ScoreRequest,
    ) -> Result<Vec<baocao_regime_abi::UnitScore>, PluginError> {
        let (registry, plugin) = (self.registry.clone(), plugin.clone());
        blocking(move || registry.host().score(&plugin, &request)).await
    }

    /// The windows of a year's periods of one kind, as the regime schedules them.
    pub async fn schedule(
        &self, plugin: &Arc<Plugin>, request: ScheduleRequest,
    ) -> Result<Vec<PeriodWindow>, PluginError> {
        let (registry, plugin) = (self.registry.clone(), plugin.clone());
        blocking(move || registry.host().schedule(&plugin, &request)).await
    }
}

/// Runs sandbox work on the blocking pool; a panic there is the plugin's crash.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, PluginError> + Send + 'static,
) -> Result<T, PluginError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| PluginError::Trap(e.to_string()))?
}
