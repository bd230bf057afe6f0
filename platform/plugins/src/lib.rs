//! The sandboxed host of regime plugins.
//!
//! Every plugin is a core WebAssembly module speaking the ABI of
//! `baocao-regime-abi` (see `plugins/README.md`). The host grants it nothing:
//! a module that imports anything is refused. Each call gets a fresh instance
//! with a fuel budget, a wall-clock deadline (epoch interruption), a memory
//! cap and a cap on the size of its answer, so a looping, greedy, crashing or
//! lying plugin costs one failed call and never the server. Compiled modules
//! are kept by the SHA-256 of their bytes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use baocao_regime_abi::{
    ABI_MAJOR, CellError, Checked, FormData, Function, Manifest, PeriodWindow, Reply, ScheduleRequest, unpack,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, Instance, Module, Store, StoreLimits, StoreLimitsBuilder, Trap};

pub use baocao_regime_abi as abi;

mod artifacts;
pub mod registry;
pub mod runner;
pub use registry::{Entry, Registry, Scope};
pub use runner::Runner;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// The plugins built from `plugins/` into this binary: (name, bytes).
pub fn builtin_plugins() -> &'static [(&'static str, &'static [u8])] {
    builtin::BUILTIN
}

/// A fixture plugin built from `plugins/fixtures/` (for tests and benchmarks;
/// never loaded by the server), read from where the build left it.
pub fn fixture_plugin(stem: &str) -> Option<Vec<u8>> {
    builtin::FIXTURES.iter().find(|(s, _)| *s == stem).and_then(|(_, path)| std::fs::read(path).ok())
}

/// Bounds on every plugin and every call.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest module accepted, in bytes.
    pub max_module_bytes: usize,
    /// Linear memory a call may grow to, in bytes.
    pub max_memory_bytes: usize,
    /// Fuel (roughly, WebAssembly instructions) per call.
    pub fuel: u64,
    /// Wall-clock time per call.
    pub deadline: Duration,
    /// Largest answer accepted, in bytes.
    pub max_output_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_module_bytes: 8 * 1024 * 1024,
            max_memory_bytes: 64 * 1024 * 1024,
            fuel: 2_000_000_000,
            deadline: Duration::from_secs(2),
            max_output_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Why a plugin or a call was refused. Messages are for operators; the web
/// layer turns them into bilingual answers.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("the module is {size} bytes, more than the {max} allowed")]
    TooLarge { size: usize, max: usize },
    #[error("not a valid WebAssembly module: {0}")]
    NotWasm(String),
    #[error("the module asks for capabilities that are not granted: {0}")]
    Imports(String),
    #[error("the module does not export `{0}`")]
    MissingExport(&'static str),
    #[error("plugin ABI major version {found} is not supported (this host speaks {supported})")]
    AbiMismatch { found: i64, supported: u32 },
    #[error("the plugin ran out of fuel (too much computation)")]
    OutOfFuel,
    #[error("the plugin did not finish within {0:?}")]
    Timeout(Duration),
    #[error("the plugin exceeded its memory limit")]
    MemoryLimit,
    #[error("the plugin crashed: {0}")]
    Trap(String),
    #[error("the plugin's answer is larger than {0} bytes")]
    OutputTooLarge(usize),
    #[error("the plugin's answer is malformed: {0}")]
    MalformedOutput(String),
    #[error("the plugin refused the request: {0}")]
    Refused(String),
    #[error("the manifest is invalid: {}", .0.join("; "))]
    InvalidManifest(Vec<String>),
}

/// A compiled plugin and the manifest it declared.
pub struct Plugin {
    pub sha256: String,
    pub size: usize,
    pub manifest: Manifest,
    module: Module,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin")
            .field("code", &self.manifest.code)
            .field("version", &self.manifest.version)
            .field("sha256", &self.sha256)
            .finish()
    }
}

struct CallState {
    limits: StoreLimits,
}

pub struct PluginHost {
    engine: Engine,
    limits: Limits,
    compiled: RwLock<HashMap<String, Arc<Plugin>>>,
    calls: AtomicU64,
    busy_nanos: AtomicU64,
    /// Where compiled modules are kept between starts, if anywhere.
    artifacts: Option<artifacts::Artifacts>,
}

/// How many calls this host has made into plugins, and the time they took
/// (instantiation, the copy in and out, the plugin's own work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallStats {
    pub calls: u64,
    pub busy: Duration,
}

const TICK: Duration = Duration::from_millis(10);

