//! Tenants: the VPCP root, ministries, provinces and vertical sectors.

use std::collections::HashMap;

use baocao_authz::Grant;
use baocao_authz::perms::ManageUsers;
use baocao_domain::ids::TenantId;
use baocao_domain::unit::TenantKind;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::Serialize;

use crate::Store;
use crate::audit::{Actor, Change, record};
use crate::entity::tenants;
use crate::error::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub code: String,
    pub name: String,
    pub kind: TenantKind,
}

/// What a tenant's administrator sets for the whole tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TenantSettings {
    /// The tenant's users sign in through the identity provider only.
    pub require_identity: bool,
    /// Days before a deadline that reminders go out; None: the platform's setting.
    pub reminder_days: Option<u32>,
}

fn settings_of(row: &tenants::Model) -> TenantSettings {
    TenantSettings {
        require_identity: row.require_identity,
        reminder_days: row.reminder_days.and_then(|d| u32::try_from(d).ok()),
    }
}

pub(crate) fn tenant(row: tenants::Model) -> Result<Tenant, StoreError> {
    Ok(Tenant { id: TenantId(row.id), kind: row.kind.parse()?, code: row.code, name: row.name })
}

impl Store {
    /// Every tenant of one kind, by name (catalogues; not tenant data).
    pub async fn tenants_of_kind_unscoped(&self, kind: TenantKind) -> Result<Vec<Tenant>, StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
        let rows = tenants::Entity::find()
            .filter(tenants::Column::Kind.eq(kind.as_str()))
            .order_by_asc(tenants::Column::Name)
            .all(self.db())
            .await?;
        rows.into_iter().map(tenant).collect()
    }

    pub async fn tenant_unscoped(&self, id: TenantId) -> Result<Tenant, StoreError> {
        let row = tenants::Entity::find_by_id(id.0).one(self.db()).await?.ok_or(StoreError::NotFound("tenant"))?;
        tenant(row)
    }

    pub async fn tenant_settings(&self, id: TenantId) -> Result<TenantSettings, StoreError> {
        let row = tenants::Entity::find_by_id(id.0).one(self.db()).await?.ok_or(StoreError::NotFound("tenant"))?;
        Ok(settings_of(&row))
    }

    /// The tenants that set their own reminder days.
    pub async fn reminder_days_unscoped(&self) -> Result<HashMap<TenantId, u32>, StoreError> {
        use sea_orm::{ColumnTrait, QueryFilter};
        let rows = tenants::Entity::find().filter(tenants::Column::ReminderDays.is_not_null()).all(self.db()).await?;
        Ok(rows.iter().filter_map(|r| Some((TenantId(r.id), settings_of(r).reminder_days?))).collect())
    }

    /// Sets the tenant's settings; the grant is at the tenant's root unit.
    pub async fn set_tenant_settings(
        &self, grant: &Grant<ManageUsers>, actor: &Actor, id: TenantId, settings: TenantSettings,
    ) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        let row = tenants::Entity::find_by_id(id.0).one(&tx).await?.ok_or(StoreError::NotFound("tenant"))?;
        let before = serde_json::to_value(settings_of(&row)).ok();
        let mut active: tenants::ActiveModel = row.into();
        active.require_identity = Set(settings.require_identity);
        active.reminder_days = Set(settings.reminder_days.map(|d| i32::try_from(d).unwrap_or(i32::MAX)));
        active.update(&tx).await?;
        let change = Change {
            tenant: Some(id),
            unit_path: Some(grant.target_path()),
            action: "tenant.settings",
            entity: "tenant",
            entity_id: id.to_string(),
            before,
            after: serde_json::to_value(settings).ok(),
        };
        record(&tx, actor, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
