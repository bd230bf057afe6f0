//! Administration: units, tenants, users and group memberships. Both the
//! JSON API and the pages call these functions, so each rule lives once.
//! Every function starts from the caller and ends in a storage call that
//! demands the grant the check produced.

use std::collections::HashMap;

use baocao_authz::perms::{ManageTenants, ManageUnits, ManageUsers, ReadAudit, ReadUnits, ReadUsers};
use baocao_authz::{Permission, Scope};
use baocao_bus::Event;
use baocao_domain::group::{GroupCode, GroupDef};
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::text::{Invalid, Text};
use baocao_domain::types::{Code, Email, FullName, IdNumber, Password, Phone, UnitKind, UnitName, Username, optional};
use baocao_domain::unit::{NewUnit, Reorganisation, TenantKind, Unit};
use baocao_domain::user::{UserProfile, UserStatus};
use baocao_storage::{NewAccount, NewTenant, Page, UnitChanges, UnitWithTenant, UserQuery, UserRecord};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::principal::Principal;
use crate::signin::hash_password;
use crate::state::AppState;

/// Collects every field error of a form before answering, so the user sees them all at once.
#[derive(Default)]
pub struct Checks {
    errors: Vec<Invalid>,
}

impl Checks {
    pub fn take<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: Invalid) {
        self.errors.push(e);
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(self.errors)) }
    }
}

/// Parses a date typed as dd/MM/yyyy (as Vietnamese users write it) or yyyy-MM-dd.
pub fn parse_date(raw: &str, field: &'static str) -> Result<NaiveDate, Invalid> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%Y-%m-%d"))
        .map_err(|_| Invalid::new(field, "invalid_date", Text::fixed("Ngày không hợp lệ, hãy nhập theo dạng dd/MM/yyyy.", "Invalid date; use dd/MM/yyyy.")))
}

fn unknown_group(raw: &str) -> Invalid {
    Invalid::new("group", "unknown_group", Text::new(format!("Không có nhóm người dùng \"{raw}\"."), format!("There is no group \"{raw}\".")))
}

// ---------------------------------------------------------------- scopes ---

/// Where the caller may exercise `P`.
pub async fn scope<P: Permission>(state: &AppState, who: &Principal) -> Result<Scope<P>, AppError> {
    let memberships = state.authz.memberships(who.user.id).await;
    let ids: Vec<UnitId> = memberships.iter().map(|m| m.unit).collect();
    let paths = state.store.unit_paths(&ids).await?;
    Ok(state.authz.scope::<P>(who.user.id, &paths).await)
}

/// Reloads one user's memberships on this instance and tells the others.
async fn memberships_changed(state: &AppState, user: UserId) -> Result<(), AppError> {
    let rows = state.store.all_memberships_of(user).await?;
    state.authz.replace_memberships(user, &rows).await.map_err(|e| AppError::Internal(e.to_string()))?;
    if let Err(error) = state.bus.publish(&Event::MembershipsChanged { user_id: user.0 }).await {
        // This instance is already up to date; others catch up on their next reload.
        tracing::warn!(%error, "could not announce a membership change");
    }
    Ok(())
}

// ----------------------------------------------------------------- units ---

pub async fn visible_units(state: &AppState, who: &Principal) -> Result<Vec<UnitWithTenant>, AppError> {
    let scope = scope::<ReadUnits>(state, who).await?;
    Ok(state.store.units_in_scope(&scope).await?)
}

pub async fn unit(state: &AppState, who: &Principal, id: UnitId) -> Result<UnitWithTenant, AppError> {
    let (_, grant) = readable_unit(state, who, id).await?;
    Ok(state.store.unit(&grant).await?)
}

/// An account typed into a form: a unit's administrator or a new user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct AccountInput {
    pub username: String,
    pub password: String,
    pub full_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
}

/// Validates an account; `prefix` tells fields apart when a form holds a unit and its administrator.
fn account(checks: &mut Checks, input: &AccountInput) -> Option<(Username, Password, UserProfile)> {
    let username = checks.take(Username::parse(&input.username));
    let password = checks.take(Password::parse(&input.password));
    let profile = profile(checks, &input.full_name, input.email.as_deref(), input.phone.as_deref(), input.id_number.as_deref());
    Some((username?, password?, profile?))
}

