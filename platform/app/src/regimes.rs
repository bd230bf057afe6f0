//! Regimes as plugins, seen from the platform: listing what a tenant can use,
//! uploading a new plugin (checked in the sandbox before anything is stored),
//! enabling and disabling versions. Uploads are scoped: at the platform root
//! they are national, elsewhere they belong to the uploader's tenant.

use baocao_authz::Grant;
use baocao_authz::perms::ManageRegimes;
use baocao_bus::Event;
use baocao_domain::ids::TenantId;
use baocao_domain::text::{Invalid, Text};
use baocao_domain::unit::TenantKind;
use baocao_plugins::{Entry, PluginError, Scope};
use baocao_storage::{NewRegimePlugin, RegimePluginRow};

use crate::App;
use crate::Caller;
use crate::Error;

/// The reason a plugin was refused, for people.
fn refusal(error: &PluginError) -> Text {
    let (vi, en) = match error {
        PluginError::TooLarge { size, max } => {
            (format!("tệp dài {size} byte, vượt mức {max} byte cho phép"), error.to_string())
        }
        PluginError::NotWasm(_) => ("tệp không phải mô-đun WebAssembly hợp lệ".to_owned(), error.to_string()),
        PluginError::Imports(what) => (format!("mô-đun đòi quyền truy cập không được cấp ({what})"), error.to_string()),
        PluginError::MissingExport(name) => (format!("mô-đun thiếu hàm bắt buộc `{name}`"), error.to_string()),
        PluginError::AbiMismatch { found, supported } => (
            format!("phiên bản giao diện (ABI) {found} không được hỗ trợ; hệ thống dùng phiên bản {supported}"),
            error.to_string(),
        ),
        PluginError::OutOfFuel => ("mô-đun tính toán quá giới hạn cho phép".to_owned(), error.to_string()),
        PluginError::Timeout(_) => ("mô-đun chạy quá thời gian cho phép".to_owned(), error.to_string()),
        PluginError::MemoryLimit => ("mô-đun dùng quá bộ nhớ cho phép".to_owned(), error.to_string()),
        PluginError::Trap(_) => ("mô-đun bị lỗi khi chạy".to_owned(), error.to_string()),
        PluginError::OutputTooLarge(_) => ("kết quả trả về của mô-đun quá lớn".to_owned(), error.to_string()),
        PluginError::MalformedOutput(_) => ("kết quả trả về của mô-đun sai định dạng".to_owned(), error.to_string()),
        PluginError::Refused(m) => (format!("mô-đun từ chối yêu cầu: {m}"), error.to_string()),
        PluginError::InvalidManifest(problems) => {
            (format!("khai báo chế độ báo cáo không hợp lệ: {}", problems.join("; ")), error.to_string())
        }
    };
    Text::new(format!("Không chấp nhận tệp chế độ báo cáo: {vi}."), format!("The regime plugin was refused: {en}."))
}

pub fn plugin_error(error: PluginError) -> Error {
    match error {
        PluginError::TooLarge { .. } => Error::PayloadTooLarge,
        other => Error::Invalid(vec![Invalid::new("wasm", "invalid_plugin", refusal(&other))]),
    }
}

/// Where the caller may upload: national at the platform root, else its tenant.
async fn upload_grant(app: &App, who: &Caller) -> Result<(Grant<ManageRegimes>, Option<TenantId>), Error> {
    let tenant = app.store.tenant_unscoped(who.user.tenant_id).await?;
    let root = app.store.tenant_root_unscoped(tenant.id).await?;
    let grant = app.authz.check::<ManageRegimes>(who.user.id, &root.path).await?;
    let scope = if tenant.kind == TenantKind::Root { None } else { Some(tenant.id) };
    Ok((grant, scope))
}

/// Loads one registry row into this instance's registry.
async fn load_row(app: &App, row: RegimePluginRow) -> Result<Entry, PluginError> {
    let (plugin, _) = app.regimes.load(row.wasm).await?;
    let entry = Entry {
        id: Some(row.id),
        plugin,
        scope: row.tenant.map_or(Scope::National, |t| Scope::Tenant(t.0)),
        enabled: row.enabled,
    };
    app.regimes.registry().put(entry.clone());
    Ok(entry)
}

