//! Units and tenants: the tree, creating (with the unit's administrator), editing, closing, reorganising.

use baocao_authz::perms::{ManageTenants, ManageUnits, ReadUnits};
use baocao_domain::group::{GroupCode, GroupDef};
use baocao_domain::ids::UnitId;
use baocao_domain::text::{Invalid, Text};
use baocao_domain::types::{Code, UnitKind, UnitName};
use baocao_domain::unit::{NewUnit, Reorganisation, TenantKind, Unit};
use baocao_storage::{NewAccount, NewTenant, UnitChanges, UnitWithTenant};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;
use crate::signin::hash_password;

use super::*;

pub async fn visible_units(app: &App, who: &Caller) -> Result<Vec<UnitWithTenant>, Error> {
    let scope = scope::<ReadUnits>(app, who).await?;
    Ok(app.store.units_in_scope(&scope).await?)
}

pub async fn unit(app: &App, who: &Caller, id: UnitId) -> Result<UnitWithTenant, Error> {
    let (_, grant) = readable_unit(app, who, id).await?;
    Ok(app.store.unit(&grant).await?)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewUnitInput {
    pub parent_id: i64,
    pub code: String,
    pub name: String,
    /// Kind in the users' words: "Sở", "UBND huyện", "UBND xã", "Cục" …
    pub kind: String,
    /// Administrative level code: "tinh", "so", "huyen", "xa", "bo", "cuc_vu" …
    pub level: String,
    /// dd/MM/yyyy or yyyy-MM-dd; today when absent.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// Only under the platform root: the new unit becomes a tenant of this
    /// kind (`ministry`, `province`, `sector`).
    #[serde(default)]
    pub tenant_kind: Option<String>,
    /// The unit's administrator account, created with it.
    #[serde(default)]
    pub admin: Option<AccountInput>,
    /// The group the administrator receives at the new unit; by default the
    /// administration group of the unit's level.
    #[serde(default)]
    pub admin_group: Option<String>,
}

/// The administration group suited to a unit: the groups of its tenant kind
/// grantable at its level whose code says they administer (`…QUANTRI`).
pub(crate) fn default_admin_group<'a>(groups: &'a [&'a GroupDef], level: &str) -> Option<&'a GroupDef> {
    groups
        .iter()
        .copied()
        .find(|g| g.code.as_str().ends_with("QUANTRI") && !g.levels.is_empty() && g.grantable_at_level(level))
}

/// A new unit as typed, every field checked.
struct NewUnitForm {
    unit: Option<(Code, UnitName, UnitKind, Code, chrono::NaiveDate)>,
    tenant_kind: Option<TenantKind>,
    admin: Option<(Username, Password, UserProfile)>,
}

fn parse_new_unit(app: &App, input: &NewUnitInput) -> Result<NewUnitForm, Error> {
    let mut checks = Checks::default();
    let code = checks.take(Code::parse(&input.code, "code"));
    let name = checks.take(UnitName::parse(&input.name));
    let kind = checks.take(UnitKind::parse(&input.kind));
    let level = checks.take(Code::parse(&input.level, "level"));
    let valid_from = match input.valid_from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => checks.take(parse_date(raw, "valid_from")),
        None => Some(app.clock.today()),
    };
    let tenant_kind = match input.tenant_kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => checks.take(raw.parse::<TenantKind>().and_then(|k| match k {
            TenantKind::Root => Err(Invalid::new(
                "tenant_kind",
                "invalid_tenant_kind",
                Text::fixed("Không thể tạo thêm cơ quan vận hành.", "There is only one platform root."),
            )),
            k => Ok(k),
        })),
        None => None,
    };
    let admin = input.admin.as_ref().and_then(|a| account(&mut checks, a));
    checks.finish()?;
    let unit = match (code, name, kind, level, valid_from) {
        (Some(code), Some(name), Some(kind), Some(level), Some(from)) => Some((code, name, kind, level, from)),
        _ => None,
    };
    Ok(NewUnitForm { unit, tenant_kind, admin })
}

/// The right a new unit needs: to create a tenant (directly under the root), else to manage units below the parent.
enum ParentGrant {
    Tenant(baocao_authz::Grant<ManageTenants>),
    Unit(baocao_authz::Grant<ManageUnits>),
}