impl PluginHost {
    pub fn new(limits: Limits) -> Result<Self, PluginError> {
        let mut config = Config::new();
        config.consume_fuel(true).epoch_interruption(true).max_wasm_stack(512 * 1024);
        let engine = Engine::new(&config).map_err(|e| PluginError::NotWasm(e.to_string()))?;
        // One ticker per host drives every call's deadline; it stops with the engine.
        let weak = engine.weak();
        std::thread::Builder::new()
            .name("plugin-epoch".to_owned())
            .spawn(move || {
                while let Some(engine) = weak.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(TICK);
                }
            })
            .map_err(|e| PluginError::Trap(e.to_string()))?;
        Ok(PluginHost {
            engine,
            limits,
            compiled: RwLock::new(HashMap::new()),
            calls: AtomicU64::new(0),
            busy_nanos: AtomicU64::new(0),
            artifacts: None,
        })
    }

    /// Keeps every module this host compiles in `dir`, and reads modules
    /// compiled there before instead of compiling them again.
    pub fn keep_compiled_in(mut self, dir: std::path::PathBuf) -> Self {
        self.artifacts = Some(artifacts::Artifacts::new(&self.engine, dir));
        self
    }

    /// Where this host keeps compiled modules.
    pub fn compiled_dir(&self) -> Option<&std::path::Path> {
        self.artifacts.as_ref().map(|a| a.dir())
    }

    /// The module's machine code: compiled before and kept, or compiled now
    /// (and kept for the next start).
    fn compile(&self, bytes: &[u8], sha256: &str) -> Result<Module, PluginError> {
        if let Some(module) = self.artifacts.as_ref().and_then(|a| a.read(&self.engine, sha256)) {
            return Ok(module);
        }
        let module = Module::new(&self.engine, bytes).map_err(|e| PluginError::NotWasm(format!("{e:#}")))?;
        if let Some(artifacts) = &self.artifacts {
            artifacts.write(sha256, &module);
        }
        Ok(module)
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn stats(&self) -> CallStats {
        CallStats {
            calls: self.calls.load(Ordering::Relaxed),
            busy: Duration::from_nanos(self.busy_nanos.load(Ordering::Relaxed)),
        }
    }

    /// Compiles (or takes from the cache), checks the ABI and the imports,
    /// reads and checks the manifest.
    pub fn load(&self, bytes: &[u8]) -> Result<Arc<Plugin>, PluginError> {
        if bytes.len() > self.limits.max_module_bytes {
            return Err(PluginError::TooLarge { size: bytes.len(), max: self.limits.max_module_bytes });
        }
        let sha256 = hex::encode(Sha256::digest(bytes));
        if let Some(plugin) = self.compiled.read().ok().and_then(|c| c.get(&sha256).cloned()) {
            return Ok(plugin);
        }
        if !bytes.starts_with(b"\0asm") {
            return Err(PluginError::NotWasm("the file does not start with the WebAssembly magic number".to_owned()));
        }
        let module = self.compile(bytes, &sha256)?;
        let imports: Vec<String> = module.imports().map(|i| format!("{}::{}", i.module(), i.name())).collect();
        if !imports.is_empty() {
            return Err(PluginError::Imports(imports.join(", ")));
        }
        for export in ["memory", "baocao_abi_major", "baocao_alloc", "baocao_free", "baocao_call"] {
            if module.get_export(export).is_none() {
                return Err(PluginError::MissingExport(export));
            }
        }
        let (mut store, instance) = self.instantiate(&module)?;
        let major = instance
            .get_typed_func::<(), i32>(&mut store, "baocao_abi_major")
            .map_err(|_| PluginError::MissingExport("baocao_abi_major"))?
            .call(&mut store, ())
            .map_err(|e| classify(e, self.limits.deadline))?;
        if major < 0 || major as u32 != ABI_MAJOR {
            return Err(PluginError::AbiMismatch { found: i64::from(major), supported: ABI_MAJOR });
        }
        let manifest: Manifest = self.invoke(&mut store, &instance, Function::Manifest, &())?;
        let problems = baocao_regime_abi::check_manifest(&manifest);
        if !problems.is_empty() {
            return Err(PluginError::InvalidManifest(problems));
        }
        let plugin = Arc::new(Plugin { sha256: sha256.clone(), size: bytes.len(), manifest, module });
        if let Ok(mut cache) = self.compiled.write() {
            cache.insert(sha256, plugin.clone());
        }
        Ok(plugin)
    }

    fn instantiate(&self, module: &Module) -> Result<(Store<CallState>, Instance), PluginError> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(self.limits.max_memory_bytes)
            .instances(1)
            .memories(1)
            .tables(4)
            .trap_on_grow_failure(true)
            .build();
        let mut store = Store::new(&self.engine, CallState { limits });
        store.limiter(|s| &mut s.limits);
        store.set_fuel(self.limits.fuel).map_err(|e| PluginError::Trap(e.to_string()))?;
        let ticks = (self.limits.deadline.as_millis() / TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        let instance = Instance::new(&mut store, module, &[]).map_err(|e| classify(e, self.limits.deadline))?;
        Ok((store, instance))
    }

    fn invoke<I: Serialize, O: DeserializeOwned>(
        &self, store: &mut Store<CallState>, instance: &Instance, function: Function, input: &I,
    ) -> Result<O, PluginError> {
        let input = serde_json::to_vec(input).map_err(|e| PluginError::MalformedOutput(e.to_string()))?;
        let memory = instance.get_memory(&mut *store, "memory").ok_or(PluginError::MissingExport("memory"))?;
        let alloc = instance
            .get_typed_func::<i32, i32>(&mut *store, "baocao_alloc")
            .map_err(|_| PluginError::MissingExport("baocao_alloc"))?;
        let call = instance
            .get_typed_func::<(i32, i32, i32), i64>(&mut *store, "baocao_call")
            .map_err(|_| PluginError::MissingExport("baocao_call"))?;
        let len = i32::try_from(input.len()).map_err(|_| PluginError::OutputTooLarge(input.len()))?;
        let deadline = self.limits.deadline;
        let ptr = alloc.call(&mut *store, len).map_err(|e| classify(e, deadline))?;
        memory
            .write(&mut *store, ptr as u32 as usize, &input)
            .map_err(|_| PluginError::MalformedOutput("the plugin's input buffer is out of bounds".to_owned()))?;
        let packed = call.call(&mut *store, (function as i32, ptr, len)).map_err(|e| classify(e, deadline))?;
        let (out_ptr, out_len) = unpack(packed);
        let out_len = out_len as usize;
        if out_len > self.limits.max_output_bytes {
            return Err(PluginError::OutputTooLarge(self.limits.max_output_bytes));
        }
        let mut output = vec![0u8; out_len];
        memory
            .read(&*store, out_ptr as usize, &mut output)
            .map_err(|_| PluginError::MalformedOutput("the answer lies outside the plugin's memory".to_owned()))?;
        match serde_json::from_slice::<Reply<O>>(&output) {
            Ok(Reply::Ok(value)) => Ok(value),
            Ok(Reply::Error(message)) => Err(PluginError::Refused(message)),
            Err(e) => Err(PluginError::MalformedOutput(e.to_string())),
        }
    }

    /// One call on a fresh instance of `plugin`.
    pub fn call<I: Serialize, O: DeserializeOwned>(
        &self, plugin: &Plugin, function: Function, input: &I,
    ) -> Result<O, PluginError> {
        let started = Instant::now();
        let result = self
            .instantiate(&plugin.module)
            .and_then(|(mut store, instance)| self.invoke(&mut store, &instance, function, input));
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.busy_nanos.fetch_add(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
        result
    }

    /// What a save needs: every formula and total computed, and the result
    /// validated. A plugin of ABI 1.2 or later does both in one call (one
    /// instance, one JSON round trip); an older one gets the two calls it serves.
    pub fn check(&self, plugin: &Plugin, data: &FormData) -> Result<Checked, PluginError> {
        if plugin.manifest.abi.minor >= 2 {
            return self.call(plugin, Function::Check, data);
        }
        self.check_in_two_calls(plugin, data)
    }

    /// `compute`, then `validate`: the way of ABI 1.1, which every plugin serves.
    pub fn check_in_two_calls(&self, plugin: &Plugin, data: &FormData) -> Result<Checked, PluginError> {
        let data = self.compute(plugin, data)?;
        let errors = self.validate(plugin, &data)?;
        Ok(Checked { data, errors })
    }

    /// "Chuẩn hóa dữ liệu": every formula and total cell filled.
    pub fn compute(&self, plugin: &Plugin, data: &FormData) -> Result<FormData, PluginError> {
        self.call(plugin, Function::Compute, data)
    }

    pub fn validate(&self, plugin: &Plugin, data: &FormData) -> Result<Vec<CellError>, PluginError> {
        self.call(plugin, Function::Validate, data)
    }

    pub fn score(
        &self, plugin: &Plugin, request: &baocao_regime_abi::ScoreRequest,
    ) -> Result<Vec<baocao_regime_abi::UnitScore>, PluginError> {
        self.call(plugin, Function::Score, request)
    }

    pub fn schedule(&self, plugin: &Plugin, request: &ScheduleRequest) -> Result<Vec<PeriodWindow>, PluginError> {
        self.call(plugin, Function::Schedule, request)
    }
}

/// Turns a wasmtime failure into the reason a person can act on.
fn classify(error: wasmtime::Error, deadline: Duration) -> PluginError {
    if let Some(trap) = error.downcast_ref::<Trap>() {
        return match trap {
            Trap::OutOfFuel => PluginError::OutOfFuel,
            Trap::Interrupt => PluginError::Timeout(deadline),
            other => PluginError::Trap(other.to_string()),
        };
    }
    let text = format!("{error:#}");
    if text.contains("memory") && (text.contains("limit") || text.contains("grow")) {
        return PluginError::MemoryLimit;
    }
    PluginError::Trap(text)
}
