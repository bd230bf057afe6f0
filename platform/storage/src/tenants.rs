//! Tenants: the VPCP root, ministries, provinces and vertical sectors.

use baocao_domain::ids::TenantId;
use baocao_domain::unit::TenantKind;
use sea_orm::EntityTrait;
use serde::Serialize;

use crate::entity::tenants;
use crate::error::StoreError;
use crate::Store;

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
    pub async fn tenant(&self, id: TenantId) -> Result<Tenant, StoreError> {
        let row = tenants::Entity::find_by_id(id.0).one(self.db()).await?.ok_or(StoreError::NotFound("tenant"))?;
        tenant(row)
    }
}
