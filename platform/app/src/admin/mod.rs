//! Administration: units, tenants, users and group memberships. Every front end calls
//! these functions, so each rule lives once.
//! Every function starts from the caller and ends in a storage call that
//! demands the grant the check produced.

mod memberships;
mod reach;
mod units;
mod users;

pub use memberships::*;
pub use reach::*;
pub use units::*;
pub use users::*;

use baocao_domain::unit::levels_text;
use baocao_storage::AuditEntry;
use std::collections::HashMap;

use baocao_authz::perms::{ManageUsers, ReadAudit, ReadUnits, ReadUsers};
use baocao_authz::{Permission, Scope};
use baocao_bus::Event;
use baocao_domain::group::GroupDef;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::text::{Invalid, Text};
use baocao_domain::types::{Email, FullName, IdNumber, Password, Phone, Username, optional};
use baocao_domain::unit::{TenantKind, Unit, UnitPath};
use baocao_domain::user::UserProfile;
use baocao_storage::{Page, UnitWithTenant};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;

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

    pub fn finish(self) -> Result<(), Error> {
        if self.errors.is_empty() { Ok(()) } else { Err(Error::Invalid(self.errors)) }
    }
}

/// Parses a date typed as dd/MM/yyyy (as Vietnamese users write it) or yyyy-MM-dd.
pub fn parse_date(raw: &str, field: &'static str) -> Result<NaiveDate, Invalid> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%d/%m/%Y").or_else(|_| NaiveDate::parse_from_str(raw, "%Y-%m-%d")).map_err(|_| {
        Invalid::new(
            field,
            "invalid_date",
            Text::fixed("Ngày không hợp lệ, hãy nhập theo dạng dd/MM/yyyy.", "Invalid date; use dd/MM/yyyy."),
        )
    })
}

pub(crate) fn unknown_group(raw: &str) -> Invalid {
    Invalid::new(
        "group",
        "unknown_group",
        Text::new(format!("Không có nhóm người dùng \"{raw}\"."), format!("There is no group \"{raw}\".")),
    )
}

/// Where the caller may exercise `P`.
pub async fn scope<P: Permission>(app: &App, who: &Caller) -> Result<Scope<P>, Error> {
    let paths = membership_paths(app, who).await?;
    Ok(app.authz.scope::<P>(who.user.id, &paths).await)
}

/// The paths of the units where the caller holds groups: what every scope of
/// the caller is computed from, read once when several are needed.
pub(crate) async fn membership_paths(app: &App, who: &Caller) -> Result<HashMap<UnitId, UnitPath>, Error> {
    let memberships = app.authz.memberships(who.user.id).await;
    let ids: Vec<UnitId> = memberships.iter().map(|m| m.unit).collect();
    Ok(app.store.unit_paths_unscoped(&ids).await?)
}

/// Reloads one user's memberships on this instance and tells the others.
pub(crate) async fn memberships_changed(app: &App, user: UserId) -> Result<(), Error> {
    let rows = app.store.all_memberships_of(user).await?;
    app.authz.replace_memberships(user, &rows).await.map_err(Error::internal)?;
    if let Err(error) = app.bus.publish(&Event::MembershipsChanged { user_id: user.0 }).await {
        // This instance is already up to date; others catch up on their next reload.
        tracing::warn!(%error, "could not announce a membership change");
    }
    Ok(())
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
pub(crate) fn account(checks: &mut Checks, input: &AccountInput) -> Option<(Username, Password, UserProfile)> {
    let username = checks.take(Username::parse(&input.username));
    let password = checks.take(Password::parse(&input.password));
    let profile =
        profile(checks, &input.full_name, input.email.as_deref(), input.phone.as_deref(), input.id_number.as_deref());
    Some((username?, password?, profile?))
}

pub(crate) fn profile(
    checks: &mut Checks, full_name: &str, email: Option<&str>, phone: Option<&str>, id_number: Option<&str>,
) -> Option<UserProfile> {
    let full_name = checks.take(FullName::parse(full_name));
    let email = checks.take(optional(email, Email::parse));
    let phone = checks.take(optional(phone, Phone::parse));
    let id_number = checks.take(optional(id_number, IdNumber::parse));
    Some(UserProfile { full_name: full_name?, email: email?, phone: phone?, id_number: id_number? })
}

pub(crate) fn check_group_fits(group: &GroupDef, tenant_kind: TenantKind, level: &str) -> Result<(), Invalid> {
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
                format!("Nhóm \"{}\" chỉ được gán ở cấp {}.", group.name.vi, levels_text(&group.levels).vi),
                format!(
                    "The group \"{}\" can only be granted at the level {}.",
                    group.name.en,
                    levels_text(&group.levels).en
                ),
            ),
        ));
    }
    Ok(())
}

