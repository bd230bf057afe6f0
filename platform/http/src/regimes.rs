//! Regimes as plugins, seen from the platform: listing what a tenant can use,
//! uploading a new plugin (checked in the sandbox before anything is stored),
//! enabling and disabling versions. Uploads are scoped: at the platform root
//! they are national, elsewhere they belong to the uploader's tenant.

use std::sync::Arc;

use baocao_authz::Grant;
use baocao_authz::perms::ManageRegimes;
use baocao_bus::Event;
use baocao_domain::ids::TenantId;
use baocao_domain::text::{Invalid, Text};
use baocao_domain::unit::TenantKind;
use baocao_plugins::{Entry, PluginError, Registry, Scope};
use baocao_storage::{NewRegimePlugin, RegimePluginRow, Store};

use crate::error::AppError;
use crate::principal::Principal;
use crate::state::AppState;

/// The reason a plugin was refused, for people.
fn refusal(error: &PluginError) -> Text {
    let (vi, en) = match error {
        PluginError::TooLarge { size, max } => (format!("tệp dài {size} byte, vượt mức {max} byte cho phép"), error.to_string()),
        PluginError::NotWasm(_) => ("tệp không phải mô-đun WebAssembly hợp lệ".to_owned(), error.to_string()),
        PluginError::Imports(what) => (format!("mô-đun đòi quyền truy cập không được cấp ({what})"), error.to_string()),
        PluginError::MissingExport(name) => (format!("mô-đun thiếu hàm bắt buộc `{name}`"), error.to_string()),
        PluginError::AbiMismatch { found, supported } => {
            (format!("phiên bản giao diện (ABI) {found} không được hỗ trợ; hệ thống dùng phiên bản {supported}"), error.to_string())
        }
        PluginError::OutOfFuel => ("mô-đun tính toán quá giới hạn cho phép".to_owned(), error.to_string()),
        PluginError::Timeout(_) => ("mô-đun chạy quá thời gian cho phép".to_owned(), error.to_string()),
        PluginError::MemoryLimit => ("mô-đun dùng quá bộ nhớ cho phép".to_owned(), error.to_string()),
        PluginError::Trap(_) => ("mô-đun bị lỗi khi chạy".to_owned(), error.to_string()),
        PluginError::OutputTooLarge(_) => ("kết quả trả về của mô-đun quá lớn".to_owned(), error.to_string()),
        PluginError::MalformedOutput(_) => ("kết quả trả về của mô-đun sai định dạng".to_owned(), error.to_string()),
        PluginError::Refused(m) => (format!("mô-đun từ chối yêu cầu: {m}"), error.to_string()),
        PluginError::InvalidManifest(problems) => (format!("khai báo chế độ báo cáo không hợp lệ: {}", problems.join("; ")), error.to_string()),
    };
    Text::new(format!("Không chấp nhận tệp chế độ báo cáo: {vi}."), format!("The regime plugin was refused: {en}."))
}

pub fn plugin_error(error: PluginError) -> AppError {
    match error {
        PluginError::TooLarge { .. } => AppError::PayloadTooLarge,
        other => AppError::Invalid(vec![Invalid::new("wasm", "invalid_plugin", refusal(&other))]),
    }
}

/// Where the caller may upload: national at the platform root, else its tenant.
async fn upload_grant(state: &AppState, who: &Principal) -> Result<(Grant<ManageRegimes>, Option<TenantId>), AppError> {
    let tenant = state.store.tenant(who.user.tenant_id).await?;
    let root = state.store.tenant_root(tenant.id).await?;
    let grant = state.authz.check::<ManageRegimes>(who.user.id, &root.path).await?;
    let scope = if tenant.kind == TenantKind::Root { None } else { Some(tenant.id) };
    Ok((grant, scope))
}

/// Loads one registry row into this instance's registry.
pub async fn load_row(registry: &Arc<Registry>, row: RegimePluginRow) -> Result<Entry, PluginError> {
    let registry_for_load = registry.clone();
    let bytes = row.wasm;
    let plugin = tokio::task::spawn_blocking(move || registry_for_load.host().load(&bytes)).await.map_err(|e| PluginError::Trap(e.to_string()))??;
    let entry = Entry { id: Some(row.id), plugin, scope: row.tenant.map_or(Scope::National, |t| Scope::Tenant(t.0)), enabled: row.enabled };
    registry.put(entry.clone());
    Ok(entry)
}

