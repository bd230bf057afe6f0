//! Named catalogues that regime plugins pick rows from (`Form.catalogue`).
//! The platform serves them, so a plugin refers to "linh_vuc_tthc" and never
//! carries the list itself. Derived catalogues come from the platform's data
//! (`don_vi`: the units of the caller's tenant in force today; `dia_phuong`:
//! the provinces); maintained ones (`linh_vuc_tthc`, the fields of
//! administrative procedures, and any the operator adds) are published by the
//! platform operator — whoever manages regimes at the platform root — one
//! whole version at a time, earlier versions kept.

use std::collections::HashSet;

use baocao_authz::Grant;
use baocao_authz::perms::ManageRegimes;
use baocao_domain::catalogue::{self, DERIVED, PROVINCES, UNITS};
use baocao_domain::ids::TenantId;
use baocao_domain::unit::TenantKind;
use baocao_storage::{CatalogueVersion, NewCatalogueVersion};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use baocao_domain::catalogue::CatalogueItem;

use crate::App;
use crate::Caller;
use crate::Error;

/// A catalogue as served: its rows and, for a maintained one, which version.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Catalogue {
    pub name: String,
    pub title: String,
    /// Computed from the platform's data; cannot be published.
    pub derived: bool,
    /// The version shown (None for a derived catalogue).
    pub version: Option<i32>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub note: Option<String>,
    pub items: Vec<CatalogueItem>,
}

/// A catalogue in a list: without its rows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueSummary {
    pub name: String,
    pub title: String,
    pub derived: bool,
    pub version: Option<i32>,
    /// How many rows the version in force has (None for derived ones).
    pub items: Option<usize>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<String>,
    pub note: Option<String>,
}

/// A new version, as the operator sends it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Publish {
    /// The catalogue's title; the current one is kept when absent.
    pub title: Option<String>,
    pub items: Vec<CatalogueItem>,
    /// The version the operator edited; absent only for a new catalogue.
    pub base_version: Option<i32>,
    /// Why this version (a decision, a merger of ministries …).
    pub note: Option<String>,
}

fn served(v: CatalogueVersion) -> Catalogue {
    Catalogue {
        name: v.name,
        title: v.title,
        derived: false,
        version: Some(v.version),
        published_at: Some(v.published_at),
        published_by: Some(v.published_by),
        note: v.note,
        items: v.items,
    }
}

fn summary(c: Catalogue) -> CatalogueSummary {
    CatalogueSummary {
        name: c.name,
        title: c.title,
        derived: c.derived,
        version: c.version,
        items: (!c.derived).then_some(c.items.len()),
        published_at: c.published_at,
        published_by: c.published_by,
        note: c.note,
    }
}

fn derived_title(name: &str) -> String {
    DERIVED.iter().find(|(n, _)| *n == name).map(|(_, t)| (*t).to_owned()).unwrap_or_default()
}

async fn derived_items(app: &App, who: &Caller, name: &str) -> Result<Vec<CatalogueItem>, Error> {
    if name == PROVINCES {
        let provinces = app.store.tenants_of_kind_unscoped(TenantKind::Province).await?;
        return Ok(provinces.into_iter().map(|t| CatalogueItem { code: t.code, name: t.name }).collect());
    }
    let today = app.clock.today();
    let root = app.store.tenant_root_unscoped(who.user.tenant_id).await?;
    let units = crate::admin::visible_units(app, who).await?;
    Ok(units
        .iter()
        .filter(|u| {
            u.unit.tenant_id == who.user.tenant_id && u.unit.path.is_within(&root.path) && u.unit.is_active_on(today)
        })
        .map(|u| CatalogueItem { code: u.unit.code.as_str().to_owned(), name: u.unit.name.as_str().to_owned() })
        .collect())
}

/// A catalogue: a derived one as of now, a maintained one at `version` (the
/// one in force when None).
pub async fn show(app: &App, who: &Caller, name: &str, version: Option<i32>) -> Result<Catalogue, Error> {
    if catalogue::is_derived(name) {
        let items = derived_items(app, who, name).await?;
        let (published_at, published_by, note) = (None, None, None);
        let (name, title) = (name.to_owned(), derived_title(name));
        return Ok(Catalogue { name, title, derived: true, version: None, published_at, published_by, note, items });
    }
    Ok(served(app.store.catalogue_version(name, version).await?))
}