/// The right to act on an account (edit it, lock it, reset its password,
/// change its groups). Managing its home unit is not enough: every group the
/// account holds, wherever it holds it, must lie within the caller's reach
/// and be one the caller could have granted there. Otherwise a district
/// administrator could reset the password of a user who is a province
/// administrator at the province, sign in as it, and climb.
pub(crate) async fn manage_grant_for_user(
    app: &App, who: &Caller, id: UserId,
) -> Result<baocao_authz::Grant<ManageUsers>, Error> {
    let (home, _) = readable_user(app, who, id).await?;
    let grant = app.authz.check::<ManageUsers>(who.user.id, &home.path).await?;
    let memberships = app.store.all_memberships_of(id).await?;
    let ids: Vec<UnitId> = memberships.iter().map(|m| m.unit).collect();
    let paths = app.store.unit_paths_unscoped(&ids).await?;
    for m in &memberships {
        let path = paths.get(&m.unit).ok_or(Error::NotFound("unit"))?;
        app.authz.check::<ManageUsers>(who.user.id, path).await?;
        app.authz.check_grant(who.user.id, &m.group, path).await?;
    }
    Ok(grant)
}

/// A user the caller may see, with its home unit and the read grant; another
/// tenant's user answers as a missing one does (404), so that ids cannot be probed.
pub(crate) async fn readable_user(
    app: &App, who: &Caller, id: UserId,
) -> Result<(Unit, baocao_authz::Grant<ReadUsers>), Error> {
    let target = app.store.user_unscoped(id).await?;
    let home = app.store.unit_unscoped(target.unit_id).await?;
    let grant = app.authz.check::<ReadUsers>(who.user.id, &home.path).await.map_err(|_| Error::NotFound("user"))?;
    Ok((home, grant))
}

/// A unit the caller may see, with the read grant; another tenant's unit answers 404 like a missing one.
pub(crate) async fn readable_unit(
    app: &App, who: &Caller, id: UnitId,
) -> Result<(Unit, baocao_authz::Grant<ReadUnits>), Error> {
    let unit = app.store.unit_unscoped(id).await?;
    let grant = app.authz.check::<ReadUnits>(who.user.id, &unit.path).await.map_err(|_| Error::NotFound("unit"))?;
    Ok((unit, grant))
}

/// A unit the caller may see, for a call naming it by id (404 otherwise).
pub async fn visible_unit(app: &App, who: &Caller, id: UnitId) -> Result<Unit, Error> {
    Ok(readable_unit(app, who, id).await?.0)
}

pub async fn audit(app: &App, who: &Caller, page: u64) -> Result<Page<baocao_storage::AuditEntry>, Error> {
    let scope = scope::<ReadAudit>(app, who).await?;
    Ok(app.store.audit_entries(&scope, page.max(1), 50).await?)
}

/// Who or what each audit entry is about, by (entity, id): a user's full
/// name, a unit's name. Entries of other kinds are not named.
pub async fn audit_subjects(app: &App, entries: &[AuditEntry]) -> HashMap<(String, String), String> {
    let mut out = HashMap::new();
    for e in entries {
        let key = (e.entity.clone(), e.entity_id.clone());
        let Ok(id) = e.entity_id.parse::<i64>() else { continue };
        if out.contains_key(&key) {
            continue;
        }
        let name = match e.entity.as_str() {
            "user" => app.store.user_unscoped(UserId(id)).await.ok().map(|u| u.full_name.as_str().to_owned()),
            "unit" => app.store.unit_unscoped(UnitId(id)).await.ok().map(|u| u.name.as_str().to_owned()),
            _ => None,
        };
        if let Some(name) = name {
            out.insert(key, name);
        }
    }
    out
}

/// Unit names by id, for showing memberships and trees.
pub fn names(units: &[UnitWithTenant]) -> HashMap<UnitId, String> {
    units.iter().map(|u| (u.unit.id, u.unit.name.as_str().to_owned())).collect()
}
