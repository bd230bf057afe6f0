//! Maintained catalogues, one row per published version. A version is
//! written whole and never changed; the newest is the catalogue in force.

use baocao_authz::Grant;
use baocao_authz::perms::ManageRegimes;
use baocao_domain::catalogue::CatalogueItem;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;

use crate::Store;
use crate::audit::{Actor, Change, record};
use crate::entity::catalogue_versions;
use crate::error::{StoreError, conflict};

/// One published version of a catalogue.
#[derive(Debug, Clone)]
pub struct CatalogueVersion {
    pub name: String,
    pub version: i32,
    pub title: String,
    pub items: Vec<CatalogueItem>,
    pub note: Option<String>,
    pub published_by: String,
    pub published_at: DateTime<Utc>,
}

/// A version to publish; `base_version` is the version the operator edited
/// (None for a new catalogue), so two operators cannot overwrite each other.
#[derive(Debug, Clone)]
pub struct NewCatalogueVersion {
    pub name: String,
    pub title: String,
    pub items: Vec<CatalogueItem>,
    pub note: Option<String>,
    pub base_version: Option<i32>,
}

fn version(model: catalogue_versions::Model) -> Result<CatalogueVersion, StoreError> {
    let items = serde_json::from_str(&model.items)
        .map_err(|e| StoreError::Corrupt(format!("catalogue {} v{}: {e}", model.name, model.version)))?;
    Ok(CatalogueVersion {
        name: model.name,
        version: model.version,
        title: model.title,
        items,
        note: model.note,
        published_by: model.published_by_name,
        published_at: model.published_at,
    })
}

impl Store {
    /// Every version of every maintained catalogue, by name then newest first.
    pub async fn catalogue_versions(&self, name: Option<&str>) -> Result<Vec<CatalogueVersion>, StoreError> {
        let mut query = catalogue_versions::Entity::find();
        if let Some(name) = name {
            query = query.filter(catalogue_versions::Column::Name.eq(name));
        }
        let rows = query
            .order_by_asc(catalogue_versions::Column::Name)
            .order_by_desc(catalogue_versions::Column::Version)
            .all(self.db())
            .await?;
        rows.into_iter().map(version).collect()
    }

    /// One version of a catalogue, or the newest when `at` is None.
    pub async fn catalogue_version(&self, name: &str, at: Option<i32>) -> Result<CatalogueVersion, StoreError> {
        let mut query = catalogue_versions::Entity::find().filter(catalogue_versions::Column::Name.eq(name));
        if let Some(at) = at {
            query = query.filter(catalogue_versions::Column::Version.eq(at));
        }
        let row = query.order_by_desc(catalogue_versions::Column::Version).one(self.db()).await?;
        version(row.ok_or(StoreError::NotFound("catalogue"))?)
    }

    /// Publishes the next version, refusing if another was published since
    /// the operator's base version. Audited in the same transaction.
    pub async fn publish_catalogue(
        &self, grant: &Grant<ManageRegimes>, actor: &Actor, new: NewCatalogueVersion,
    ) -> Result<CatalogueVersion, StoreError> {
        let tx = self.begin_write().await?;
        let current = catalogue_versions::Entity::find()
            .filter(catalogue_versions::Column::Name.eq(new.name.as_str()))
            .order_by_desc(catalogue_versions::Column::Version)
            .one(&tx)
            .await?
            .map(|m| m.version);
        if current != new.base_version {
            return Err(conflict(
                "base_version",
                "catalogue_changed",
                "Danh mục đã được người khác cập nhật sau khi bạn mở; hãy tải lại trang và sửa trên phiên bản mới.",
                "The catalogue was updated by someone else since you opened it; reload and edit the new version.",
            ));
        }
        let items = serde_json::to_string(&new.items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let model = catalogue_versions::ActiveModel {
            name: Set(new.name.clone()),
            version: Set(current.unwrap_or(0) + 1),
            title: Set(new.title.clone()),
            items: Set(items),
            note: Set(new.note.clone()),
            published_by: Set(actor.id.map(|u| u.0)),
            published_by_name: Set(actor.username.clone()),
            published_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        let after = json!({"name": new.name, "version": model.version, "title": new.title, "items": new.items.len()});
        let change = Change {
            tenant: None,
            unit_path: Some(grant.target_path()),
            action: "catalogue.publish",
            entity: "catalogue",
            entity_id: format!("{}@{}", model.name, model.version),
            before: current.map(|v| json!({"version": v})),
            after: Some(after),
        };
        record(&tx, actor, change).await?;
        tx.commit().await?;
        version(model)
    }
}
