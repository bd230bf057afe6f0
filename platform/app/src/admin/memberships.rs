//! Group memberships: granting and revoking a group at a unit, and which groups the caller may grant.

use baocao_domain::group::{GroupCode, GroupDef};
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::unit::Unit;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;

use super::*;

pub(crate) async fn resolve_group(app: &App, who: &Caller, raw: &str, unit: &Unit) -> Result<GroupCode, Error> {
    let code = GroupCode::parse(raw).map_err(|_| unknown_group(raw))?;
    let def = app.authz.catalogue().get(&code).ok_or_else(|| unknown_group(raw))?;
    let tenant = app.store.tenant_unscoped(unit.tenant_id).await?;
    check_group_fits(def, tenant.kind, unit.level.as_str())?;
    app.authz.check_grant(who.user.id, &code, &unit.path).await?;
    Ok(code)
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MembershipInput {
    pub group: String,
    pub unit_id: i64,
}

pub async fn grant(app: &App, who: &Caller, user_id: UserId, input: MembershipInput) -> Result<bool, Error> {
    // The caller must manage the user and be allowed to grant this group at that unit.
    manage_grant_for_user(app, who, user_id).await?;
    let unit = visible_unit(app, who, UnitId(input.unit_id)).await?;
    let code = resolve_group(app, who, &input.group, &unit).await?;
    let grant = app.authz.check_grant(who.user.id, &code, &unit.path).await?;
    let added = app.store.grant_membership(&grant, &who.actor(), user_id, &code).await?;
    memberships_changed(app, user_id).await?;
    Ok(added)
}

pub async fn revoke(app: &App, who: &Caller, user_id: UserId, input: MembershipInput) -> Result<bool, Error> {
    manage_grant_for_user(app, who, user_id).await?;
    let unit = visible_unit(app, who, UnitId(input.unit_id)).await?;
    let code = GroupCode::parse(&input.group).map_err(|_| unknown_group(&input.group))?;
    let grant = app.authz.check_grant(who.user.id, &code, &unit.path).await?;
    let removed = app.store.revoke_membership(&grant, &who.actor(), user_id, &code).await?;
    memberships_changed(app, user_id).await?;
    Ok(removed)
}

/// The groups the caller may grant at a unit, for the forms' choices.
pub async fn grantable_at(app: &App, who: &Caller, unit: &Unit) -> Result<Vec<GroupDef>, Error> {
    let tenant = app.store.tenant_unscoped(unit.tenant_id).await?;
    let codes = app.authz.grantable_groups(who.user.id, &unit.path).await;
    Ok(codes
        .iter()
        .filter_map(|c| app.authz.catalogue().get(c))
        .filter(|g| check_group_fits(g, tenant.kind, unit.level.as_str()).is_ok())
        .cloned()
        .collect())
}