/// The parent named by a new unit, its tenant's kind, and the caller's right there.
/// Authorised before the request's shape is judged, so that a caller without
/// the right learns nothing from validation messages.
async fn parent_and_grant(app: &App, who: &Caller, parent_id: i64) -> Result<(Unit, TenantKind, ParentGrant), Error> {
    let parent = app.store.unit_unscoped(UnitId(parent_id)).await.map_err(|e| match e {
        baocao_storage::StoreError::NotFound(_) => Error::Invalid(vec![Invalid::new(
            "parent_id",
            "unknown_unit",
            Text::fixed("Đơn vị cấp trên không tồn tại.", "The parent unit does not exist."),
        )]),
        other => other.into(),
    })?;
    let tenant_kind = app.store.tenant_unscoped(parent.tenant_id).await?.kind;
    let grant = if tenant_kind == TenantKind::Root && parent.parent_id.is_none() {
        ParentGrant::Tenant(app.authz.check::<ManageTenants>(who.user.id, &parent.path).await?)
    } else {
        ParentGrant::Unit(app.authz.check_below::<ManageUnits>(who.user.id, &parent.path).await?)
    };
    Ok((parent, tenant_kind, grant))
}

/// A unit directly under the root is a new tenant and must say which kind;
/// elsewhere it belongs to its parent's tenant.
fn new_tenant_kind(
    parent: &Unit, parent_kind: TenantKind, asked: Option<TenantKind>,
) -> Result<Option<TenantKind>, Error> {
    let refuse = |code, vi, en| Err(Invalid::new("tenant_kind", code, Text::fixed(vi, en)).into());
    match (parent_kind, asked) {
        (TenantKind::Root, Some(kind)) => Ok(Some(kind)),
        (TenantKind::Root, None) if parent.parent_id.is_none() => refuse(
            "tenant_kind_required",
            "Đơn vị trực thuộc Văn phòng Chính phủ phải là bộ, tỉnh hoặc ngành dọc: hãy chọn loại.",
            "A unit directly under the root is a tenant: choose ministry, province or sector.",
        ),
        (_, Some(_)) => refuse(
            "tenant_only_under_root",
            "Chỉ tạo bộ, tỉnh hoặc ngành dọc ngay dưới Văn phòng Chính phủ.",
            "Tenants can only be created directly under the root.",
        ),
        (_, None) => Ok(None),
    }
}

/// The group of the new unit's administrator: the one asked for, checked to
/// fit, else the administration group of the unit's level.
fn admin_group(app: &App, asked: Option<&str>, kind: TenantKind, level: &Code) -> Result<GroupCode, Error> {
    let catalogue = app.authz.catalogue();
    if let Some(raw) = asked.map(str::trim).filter(|s| !s.is_empty()) {
        let code = GroupCode::parse(raw)?;
        let def = catalogue.get(&code).ok_or_else(|| unknown_group(raw))?;
        check_group_fits(def, kind, level.as_str())?;
        return Ok(def.code.clone());
    }
    let groups = catalogue.for_tenant(kind);
    let default = default_admin_group(&groups, level.as_str()).ok_or_else(|| {
        Invalid::new(
            "admin_group",
            "no_admin_group",
            Text::new(
                format!("Không có nhóm quản trị cho cấp \"{level}\"; hãy chọn nhóm cho tài khoản quản trị."),
                format!("No administration group exists for level \"{level}\"; choose the administrator's group."),
            ),
        )
    })?;
    Ok(default.code.clone())
}