/// Starts the regimes of this instance: the built-in plugins (now, or on
/// first use), a directory of operator-supplied modules, then every uploaded
/// plugin the database records. Returns how many uploads were loaded.
pub async fn start(app: &App, preload: bool, dir: Option<&std::path::Path>) -> Result<usize, Error> {
    if preload {
        app.regimes.ensure_builtins().await.map_err(Error::internal)?;
    }
    if let Some(dir) = dir {
        app.regimes
            .load_dir(dir)
            .await
            .map_err(|(file, e)| Error::Internal(anyhow::anyhow!("regime plugin {}: {e}", file.display())))?;
    }
    load_all(app).await
}

/// Loads every recorded plugin (start-up); a row that no longer loads is logged and skipped.
pub async fn load_all(app: &App) -> Result<usize, Error> {
    let mut loaded = 0;
    for row in app.store.regime_plugins().await? {
        let id = row.id;
        match load_row(app, row).await {
            Ok(_) => loaded += 1,
            Err(error) => tracing::error!(id, %error, "a stored regime plugin no longer loads; skipped"),
        }
    }
    Ok(loaded)
}

/// Reloads one row after an event from any instance.
pub async fn reload(app: &App, id: i64) {
    match app.store.regime_plugin(id).await {
        Ok(row) if !app.regimes.registry().has(row.id, row.enabled) => {
            if let Err(error) = load_row(app, row).await {
                tracing::error!(id, %error, "could not load an announced regime plugin");
            }
        }
        Ok(_) => {}
        Err(error) => tracing::error!(id, %error, "could not read an announced regime plugin"),
    }
}

pub async fn upload(app: &App, who: &Caller, bytes: Vec<u8>) -> Result<Entry, Error> {
    let (grant, tenant) = upload_grant(app, who).await?;
    // The runner compiles the module and reads its manifest off the async
    // workers; the bytes come back for storage.
    let (plugin, bytes) = app.regimes.load(bytes).await.map_err(plugin_error)?;
    let row = app
        .store
        .insert_regime_plugin(
            &grant,
            &who.actor(),
            NewRegimePlugin {
                code: plugin.manifest.code.clone(),
                version: plugin.manifest.version,
                sha256: plugin.sha256.clone(),
                tenant,
                wasm: bytes,
            },
        )
        .await?;
    let entry = Entry {
        id: Some(row.id),
        plugin,
        scope: tenant.map_or(Scope::National, |t| Scope::Tenant(t.0)),
        enabled: true,
    };
    app.regimes.registry().put(entry.clone());
    if let Err(error) = app.bus.publish(&Event::RegimeChanged { id: row.id }).await {
        tracing::warn!(%error, "could not announce an uploaded regime");
    }
    Ok(entry)
}

pub async fn set_enabled(app: &App, who: &Caller, id: i64, enabled: bool) -> Result<Entry, Error> {
    let (grant, tenant) = upload_grant(app, who).await?;
    app.store.set_regime_plugin_enabled(&grant, &who.actor(), id, tenant, enabled).await?;
    let row = app.store.regime_plugin(id).await?;
    let entry = load_row(app, row).await.map_err(plugin_error)?;
    if let Err(error) = app.bus.publish(&Event::RegimeChanged { id }).await {
        tracing::warn!(%error, "could not announce a regime change");
    }
    Ok(entry)
}

/// Compiles the built-in plugins if nobody has yet (off the async workers).
pub async fn ensure_ready(app: &App) -> Result<(), Error> {
    app.regimes.ensure_builtins().await.map_err(Error::internal)
}

/// The regimes the caller's tenant uses now (newest enabled version of each);
/// with `all`, every version it can see.
pub async fn list(app: &App, who: &Caller, all: bool) -> Result<Vec<Entry>, Error> {
    ensure_ready(app).await?;
    Ok(if all {
        app.regimes.registry().all_visible(who.user.tenant_id.0)
    } else {
        app.regimes.registry().current(who.user.tenant_id.0)
    })
}