/// The rows a form may pick now.
pub async fn items(app: &App, who: &Caller, name: &str) -> Result<Vec<CatalogueItem>, Error> {
    Ok(show(app, who, name, None).await?.items)
}

/// Every catalogue, derived first, each maintained one at its version in force.
pub async fn list(app: &App, who: &Caller) -> Result<Vec<CatalogueSummary>, Error> {
    let mut all = Vec::new();
    for (name, _) in DERIVED {
        all.push(summary(show(app, who, name, None).await?));
    }
    let mut seen = HashSet::new();
    let newest = app.store.catalogue_versions(None).await?.into_iter().filter(|v| seen.insert(v.name.clone()));
    all.extend(newest.map(|v| summary(served(v))));
    Ok(all)
}

/// Every published version of a maintained catalogue, newest first.
pub async fn versions(app: &App, name: &str) -> Result<Vec<CatalogueSummary>, Error> {
    if catalogue::is_derived(name) {
        return Ok(Vec::new());
    }
    let versions = app.store.catalogue_versions(Some(name)).await?;
    if versions.is_empty() {
        return Err(Error::NotFound("catalogue"));
    }
    Ok(versions.into_iter().map(|v| summary(served(v))).collect())
}

/// The operator's grant: regime management at the platform root.
async fn operator(app: &App, who: &Caller) -> Result<Grant<ManageRegimes>, Error> {
    let root = crate::admin::platform_root(app).await?;
    Ok(app.authz.check::<ManageRegimes>(who.user.id, &root.path).await?)
}

/// Whether the caller may publish catalogues (for the page's form).
pub async fn may_publish(app: &App, who: &Caller) -> bool {
    operator(app, who).await.is_ok()
}

fn checked(name: &str, title: Option<String>, current: Option<&CatalogueVersion>) -> Result<String, Error> {
    let title = title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    match title.or_else(|| current.map(|c| c.title.clone())) {
        Some(title) if title.chars().count() <= 200 => Ok(title),
        _ => Err(Error::invalid(
            "title",
            "bad_catalogue_title",
            format!("Hãy ghi tiêu đề cho danh mục \"{name}\" (tối đa 200 ký tự)."),
            format!("Give the catalogue \"{name}\" a title (at most 200 characters)."),
        )),
    }
}

/// Publishes the next version of a maintained catalogue (or its first).
pub async fn publish(app: &App, who: &Caller, name: &str, new: Publish) -> Result<Catalogue, Error> {
    let grant = operator(app, who).await?;
    catalogue::check_name(name).map_err(|e| Error::Invalid(vec![e]))?;
    if catalogue::is_derived(name) {
        return Err(Error::Refused(baocao_domain::Invalid::new(
            "name",
            "catalogue_derived",
            baocao_domain::Text::fixed(
                "Danh mục này lấy từ dữ liệu đơn vị của hệ thống nên không cập nhật trực tiếp được.",
                "This catalogue is computed from the platform's units and cannot be published.",
            ),
        )));
    }
    let items = catalogue::check_items(&new.items).map_err(Error::Invalid)?;
    let current = match app.store.catalogue_version(name, None).await {
        Ok(v) => Some(v),
        Err(baocao_storage::StoreError::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let title = checked(name, new.title, current.as_ref())?;
    let note = new.note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    let version = NewCatalogueVersion { name: name.to_owned(), title, items, note, base_version: new.base_version };
    Ok(served(app.store.publish_catalogue(&grant, &who.actor(), version).await?))
}

/// The codes a report of `tenant` may pick from a catalogue: every unit of the
/// tenant (not only those the caller may open), every province, every row of
/// the maintained catalogue's version in force.
pub async fn codes(app: &App, tenant: TenantId, name: &str) -> Result<HashSet<String>, Error> {
    match name {
        UNITS => Ok(app.store.unit_codes_of_tenant_unscoped(tenant).await?),
        PROVINCES => {
            Ok(app.store.tenants_of_kind_unscoped(TenantKind::Province).await?.into_iter().map(|t| t.code).collect())
        }
        _ => Ok(app.store.catalogue_version(name, None).await?.items.into_iter().map(|i| i.code).collect()),
    }
}
