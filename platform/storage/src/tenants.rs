//! Tenants: the VPCP root, ministries, provinces and vertical sectors.

use baocao_domain::ids::TenantId;
use baocao_domain::unit::TenantKind;
use sea_orm::EntityTrait;
use serde::Serialize;

use crate::Store;
use crate::entity::tenants;
use crate::error::StoreError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub code: String,
    pub name: String,
    pub kind: TenantKind,
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
}
