//! The regime plugin registry's rows. The module bytes are kept in the
//! database so that every instance can load what any instance accepted.

use baocao_authz::Grant;
use baocao_authz::perms::ManageRegimes;
use baocao_domain::ids::TenantId;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::Store;
use crate::audit::{Actor, Change, record};
use crate::entity::regime_plugins;
use crate::error::{StoreError, conflict};

/// A plugin accepted by the host, about to be recorded.
#[derive(Debug, Clone)]
pub struct NewRegimePlugin {
    pub code: String,
    pub version: u32,
    pub sha256: String,
    /// None: national (uploaded at the platform root); else the tenant's own.
    pub tenant: Option<TenantId>,
    pub wasm: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct RegimePluginRow {
    pub id: i64,
    pub code: String,
    pub version: u32,
    pub sha256: String,
    pub tenant: Option<TenantId>,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTime<Utc>,
    pub enabled: bool,
    pub wasm: Vec<u8>,
}

fn row(m: regime_plugins::Model) -> RegimePluginRow {
    RegimePluginRow {
        id: m.id,
        code: m.code,
        version: u32::try_from(m.version).unwrap_or_default(),
        sha256: m.sha256,
        tenant: m.tenant_id.map(TenantId),
        uploaded_by: m.uploaded_by,
        uploaded_at: m.uploaded_at,
        enabled: m.enabled,
        wasm: m.wasm,
    }
}

impl Store {
    /// Records an uploaded plugin. The same bytes twice, or the same regime
    /// version twice in one scope, is a conflict: versions are immutable.
    pub async fn insert_regime_plugin(
        &self, grant: &Grant<ManageRegimes>, actor: &Actor, new: NewRegimePlugin,
    ) -> Result<RegimePluginRow, StoreError> {
        let tx = self.begin_write().await?;
        if regime_plugins::Entity::find()
            .filter(regime_plugins::Column::Sha256.eq(new.sha256.as_str()))
            .count(&tx)
            .await?
            > 0
        {
            return Err(conflict(
                "wasm",
                "duplicate_plugin",
                "Tập tin chế độ báo cáo này đã được tải lên.",
                "This plugin file was already uploaded.",
            ));
        }
        let mut same = regime_plugins::Entity::find()
            .filter(regime_plugins::Column::Code.eq(new.code.as_str()))
            .filter(regime_plugins::Column::Version.eq(new.version as i32));
        same = match new.tenant {
            Some(t) => same.filter(regime_plugins::Column::TenantId.eq(t.0)),
            None => same.filter(regime_plugins::Column::TenantId.is_null()),
        };
        if same.count(&tx).await? > 0 {
            return Err(conflict(
                "version",
                "duplicate_regime_version",
                format!("Chế độ {} phiên bản {} đã tồn tại; hãy tăng số phiên bản.", new.code, new.version),
                format!("Regime {} version {} already exists; raise the version.", new.code, new.version),
            ));
        }
        let size = new.wasm.len() as i64;
        let model = regime_plugins::ActiveModel {
            code: Set(new.code.clone()),
            version: Set(new.version as i32),
            sha256: Set(new.sha256.clone()),
            size: Set(size),
            tenant_id: Set(new.tenant.map(|t| t.0)),
            uploaded_by: Set(actor.id.map(|u| u.0)),
            uploaded_at: Set(Utc::now()),
            enabled: Set(true),
            wasm: Set(new.wasm),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        record(
            &tx,
            actor,
            Change {
                tenant: new.tenant,
                unit_path: Some(grant.target_path()),
                action: "regime.upload",
                entity: "regime_plugin",
                entity_id: model.id.to_string(),
                before: None,
                after: Some(json!({"code": new.code, "version": new.version, "sha256": new.sha256, "size": size})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(row(model))
    }

    /// Every recorded plugin, oldest first: what an instance loads at start.
    pub async fn regime_plugins(&self) -> Result<Vec<RegimePluginRow>, StoreError> {
        Ok(regime_plugins::Entity::find()
            .order_by_asc(regime_plugins::Column::Id)
            .all(self.db())
            .await?
            .into_iter()
            .map(row)
            .collect())
    }

    pub async fn regime_plugin(&self, id: i64) -> Result<RegimePluginRow, StoreError> {
        regime_plugins::Entity::find_by_id(id).one(self.db()).await?.map(row).ok_or(StoreError::NotFound("regime"))
    }

    /// Enables or disables a plugin version of the grant's scope.
    pub async fn set_regime_plugin_enabled(
        &self, grant: &Grant<ManageRegimes>, actor: &Actor, id: i64, tenant: Option<TenantId>, enabled: bool,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let model = regime_plugins::Entity::find_by_id(id).one(&tx).await?.ok_or(StoreError::NotFound("regime"))?;
        if model.tenant_id != tenant.map(|t| t.0) {
            return Err(StoreError::NotFound("regime"));
        }
        let before = model.enabled;
        let mut active: regime_plugins::ActiveModel = model.into();
        active.enabled = Set(enabled);
        active.update(&tx).await?;
        record(
            &tx,
            actor,
            Change {
                tenant,
                unit_path: Some(grant.target_path()),
                action: if enabled { "regime.enable" } else { "regime.disable" },
                entity: "regime_plugin",
                entity_id: id.to_string(),
                before: Some(json!({"enabled": before})),
                after: Some(json!({"enabled": enabled})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The root unit of a tenant: where its administrators hold their rights.
    pub async fn tenant_root_unscoped(&self, tenant: TenantId) -> Result<baocao_domain::unit::Unit, StoreError> {
        use crate::entity::units;
        let rows = units::Entity::find().filter(units::Column::TenantId.eq(tenant.0)).all(self.db()).await?;
        let mut best: Option<units::Model> = None;
        for r in rows {
            // The shortest path of the tenant is its root.
            if best.as_ref().is_none_or(|b| r.path.len() < b.path.len()) {
                best = Some(r);
            }
        }
        crate::convert::unit(best.ok_or(StoreError::NotFound("unit"))?)
    }
}
