//! Which regime plugins an instance has loaded, and which of them a tenant
//! sees. Built-in plugins come with the binary; uploaded ones from the
//! database. A regime has versions: new work uses the newest enabled version
//! visible to the tenant, while an existing report keeps the version it was
//! made with (looked up by [`Registry::version`]).

use std::sync::{Arc, RwLock};

use crate::{Plugin, PluginError, PluginHost};

/// Where a plugin applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every tenant: built in, or uploaded at the platform root.
    National,
    /// One tenant's own regime (e.g. a province's scoring).
    Tenant(i64),
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// The registry row; `None` for a built-in plugin.
    pub id: Option<i64>,
    pub plugin: Arc<Plugin>,
    pub scope: Scope,
    pub enabled: bool,
}

impl Entry {
    pub fn builtin(&self) -> bool {
        self.id.is_none()
    }

    fn visible_to(&self, tenant: i64) -> bool {
        match self.scope {
            Scope::National => true,
            Scope::Tenant(t) => t == tenant,
        }
    }
}

pub struct Registry {
    host: PluginHost,
    entries: RwLock<Vec<Entry>>,
    /// The built-in plugins are compiled once, at start (`preload`) or on
    /// first use, whichever comes first.
    builtins: std::sync::OnceLock<Result<(), String>>,
}

impl Registry {
    /// A registry that will hold the plugins built into this binary.
    pub fn new(host: PluginHost) -> Self {
        Registry { host, entries: RwLock::new(Vec::new()), builtins: std::sync::OnceLock::new() }
    }

    /// Compiles the built-in plugins now; a server calls this at start so a
    /// broken build fails loudly and the first request does not wait.
    pub fn preload(&self) -> Result<(), String> {
        self.builtins
            .get_or_init(|| {
                for (name, bytes) in crate::builtin_plugins() {
                    let plugin = self.host.load(bytes).map_err(|e| format!("built-in regime plugin {name}: {e}"))?;
                    tracing::info!(plugin = name, code = %plugin.manifest.code, version = plugin.manifest.version, sha256 = %plugin.sha256, "built-in regime loaded");
                    self.put(Entry { id: None, plugin, scope: Scope::National, enabled: true });
                }
                Ok(())
            })
            .clone()
    }

    /// Whether the built-in plugins are compiled already.
    pub fn builtins_loaded(&self) -> bool {
        self.builtins.get().is_some()
    }

    fn ensure_builtins(&self) {
        if let Err(error) = self.preload() {
            tracing::error!(%error, "a built-in regime plugin failed to load");
        }
    }

    /// Adds every `*.wasm` of an operator's directory as a national regime.
    /// A file that does not load stops the start: an operator put it there on purpose.
    pub fn load_dir(&self, dir: &std::path::Path) -> Result<usize, (std::path::PathBuf, PluginError)> {
        let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| (dir.to_path_buf(), PluginError::NotWasm(e.to_string())))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        files.sort();
        for file in &files {
            let bytes = std::fs::read(file).map_err(|e| (file.clone(), PluginError::NotWasm(e.to_string())))?;
            let plugin = self.host.load(&bytes).map_err(|e| (file.clone(), e))?;
            tracing::info!(file = %file.display(), code = %plugin.manifest.code, version = plugin.manifest.version, sha256 = %plugin.sha256, "regime loaded from the plugin directory");
            self.put(Entry { id: None, plugin, scope: Scope::National, enabled: true });
        }
        Ok(files.len())
    }

    pub fn host(&self) -> &PluginHost {
        &self.host
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Entry>> {
        match self.entries.read() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Adds or replaces (same registry id) an entry.
    pub fn put(&self, entry: Entry) {
        let mut entries = match self.entries.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        match entry.id.and_then(|id| entries.iter().position(|e| e.id == Some(id))) {
            Some(i) => entries[i] = entry,
            None => entries.push(entry),
        }
    }

    /// Whether a registry row is already loaded here (with this enabled state).
    pub fn has(&self, id: i64, enabled: bool) -> bool {
        self.read().iter().any(|e| e.id == Some(id) && e.enabled == enabled)
    }

    /// Every entry a tenant can see, every version, enabled or not.
    pub fn all_visible(&self, tenant: i64) -> Vec<Entry> {
        self.ensure_builtins();
        self.read().iter().filter(|e| e.visible_to(tenant)).cloned().collect()
    }

    /// The newest enabled version of each regime a tenant can see, by code.
    /// A tenant's own version of a code wins over the national one only when newer.
    pub fn current(&self, tenant: i64) -> Vec<Entry> {
        self.ensure_builtins();
        let mut best: Vec<Entry> = Vec::new();
        for e in self.read().iter().filter(|e| e.enabled && e.visible_to(tenant)) {
            match best.iter_mut().find(|b| b.plugin.manifest.code == e.plugin.manifest.code) {
                Some(b) if e.plugin.manifest.version > b.plugin.manifest.version => *b = e.clone(),
                Some(_) => {}
                None => best.push(e.clone()),
            }
        }
        best.sort_by(|a, b| a.plugin.manifest.code.cmp(&b.plugin.manifest.code));
        best
    }

    /// The newest enabled version of one regime for a tenant.
    pub fn find(&self, tenant: i64, code: &str) -> Option<Entry> {
        self.current(tenant).into_iter().find(|e| e.plugin.manifest.code == code)
    }

    /// The version that applies to a period starting on `period_start`
    /// (yyyy-MM-dd): the newest enabled version visible to the tenant whose
    /// `effective_from` is on or before that day. New assignments use it.
    pub fn applicable(&self, tenant: i64, code: &str, period_start: &str) -> Option<Entry> {
        self.ensure_builtins();
        self.read()
            .iter()
            .filter(|e| e.enabled && e.visible_to(tenant) && e.plugin.manifest.code == code)
            // ISO dates compare correctly as text.
            .filter(|e| e.plugin.manifest.effective_from.as_str() <= period_start)
            .max_by_key(|e| e.plugin.manifest.version)
            .cloned()
    }

    /// A given version of a regime (for reports made under it), enabled or not.
    pub fn version(&self, tenant: i64, code: &str, version: u32) -> Option<Entry> {
        self.ensure_builtins();
        self.read()
            .iter()
            .filter(|e| e.visible_to(tenant) && e.plugin.manifest.code == code && e.plugin.manifest.version == version)
            .max_by_key(|e| matches!(e.scope, Scope::Tenant(_)))
            .cloned()
    }
}
