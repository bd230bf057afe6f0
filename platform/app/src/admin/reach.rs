//! What the caller may do where, for front ends deciding which forms and
//! buttons to show; and lookups of names, which any signed-in user may see
//! (the units and people named on a report it can open). The use cases
//! check again when the caller acts: these only shape the page.

use std::collections::HashMap;

use baocao_authz::perms::{ConfigureReceivers, ManageRegimes, ManageUnits, ManageUsers};
use baocao_domain::group::{GroupCode, GroupDef};
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::text::Locale;
use baocao_domain::unit::Unit;

use crate::{App, Caller, Error};

pub async fn may_manage_units_at(app: &App, who: &Caller, unit: &Unit) -> bool {
    app.authz.check::<ManageUnits>(who.user.id, &unit.path).await.is_ok()
}

/// Whether the caller may create units under `parent`.
pub async fn may_manage_units_below(app: &App, who: &Caller, parent: &Unit) -> bool {
    app.authz.check_below::<ManageUnits>(who.user.id, &parent.path).await.is_ok()
}

pub async fn may_manage_users_at(app: &App, who: &Caller, unit: &Unit) -> bool {
    app.authz.check::<ManageUsers>(who.user.id, &unit.path).await.is_ok()
}

pub async fn may_configure_receivers_at(app: &App, who: &Caller, unit: &Unit) -> bool {
    app.authz.check::<ConfigureReceivers>(who.user.id, &unit.path).await.is_ok()
}

/// Whether the caller manages the regimes of its tenant (uploads, enabling).
pub async fn may_manage_regimes(app: &App, who: &Caller) -> bool {
    let Ok(root) = app.store.tenant_root_unscoped(who.user.tenant_id).await else { return false };
    app.authz.check::<ManageRegimes>(who.user.id, &root.path).await.is_ok()
}

/// The groups the caller may grant to the administrator of a new unit under `parent`.
pub async fn groups_grantable_below(app: &App, who: &Caller, parent: &Unit) -> Vec<GroupDef> {
    let mut out = Vec::new();
    for g in app.authz.catalogue().all() {
        if app.authz.check_grant_below(who.user.id, &g.code, &parent.path).await.is_ok() {
            out.push(g.clone());
        }
    }
    out
}

/// Every predefined group.
pub fn groups(app: &App) -> Vec<GroupDef> {
    app.authz.catalogue().all().into_iter().cloned().collect()
}

/// A group's name in the locale (its code when it is not predefined).
pub fn group_name(app: &App, code: &GroupCode, l: Locale) -> String {
    app.authz.catalogue().get(code).map(|g| g.name.get(l).to_owned()).unwrap_or_else(|| code.as_str().to_owned())
}

/// The root unit of the platform (the Government Office): where the
/// operator's rights (catalogues, the outbox, the jobs) are held.
pub(crate) async fn platform_root(app: &App) -> Result<Unit, Error> {
    let roots = app.store.tenants_of_kind_unscoped(baocao_domain::unit::TenantKind::Root).await?;
    let platform = roots.first().ok_or(Error::NotFound("tenant"))?;
    Ok(app.store.tenant_root_unscoped(platform.id).await?)
}

/// That the caller is the platform's operator (creates tenants at its root):
/// who reads the outbox and the jobs' runs.
pub(crate) async fn check_operator(app: &App, who: &Caller) -> Result<(), Error> {
    let root = platform_root(app).await?;
    app.authz.check::<baocao_authz::perms::ManageTenants>(who.user.id, &root.path).await?;
    Ok(())
}

/// The root unit of the caller's tenant (where tenant-wide settings are held).
pub async fn own_tenant_root(app: &App, who: &Caller) -> Result<Unit, Error> {
    Ok(app.store.tenant_root_unscoped(who.user.tenant_id).await?)
}

/// The unit the caller works at.
pub async fn own_unit(app: &App, who: &Caller) -> Result<Unit, Error> {
    Ok(app.store.unit_unscoped(who.user.unit_id).await?)
}

/// A unit by id, whoever may see it: for filters the caller's scope narrows anyway.
pub async fn unit_unscoped(app: &App, id: UnitId) -> Result<Unit, Error> {
    Ok(app.store.unit_unscoped(id).await?)
}

/// Units' names by id.
pub async fn unit_names_unscoped(app: &App, ids: &[UnitId]) -> Result<HashMap<UnitId, String>, Error> {
    Ok(app.store.unit_names_unscoped(ids).await?)
}

/// A user's full name (a notification's sender).
pub async fn user_name_unscoped(app: &App, id: UserId) -> Option<String> {
    app.store.user_unscoped(id).await.ok().map(|u| u.full_name.as_str().to_owned())
}

/// The units that took over a closed unit.
pub async fn successors_unscoped(app: &App, unit: UnitId) -> Result<Vec<Unit>, Error> {
    Ok(app.store.successors_unscoped(unit).await?)
}