pub async fn find(app: &App, who: &Caller, code: &str) -> Result<Entry, Error> {
    ensure_ready(app).await?;
    app.regimes.registry().find(who.user.tenant_id.0, code).ok_or(Error::NotFound("regime"))
}

/// The largest plugin module an upload may carry.
pub fn max_module_bytes() -> usize {
    baocao_plugins::Limits::default().max_module_bytes
}

/// What `baocao regime check FILE.wasm` found: the plugin as the platform
/// would accept it, its schedule for a year, and its answer to an empty form.
pub struct ModuleCheck {
    pub plugin: std::sync::Arc<baocao_plugins::Plugin>,
    pub schedule: Vec<baocao_plugins::abi::PeriodWindow>,
    /// Per form: the problems `check` names on an empty form (a regime may
    /// rightly require cells), or why the call failed.
    pub empty_forms: Vec<(String, Result<usize, String>)>,
}

/// Where this instance keeps regimes compiled to machine code.
pub fn compiled_dir(settings: &baocao_config::Settings) -> std::path::PathBuf {
    settings.plugins.compiled_dir.clone().unwrap_or_else(|| settings.reports.attachments_dir.join("compiled-regimes"))
}

/// Compiles every built-in regime into `dir` ahead of time (when an image
/// is built), so that servers started from it read them instead of
/// compiling. Returns how many regimes are there.
pub async fn precompile(dir: std::path::PathBuf) -> Result<usize, Error> {
    let host = baocao_plugins::PluginHost::new(baocao_plugins::Limits::default())
        .map_err(Error::internal)?
        .keep_compiled_in(dir.clone());
    let registry = baocao_plugins::Registry::new(host);
    tokio::task::spawn_blocking(move || registry.preload()).await?.map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let kept = std::fs::read_dir(&dir)
        .map_err(Error::internal)?
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
        .count();
    if kept < baocao_plugins::builtin_plugins().len() {
        return Err(Error::Internal(anyhow::anyhow!("{} could not be written", dir.display())));
    }
    Ok(kept)
}

/// Runs every check an upload runs (size, no imports, the ABI, the manifest)
/// on a module, without a database, then asks it for `year`'s schedule and
/// checks an empty copy of each form. For a province's developer.
pub async fn check_module(bytes: Vec<u8>, year: i32) -> Result<ModuleCheck, Error> {
    let host = baocao_plugins::PluginHost::new(baocao_plugins::Limits::default()).map_err(Error::internal)?;
    let runner = baocao_plugins::Runner::new(std::sync::Arc::new(baocao_plugins::Registry::new(host)));
    let (plugin, _) = runner.load(bytes).await.map_err(plugin_error)?;
    let mut schedule = Vec::new();
    for period in &plugin.manifest.periods {
        let request = baocao_plugins::abi::ScheduleRequest { year, period: *period };
        schedule.extend(runner.schedule(&plugin, request).await.map_err(plugin_error)?);
    }
    let mut empty_forms = Vec::new();
    for form in plugin.manifest.forms.iter().filter(|f| !f.outside_system) {
        let data = baocao_plugins::abi::FormData { form: form.code.clone(), cells: Vec::new() };
        let answer = runner.check(&plugin, data).await.map(|c| c.errors.len()).map_err(|e| e.to_string());
        empty_forms.push((form.code.clone(), answer));
    }
    Ok(ModuleCheck { plugin, schedule, empty_forms })
}

/// The titles of the regimes' forms and outlines, by (regime code, form code).
pub fn form_titles(entries: &[Entry]) -> std::collections::HashMap<(String, String), String> {
    let mut titles = std::collections::HashMap::new();
    for e in entries {
        let m = &e.plugin.manifest;
        let forms = m.forms.iter().map(|f| (&f.code, &f.title.vi));
        for (code, title) in forms.chain(m.outlines.iter().map(|o| (&o.code, &o.title.vi))) {
            titles.insert((m.code.clone(), code.clone()), title.clone());
        }
    }
    titles
}

/// The code a manifest writes for one of the ABI's enums ("integer",
/// "free_text", "half_year"): what the API and the developer tools show.
pub fn wire_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