pub async fn create_unit(app: &App, who: &Caller, input: NewUnitInput) -> Result<Unit, Error> {
    let form = parse_new_unit(app, &input)?;
    let Some((code, name, kind, level, valid_from)) = form.unit else {
        return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let (parent, parent_kind, parent_grant) = parent_and_grant(app, who, input.parent_id).await?;
    let tenant_kind = new_tenant_kind(&parent, parent_kind, form.tenant_kind)?;
    let admin = match form.admin {
        Some((username, password, profile)) => {
            let group = admin_group(app, input.admin_group.as_deref(), tenant_kind.unwrap_or(parent_kind), &level)?;
            app.authz.check_grant_below(who.user.id, &group, &parent.path).await?;
            Some((NewAccount { username, password_hash: hash_password(password).await?, profile }, group))
        }
        None => None,
    };
    let admin_username = admin.as_ref().map(|(a, _)| a.username.clone());
    let new = NewUnit { parent_id: parent.id, code: code.clone(), name, kind, level, valid_from };
    let unit = match (tenant_kind, parent_grant) {
        (Some(kind), ParentGrant::Tenant(grant)) => {
            app.store.create_tenant(&grant, &who.actor(), NewTenant { kind, code }, new, admin).await?
        }
        (None, ParentGrant::Unit(grant)) => app.store.create_unit(&grant, &who.actor(), new, admin).await?,
        _ => return Err(Error::Internal(anyhow::anyhow!("tenant kind and parent grant disagree"))),
    };
    if let Some(username) = admin_username
        && let Some(record) = app.store.login_record(&username).await?
    {
        memberships_changed(app, record.user.id).await?;
    }
    Ok(unit)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UnitEdit {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub level: Option<String>,
    pub code: Option<String>,
}

pub async fn update_unit(app: &App, who: &Caller, id: UnitId, edit: UnitEdit) -> Result<Unit, Error> {
    let mut checks = Checks::default();
    let changes = UnitChanges {
        name: edit.name.as_deref().and_then(|v| checks.take(UnitName::parse(v))),
        kind: edit.kind.as_deref().and_then(|v| checks.take(UnitKind::parse(v))),
        level: edit.level.as_deref().and_then(|v| checks.take(Code::parse(v, "level"))),
        code: edit.code.as_deref().and_then(|v| checks.take(Code::parse(v, "code"))),
    };
    checks.finish()?;
    let target = visible_unit(app, who, id).await?;
    let grant = app.authz.check::<ManageUnits>(who.user.id, &target.path).await?;
    Ok(app.store.update_unit(&grant, &who.actor(), changes).await?)
}

pub async fn delete_unit(app: &App, who: &Caller, id: UnitId) -> Result<(), Error> {
    let target = visible_unit(app, who, id).await?;
    let Some(parent_id) = target.parent_id else {
        return Err(Invalid::new(
            "unit",
            "cannot_delete_root",
            Text::fixed("Không thể xóa đơn vị gốc.", "The root unit cannot be deleted."),
        )
        .into());
    };
    let parent = app.store.unit_unscoped(parent_id).await?;
    let grant = app.authz.check_below::<ManageUnits>(who.user.id, &parent.path).await?;
    Ok(app.store.delete_unit(&grant, &who.actor(), id).await?)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ReorganisationInput {
    /// `merge`, `split` or `move`.
    pub kind: String,
    /// Merge: the units that end. Split: the one unit that ends. Move: the unit that moves.
    pub units: Vec<i64>,
    /// Merge: the one successor. Split: the successors. Move: the new parent.
    pub into: Vec<i64>,
    /// The first day of the new organisation, dd/MM/yyyy or yyyy-MM-dd.
    pub effective: String,
    /// The decision that orders it (e.g. "Nghị quyết 1656/NQ-UBTVQH15").
    pub decision: String,
}

pub async fn reorganise(app: &App, who: &Caller, input: ReorganisationInput) -> Result<i64, Error> {
    let mut checks = Checks::default();
    let effective = checks.take(parse_date(&input.effective, "effective"));
    let decision = input.decision.trim().to_owned();
    if decision.is_empty() {
        checks.push(Invalid::new(
            "decision",
            "required",
            Text::fixed("Hãy nhập văn bản quyết định.", "The deciding document is required."),
        ));
    }
    let ids = |v: &[i64]| v.iter().copied().map(UnitId).collect::<Vec<_>>();
    let op = match (input.kind.as_str(), input.units.as_slice(), input.into.as_slice()) {
        ("merge", sources, [into]) => Some(Reorganisation::Merge { sources: ids(sources), into: UnitId(*into) }),
        ("split", [source], into) => Some(Reorganisation::Split { source: UnitId(*source), into: ids(into) }),
        ("move", [unit], [parent]) => Some(Reorganisation::Move { unit: UnitId(*unit), new_parent: UnitId(*parent) }),
        _ => {
            checks.push(Invalid::new(
                "kind",
                "invalid_reorganisation",
                Text::fixed(
                    "Sáp nhập: nhiều đơn vị vào một; chia tách: một đơn vị thành nhiều; chuyển: một đơn vị sang đơn vị cấp trên mới.",
                    "Merge: several units into one; split: one unit into several; move: one unit under a new parent.",
                ),
            ));
            None
        }
    };
    if let Some(op) = &op {
        checks.take(op.check_shape());
    }
    checks.finish()?;
    let (Some(op), Some(effective)) = (op, effective) else {
        return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let touched: Vec<i64> = input.units.iter().chain(input.into.iter()).copied().collect();
    let mut grants = Vec::with_capacity(touched.len());
    for id in touched {
        let unit = visible_unit(app, who, UnitId(id)).await?;
        grants.push(app.authz.check::<ManageUnits>(who.user.id, &unit.path).await?);
    }
    Ok(app.store.reorganise(&grants, &who.actor(), &op, effective, &decision).await?)
}