/// Loads every recorded plugin (start-up); a row that no longer loads is logged and skipped.
pub async fn load_all(store: &Store, registry: &Arc<Registry>) -> Result<usize, AppError> {
    let mut loaded = 0;
    for row in store.regime_plugins().await? {
        let id = row.id;
        match load_row(registry, row).await {
            Ok(_) => loaded += 1,
            Err(error) => tracing::error!(id, %error, "a stored regime plugin no longer loads; skipped"),
        }
    }
    Ok(loaded)
}

/// Reloads one row after an event from any instance.
pub async fn reload(store: &Store, registry: &Arc<Registry>, id: i64) {
    match store.regime_plugin(id).await {
        Ok(row) if !registry.has(row.id, row.enabled) => {
            if let Err(error) = load_row(registry, row).await {
                tracing::error!(id, %error, "could not load an announced regime plugin");
            }
        }
        Ok(_) => {}
        Err(error) => tracing::error!(id, %error, "could not read an announced regime plugin"),
    }
}

pub async fn upload(state: &AppState, who: &Principal, bytes: Vec<u8>) -> Result<Entry, AppError> {
    let (grant, tenant) = upload_grant(state, who).await?;
    let registry = state.regimes.clone();
    // Compiling and running the plugin's manifest call is CPU work bounded by
    // the host's limits; the bytes go to the blocking pool and come back for storage.
    let (plugin, bytes) = tokio::task::spawn_blocking(move || registry.host().load(&bytes).map(|plugin| (plugin, bytes)))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(plugin_error)?;
    let row = state
        .store
        .insert_regime_plugin(
            &grant,
            &who.actor(),
            NewRegimePlugin { code: plugin.manifest.code.clone(), version: plugin.manifest.version, sha256: plugin.sha256.clone(), tenant, wasm: bytes },
        )
        .await?;
    let entry = Entry { id: Some(row.id), plugin, scope: tenant.map_or(Scope::National, |t| Scope::Tenant(t.0)), enabled: true };
    state.regimes.put(entry.clone());
    if let Err(error) = state.bus.publish(&Event::RegimeChanged { id: row.id }).await {
        tracing::warn!(%error, "could not announce an uploaded regime");
    }
    Ok(entry)
}

pub async fn set_enabled(state: &AppState, who: &Principal, id: i64, enabled: bool) -> Result<Entry, AppError> {
    let (grant, tenant) = upload_grant(state, who).await?;
    state.store.set_regime_plugin_enabled(&grant, &who.actor(), id, tenant, enabled).await?;
    let row = state.store.regime_plugin(id).await?;
    let entry = load_row(&state.regimes, row).await.map_err(plugin_error)?;
    if let Err(error) = state.bus.publish(&Event::RegimeChanged { id }).await {
        tracing::warn!(%error, "could not announce a regime change");
    }
    Ok(entry)
}

/// Compiles the built-in plugins on the blocking pool if nobody has yet, so
/// that an async worker never stalls on the compiler.
pub async fn ensure_ready(state: &AppState) -> Result<(), AppError> {
    if !state.regimes.builtins_loaded() {
        let registry = state.regimes.clone();
        tokio::task::spawn_blocking(move || registry.preload()).await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(AppError::Internal)?;
    }
    Ok(())
}

/// The regimes the caller's tenant uses now (newest enabled version of each);
/// with `all`, every version it can see.
pub async fn list(state: &AppState, who: &Principal, all: bool) -> Result<Vec<Entry>, AppError> {
    ensure_ready(state).await?;
    Ok(if all { state.regimes.all_visible(who.user.tenant_id.0) } else { state.regimes.current(who.user.tenant_id.0) })
}

pub async fn find(state: &AppState, who: &Principal, code: &str) -> Result<Entry, AppError> {
    ensure_ready(state).await?;
    state.regimes.find(who.user.tenant_id.0, code).ok_or(AppError::NotFound("regime"))
}