/// The name of the unit receiving a unit's reports of every regime, if one is set.
async fn receiver_choices(
    app: &App, who: &Caller, unit: &Unit, units: Vec<(UnitId, String)>,
) -> Result<ReceiverChoices, Error> {
    let configured = app.store.configured_receivers_unscoped(unit.id).await?;
    let current = app.store.receiver_of_unscoped(unit.id, "*").await?;
    let ids: Vec<UnitId> = configured.iter().map(|(_, id)| *id).chain(current).collect();
    let names = app.store.unit_names_unscoped(&ids).await?;
    let name = |id: UnitId| names.get(&id).cloned().unwrap_or_default();
    Ok(ReceiverChoices {
        units,
        current: current.map(|id| (id, name(id))),
        by_regime: configured.into_iter().filter(|(r, _)| r != "*").map(|(r, id)| (r, id, name(id))).collect(),
        regimes: crate::regimes::list(app, who, false).await?,
    })
}

/// The units in force the caller sees where `may` holds.
async fn in_force_where(
    app: &App, who: &Caller, may: impl AsyncFn(&Unit) -> bool,
) -> Result<Vec<baocao_storage::UnitWithTenant>, Error> {
    let mut out = Vec::new();
    for u in crate::admin::visible_units(app, who).await? {
        if u.unit.valid_to.is_none() && may(&u.unit).await {
            out.push(u);
        }
    }
    Ok(out)
}

/// The units in force where the caller may manage accounts.
pub async fn manageable_units(app: &App, who: &Caller) -> Result<Vec<baocao_storage::UnitWithTenant>, Error> {
    in_force_where(app, who, async |u: &Unit| may_manage_users_at(app, who, u).await).await
}

/// Every group the caller may grant at one of `units`, in the catalogue's order.
pub async fn grantable_anywhere(app: &App, who: &Caller, units: &[baocao_storage::UnitWithTenant]) -> Vec<GroupDef> {
    let mut out: Vec<GroupDef> = Vec::new();
    for u in units {
        let Ok(groups) = crate::admin::grantable_at(app, who, &u.unit).await else { continue };
        for g in groups {
            if !out.iter().any(|o| o.code == g.code) {
                out.push(g);
            }
        }
    }
    out.sort_by_key(|g| (g.tenant_kinds.first().map(|k| *k as u8), g.ordinal));
    out
}

/// A unit's page: the unit, what the caller may do with it, its successors,
/// and, where the caller configures receivers, the choices.
pub struct UnitPage {
    pub unit: baocao_storage::UnitWithTenant,
    /// The caller may edit the unit.
    pub manage: bool,
    /// The caller manages the unit's parent (and so may delete it).
    pub manage_parent: bool,
    pub successors: Vec<Unit>,
    pub receivers: Option<ReceiverChoices>,
}

/// Where a unit's reports may be sent, which unit receives them now, and the regimes.
pub struct ReceiverChoices {
    pub units: Vec<(UnitId, String)>,
    /// Who receives the unit's reports of every regime without its own
    /// receiver: the configured unit, else the parent.
    pub current: Option<(UnitId, String)>,
    /// The receivers configured for single regimes: (regime code, unit, its name).
    pub by_regime: Vec<(String, UnitId, String)>,
    pub regimes: Vec<baocao_plugins::Entry>,
}

pub async fn unit_page(app: &App, who: &Caller, id: UnitId) -> Result<UnitPage, Error> {
    let unit = crate::admin::unit(app, who, id).await?;
    let manage = may_manage_units_at(app, who, &unit.unit).await;
    let manage_parent = match unit.unit.parent_id {
        Some(p) => match unit_unscoped(app, p).await {
            Ok(parent) => may_manage_units_below(app, who, &parent).await,
            Err(_) => false,
        },
        None => false,
    };
    let successors = successors_unscoped(app, unit.unit.id).await?;
    let receivers = if may_configure_receivers_at(app, who, &unit.unit).await {
        let units = crate::admin::visible_units(app, who)
            .await?
            .into_iter()
            .filter(|c| c.unit.id != unit.unit.id && c.unit.tenant_id == unit.unit.tenant_id)
            .map(|c| (c.unit.id, c.unit.name.as_str().to_owned()))
            .collect();
        Some(receiver_choices(app, who, &unit.unit, units).await?)
    } else {
        None
    };
    Ok(UnitPage { unit, manage, manage_parent, successors, receivers })
}

/// The units below the caller's own, in tree order: whom it may assign reports to.
pub async fn units_below_own(app: &App, who: &Caller) -> Result<Vec<baocao_storage::UnitWithTenant>, Error> {
    let me = own_unit(app, who).await?;
    let mut units: Vec<_> = crate::admin::visible_units(app, who)
        .await?
        .into_iter()
        .filter(|u| u.unit.path.is_within(&me.path) && u.unit.id != me.id)
        .collect();
    baocao_domain::unit::sort_as_tree(&mut units, |u| &u.unit);
    Ok(units)
}

/// The units in force under which the caller may create a unit.
pub async fn possible_parents(app: &App, who: &Caller) -> Result<Vec<baocao_storage::UnitWithTenant>, Error> {
    in_force_where(app, who, async |u: &Unit| may_manage_units_below(app, who, u).await).await
}