fn profile(checks: &mut Checks, full_name: &str, email: Option<&str>, phone: Option<&str>, id_number: Option<&str>) -> Option<UserProfile> {
    let full_name = checks.take(FullName::parse(full_name));
    let email = checks.take(optional(email, Email::parse));
    let phone = checks.take(optional(phone, Phone::parse));
    let id_number = checks.take(optional(id_number, IdNumber::parse));
    Some(UserProfile { full_name: full_name?, email: email?, phone: phone?, id_number: id_number? })
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
fn default_admin_group<'a>(groups: &'a [&'a GroupDef], level: &str) -> Option<&'a GroupDef> {
    groups.iter().copied().find(|g| g.code.as_str().ends_with("QUANTRI") && !g.levels.is_empty() && g.grantable_at_level(level))
}

fn check_group_fits(group: &GroupDef, tenant_kind: TenantKind, level: &str) -> Result<(), Invalid> {
    if !group.tenant_kinds.contains(&tenant_kind) {
        return Err(Invalid::new(
            "group",
            "group_not_for_tenant",
            Text::new(
                format!("Nhóm \"{}\" không dùng cho loại đơn vị chủ quản này.", group.name.vi),
                format!("The group \"{}\" does not exist for this kind of tenant.", group.name.en),
            ),
        ));
    }
    if !group.grantable_at_level(level) {
        return Err(Invalid::new(
            "group",
            "group_wrong_level",
            Text::new(
                format!("Nhóm \"{}\" chỉ được gán ở cấp {}.", group.name.vi, group.levels.join(", ")),
                format!("The group \"{}\" can only be granted at level {}.", group.name.en, group.levels.join(", ")),
            ),
        ));
    }
    Ok(())
}

pub async fn create_unit(state: &AppState, who: &Principal, input: NewUnitInput) -> Result<Unit, AppError> {
    let mut checks = Checks::default();
    let code = checks.take(Code::parse(&input.code, "code"));
    let name = checks.take(UnitName::parse(&input.name));
    let kind = checks.take(UnitKind::parse(&input.kind));
    let level = checks.take(Code::parse(&input.level, "level"));
    let valid_from = match input.valid_from.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => checks.take(parse_date(raw, "valid_from")),
        None => Some(chrono::Utc::now().date_naive()),
    };
    let tenant_kind = match input.tenant_kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => checks.take(raw.parse::<TenantKind>().and_then(|k| {
            if k == TenantKind::Root {
                Err(Invalid::new("tenant_kind", "invalid_tenant_kind", Text::fixed("Không thể tạo thêm cơ quan vận hành.", "There is only one platform root.")))
            } else {
                Ok(k)
            }
        })),
        None => None,
    };
    let admin = input.admin.as_ref().and_then(|a| account(&mut checks, a));
    checks.finish()?;
    let (Some(code), Some(name), Some(kind), Some(level), Some(valid_from)) = (code, name, kind, level, valid_from) else {
        return Err(AppError::Internal("validated fields missing".into()));
    };

    let parent = state.store.unit_for_check(UnitId(input.parent_id)).await.map_err(|e| match e {
        baocao_storage::StoreError::NotFound(_) => {
            AppError::Invalid(vec![Invalid::new("parent_id", "unknown_unit", Text::fixed("Đơn vị cấp trên không tồn tại.", "The parent unit does not exist."))])
        }
        other => other.into(),
    })?;
    let parent_tenant = state.store.tenant(parent.tenant_id).await?;
    // Authorise before judging the request's shape, so that a caller without
    // the right learns nothing from validation messages.
    enum ParentGrant {
        Tenant(baocao_authz::Grant<ManageTenants>),
        Unit(baocao_authz::Grant<ManageUnits>),
    }
    let parent_grant = if parent_tenant.kind == TenantKind::Root && parent.parent_id.is_none() {
        ParentGrant::Tenant(state.authz.check::<ManageTenants>(who.user.id, &parent.path).await?)
    } else {
        ParentGrant::Unit(state.authz.check_below::<ManageUnits>(who.user.id, &parent.path).await?)
    };
    let new_tenant_kind = match (parent_tenant.kind, tenant_kind) {
        (TenantKind::Root, Some(kind)) => Some(kind),
        (TenantKind::Root, None) if parent.parent_id.is_none() => {
            return Err(Invalid::new(
                "tenant_kind",
                "tenant_kind_required",
                Text::fixed(
                    "Đơn vị trực thuộc Văn phòng Chính phủ phải là bộ, tỉnh hoặc ngành dọc: hãy chọn loại.",
                    "A unit directly under the root is a tenant: choose ministry, province or sector.",
                ),
            )
            .into());
        }
        (_, Some(_)) => {
            return Err(Invalid::new(
                "tenant_kind",
                "tenant_only_under_root",
                Text::fixed("Chỉ tạo bộ, tỉnh hoặc ngành dọc ngay dưới Văn phòng Chính phủ.", "Tenants can only be created directly under the root."),
            )
            .into());
        }
        (_, None) => None,
    };
    let effective_kind = new_tenant_kind.unwrap_or(parent_tenant.kind);
    let catalogue = state.authz.catalogue();
    let groups = catalogue.for_tenant(effective_kind);
    let admin_group = match (&admin, input.admin_group.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
        (None, _) => None,
        (Some(_), Some(raw)) => {
            let code = GroupCode::parse(raw)?;
            let def = catalogue.get(&code).ok_or_else(|| unknown_group(raw))?;
            check_group_fits(def, effective_kind, level.as_str())?;
            Some(def.code.clone())
        }
        (Some(_), None) => Some(
            default_admin_group(&groups, level.as_str())
                .ok_or_else(|| {
                    Invalid::new(
                        "admin_group",
                        "no_admin_group",
                        Text::new(
                            format!("Không có nhóm quản trị cho cấp \"{level}\"; hãy chọn nhóm cho tài khoản quản trị."),
                            format!("No administration group exists for level \"{level}\"; choose the administrator's group."),
                        ),
                    )
                })?
                .code
                .clone(),
        ),
    };
    if let Some(group) = &admin_group {
        state.authz.check_grant_below(who.user.id, group, &parent.path).await?;
    }
    let admin = match (admin, admin_group) {
        (Some((username, password, profile)), Some(group)) => Some((NewAccount { username, password_hash: hash_password(password).await?, profile }, group)),
        _ => None,
    };
    let admin_username = admin.as_ref().map(|(a, _)| a.username.clone());
    let new = NewUnit { parent_id: parent.id, code: code.clone(), name, kind, level, valid_from };
    let unit = match (new_tenant_kind, parent_grant) {
        (Some(kind), ParentGrant::Tenant(grant)) => state.store.create_tenant(&grant, &who.actor(), NewTenant { kind, code }, new, admin).await?,
        (None, ParentGrant::Unit(grant)) => state.store.create_unit(&grant, &who.actor(), new, admin).await?,
        _ => return Err(AppError::Internal("tenant kind and parent grant disagree".into())),
    };
    if let Some(username) = admin_username
        && let Some(record) = state.store.login_record(&username).await?
    {
        memberships_changed(state, record.user.id).await?;
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

pub async fn update_unit(state: &AppState, who: &Principal, id: UnitId, edit: UnitEdit) -> Result<Unit, AppError> {
    let mut checks = Checks::default();
    let changes = UnitChanges {
        name: edit.name.as_deref().and_then(|v| checks.take(UnitName::parse(v))),
        kind: edit.kind.as_deref().and_then(|v| checks.take(UnitKind::parse(v))),
        level: edit.level.as_deref().and_then(|v| checks.take(Code::parse(v, "level"))),
        code: edit.code.as_deref().and_then(|v| checks.take(Code::parse(v, "code"))),
    };
    checks.finish()?;
    let target = visible_unit(state, who, id).await?;
    let grant = state.authz.check::<ManageUnits>(who.user.id, &target.path).await?;
    Ok(state.store.update_unit(&grant, &who.actor(), changes).await?)
}

pub async fn delete_unit(state: &AppState, who: &Principal, id: UnitId) -> Result<(), AppError> {
    let target = visible_unit(state, who, id).await?;
    let Some(parent_id) = target.parent_id else {
        return Err(Invalid::new("unit", "cannot_delete_root", Text::fixed("Không thể xóa đơn vị gốc.", "The root unit cannot be deleted.")).into());
    };
    let parent = state.store.unit_for_check(parent_id).await?;
    let grant = state.authz.check_below::<ManageUnits>(who.user.id, &parent.path).await?;
    Ok(state.store.delete_unit(&grant, &who.actor(), id).await?)
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

pub async fn reorganise(state: &AppState, who: &Principal, input: ReorganisationInput) -> Result<i64, AppError> {
    let mut checks = Checks::default();
    let effective = checks.take(parse_date(&input.effective, "effective"));
    let decision = input.decision.trim().to_owned();
    if decision.is_empty() {
        checks.push(Invalid::new("decision", "required", Text::fixed("Hãy nhập văn bản quyết định.", "The deciding document is required.")));
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
    let (Some(op), Some(effective)) = (op, effective) else { return Err(AppError::Internal("validated fields missing".into())) };
    let touched: Vec<i64> = input.units.iter().chain(input.into.iter()).copied().collect();
    let mut grants = Vec::with_capacity(touched.len());
    for id in touched {
        let unit = visible_unit(state, who, UnitId(id)).await?;
        grants.push(state.authz.check::<ManageUnits>(who.user.id, &unit.path).await?);
    }
    Ok(state.store.reorganise(&grants, &who.actor(), &op, effective, &decision).await?)
}

// ----------------------------------------------------------------- users ---

pub async fn users(state: &AppState, who: &Principal, query: &UserQuery) -> Result<Page<UserRecord>, AppError> {
    let scope = scope::<ReadUsers>(state, who).await?;
    Ok(state.store.users_in_scope(&scope, query).await?)
}

pub async fn user(state: &AppState, who: &Principal, id: UserId) -> Result<UserRecord, AppError> {
    let (_, grant) = readable_user(state, who, id).await?;
    Ok(state.store.user_in(&grant, id).await?)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewUserInput {
    /// The managing unit.
    pub unit_id: i64,
    #[serde(flatten)]
    pub account: AccountInput,
    /// Groups granted at the managing unit.
    #[serde(default)]
    pub groups: Vec<String>,
}

async fn resolve_group(state: &AppState, who: &Principal, raw: &str, unit: &Unit) -> Result<GroupCode, AppError> {
    let code = GroupCode::parse(raw).map_err(|_| unknown_group(raw))?;
    let def = state.authz.catalogue().get(&code).ok_or_else(|| unknown_group(raw))?;
    let tenant = state.store.tenant(unit.tenant_id).await?;
    check_group_fits(def, tenant.kind, unit.level.as_str())?;
    state.authz.check_grant(who.user.id, &code, &unit.path).await?;
    Ok(code)
}

pub async fn create_user(state: &AppState, who: &Principal, input: NewUserInput) -> Result<UserRecord, AppError> {
    let mut checks = Checks::default();
    let account = account(&mut checks, &input.account);
    checks.finish()?;
    let Some((username, password, profile)) = account else { return Err(AppError::Internal("validated fields missing".into())) };
    let unit = state.store.unit_for_check(UnitId(input.unit_id)).await.map_err(|e| match e {
        baocao_storage::StoreError::NotFound(_) => {
            AppError::Invalid(vec![Invalid::new("unit_id", "unknown_unit", Text::fixed("Đơn vị không tồn tại.", "The unit does not exist."))])
        }
        other => other.into(),
    })?;
    let grant = state.authz.check::<ManageUsers>(who.user.id, &unit.path).await?;
    let mut groups = Vec::new();
    for raw in &input.groups {
        groups.push(resolve_group(state, who, raw, &unit).await?);
    }
    let account = NewAccount { username, password_hash: hash_password(password).await?, profile };
    let user = state.store.create_user_with_groups(&grant, &who.actor(), account, &groups).await?;
    if !groups.is_empty() {
        memberships_changed(state, user.id).await?;
    }
    self::user(state, who, user.id).await
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UserEdit {
    pub full_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    /// Move the account to another managing unit of the same tenant.
    #[serde(default)]
    pub unit_id: Option<i64>,
}

/// The right to act on an account (edit it, lock it, reset its password,
/// change its groups). Managing its home unit is not enough: every group the
/// account holds, wherever it holds it, must lie within the caller's reach
/// and be one the caller could have granted there. Otherwise a district
/// administrator could reset the password of a user who is a province
/// administrator at the province, sign in as it, and climb.
async fn manage_grant_for_user(state: &AppState, who: &Principal, id: UserId) -> Result<baocao_authz::Grant<ManageUsers>, AppError> {
    let (home, _) = readable_user(state, who, id).await?;
    let grant = state.authz.check::<ManageUsers>(who.user.id, &home.path).await?;
    let memberships = state.store.all_memberships_of(id).await?;
    let ids: Vec<UnitId> = memberships.iter().map(|m| m.unit).collect();
    let paths = state.store.unit_paths(&ids).await?;
    for m in &memberships {
        let path = paths.get(&m.unit).ok_or(AppError::NotFound("unit"))?;
        state.authz.check::<ManageUsers>(who.user.id, path).await?;
        state.authz.check_grant(who.user.id, &m.group, path).await?;
    }
    Ok(grant)
}

/// A user the caller may see, with its home unit and the read grant; another
/// tenant's user answers as a missing one does (404), so that ids cannot be probed.
async fn readable_user(state: &AppState, who: &Principal, id: UserId) -> Result<(Unit, baocao_authz::Grant<ReadUsers>), AppError> {
    let target = state.store.user_by_id(id).await?;
    let home = state.store.unit_for_check(target.unit_id).await?;
    let grant = state.authz.check::<ReadUsers>(who.user.id, &home.path).await.map_err(|_| AppError::NotFound("user"))?;
    Ok((home, grant))
}

/// A unit the caller may see, with the read grant; another tenant's unit answers 404 like a missing one.
async fn readable_unit(state: &AppState, who: &Principal, id: UnitId) -> Result<(Unit, baocao_authz::Grant<ReadUnits>), AppError> {
    let unit = state.store.unit_for_check(id).await?;
    let grant = state.authz.check::<ReadUnits>(who.user.id, &unit.path).await.map_err(|_| AppError::NotFound("unit"))?;
    Ok((unit, grant))
}

/// A unit the caller may see, for a call naming it by id (404 otherwise).
pub async fn visible_unit(state: &AppState, who: &Principal, id: UnitId) -> Result<Unit, AppError> {
    Ok(readable_unit(state, who, id).await?.0)
}

pub async fn update_user(state: &AppState, who: &Principal, id: UserId, edit: UserEdit) -> Result<UserRecord, AppError> {
    let mut checks = Checks::default();
    let profile = profile(&mut checks, &edit.full_name, edit.email.as_deref(), edit.phone.as_deref(), edit.id_number.as_deref());
    checks.finish()?;
    let Some(profile) = profile else { return Err(AppError::Internal("validated fields missing".into())) };
    let grant = manage_grant_for_user(state, who, id).await?;
    let move_grant = match edit.unit_id {
        Some(unit) if unit != grant.target().0 => {
            let unit = visible_unit(state, who, UnitId(unit)).await?;
            Some(state.authz.check::<ManageUsers>(who.user.id, &unit.path).await?)
        }
        _ => None,
    };
    state.store.update_user(&grant, &who.actor(), id, profile, move_grant.as_ref()).await?;
    user(state, who, id).await
}

pub async fn set_user_status(state: &AppState, who: &Principal, id: UserId, status: UserStatus) -> Result<(), AppError> {
    let grant = manage_grant_for_user(state, who, id).await?;
    state.store.set_user_status(&grant, &who.actor(), id, status).await?;
    if status == UserStatus::Disabled {
        // Memberships stay for a later reactivation; the sign-in check refuses disabled accounts.
        tracing::info!(user = %id, "account deactivated");
    }
    Ok(())
}

pub async fn reset_password(state: &AppState, who: &Principal, id: UserId, new_password: &str) -> Result<(), AppError> {
    let password = Password::parse(new_password)?;
    let grant = manage_grant_for_user(state, who, id).await?;
    let hash = hash_password(password).await?;
    Ok(state.store.reset_password(&grant, &who.actor(), id, hash).await?)
}

/// Issues a one-time reset token for a user the caller manages; returns the token
/// (shown once to the administrator, who hands it over; mail delivery comes later).
pub async fn issue_reset_token(state: &AppState, who: &Principal, id: UserId) -> Result<String, AppError> {
    manage_grant_for_user(state, who, id).await?;
    let token = baocao_identity::token::random_token();
    let expires = chrono::Utc::now() + chrono::Duration::minutes(state.settings.auth.reset_token_minutes);
    state.store.create_reset_token(id, baocao_identity::token::digest(&token), expires, Some(who.user.id)).await?;
    Ok(token)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MembershipInput {
    pub group: String,
    pub unit_id: i64,
}

pub async fn grant(state: &AppState, who: &Principal, user_id: UserId, input: MembershipInput) -> Result<bool, AppError> {
    // The caller must manage the user and be allowed to grant this group at that unit.
    manage_grant_for_user(state, who, user_id).await?;
    let unit = visible_unit(state, who, UnitId(input.unit_id)).await?;
    let code = resolve_group(state, who, &input.group, &unit).await?;
    let grant = state.authz.check_grant(who.user.id, &code, &unit.path).await?;
    let added = state.store.grant_membership(&grant, &who.actor(), user_id, &code).await?;
    memberships_changed(state, user_id).await?;
    Ok(added)
}

pub async fn revoke(state: &AppState, who: &Principal, user_id: UserId, input: MembershipInput) -> Result<bool, AppError> {
    manage_grant_for_user(state, who, user_id).await?;
    let unit = visible_unit(state, who, UnitId(input.unit_id)).await?;
    let code = GroupCode::parse(&input.group).map_err(|_| unknown_group(&input.group))?;
    let grant = state.authz.check_grant(who.user.id, &code, &unit.path).await?;
    let removed = state.store.revoke_membership(&grant, &who.actor(), user_id, &code).await?;
    memberships_changed(state, user_id).await?;
    Ok(removed)
}

/// The groups the caller may grant at a unit, for the forms' choices.
pub async fn grantable_at(state: &AppState, who: &Principal, unit: &Unit) -> Result<Vec<GroupDef>, AppError> {
    let tenant = state.store.tenant(unit.tenant_id).await?;
    let codes = state.authz.grantable_groups(who.user.id, &unit.path).await;
    Ok(codes.iter().filter_map(|c| state.authz.catalogue().get(c)).filter(|g| check_group_fits(g, tenant.kind, unit.level.as_str()).is_ok()).cloned().collect())
}

pub async fn audit(state: &AppState, who: &Principal, page: u64) -> Result<Page<baocao_storage::AuditEntry>, AppError> {
    let scope = scope::<ReadAudit>(state, who).await?;
    Ok(state.store.audit_entries(&scope, page.max(1), 50).await?)
}

/// Unit names by id, for showing memberships and trees.
pub fn names(units: &[UnitWithTenant]) -> HashMap<UnitId, String> {
    units.iter().map(|u| (u.unit.id, u.unit.name.as_str().to_owned())).collect()
}

// ---------------------------------------------------------------- oneself ---

/// The caller's own account with its memberships.
pub async fn user_self(state: &AppState, id: UserId) -> Result<UserRecord, AppError> {
    Ok(state.store.own_record(id).await?)
}

pub async fn change_own_password(state: &AppState, who: &Principal, current: &str, new: &str) -> Result<(), AppError> {
    let password = Password::parse(new)?;
    let username = who.user.username.clone();
    let record = state.store.login_record(&username).await?.ok_or(AppError::Unauthenticated)?;
    let stored = record.password_hash;
    let candidate = current.to_owned();
    let ok =
        tokio::task::spawn_blocking(move || baocao_identity::password::verify(&candidate, &stored)).await.map_err(|e| AppError::Internal(e.to_string()))?;
    if !ok {
        return Err(
            Invalid::new("current_password", "wrong_current_password", Text::fixed("Mật khẩu hiện tại không đúng.", "The current password is wrong.")).into()
        );
    }
    let hash = hash_password(password).await?;
    Ok(state.store.change_own_password(who.user.id, hash).await?)
}
