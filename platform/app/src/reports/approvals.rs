//! Whether a unit's reports pass its leader's approval: the handbook's nine
//! ministry groups have no approver at a department (cục, vụ) or at the
//! central vertical agency, yet those units enter Regime II's forms. Where a
//! level has no approving group, submitting hands the report straight to the
//! clerk who sends it, and the history says so. A tenant may set the rule per
//! regime and level (data, not code); without a rule the groups decide.

use baocao_authz::perms::ConfigureReceivers;
use baocao_domain::report::{Approval, Role};
use baocao_domain::unit::{TenantKind, level_label};
use baocao_storage::Tenant;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;
use baocao_domain::content::ReportRow;

/// One level of a tenant's chain for a regime.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevelApproval {
    pub level: String,
    /// The level in words ("Cục, Vụ").
    pub level_name: String,
    /// What the groups give: approval where some group may approve there.
    pub default: Approval,
    /// The tenant's own rule, if it set one.
    pub rule: Option<Approval>,
    /// What applies: the rule, else the default.
    pub approval: Approval,
}

/// A rule to set; `approval` absent (null) returns the level to its default.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct SetApproval {
    pub level: String,
    pub approval: Option<Approval>,
}

async fn by_groups(app: &App, kind: TenantKind, level: &str) -> Approval {
    if app.authz.role_offered_at(Role::Approve, kind, level).await { Approval::Required } else { Approval::Skipped }
}

/// How a report's submission goes: by its tenant's rule for the regime and
/// the unit's level, else by the groups of that level.
pub(crate) async fn approval_of(app: &App, report: &ReportRow) -> Result<Approval, Error> {
    let unit = app.store.unit_unscoped(report.unit_id).await?;
    let tenant = app.store.tenant_unscoped(unit.tenant_id).await?;
    let level = unit.level.as_str();
    let rules = app.store.approval_rules_unscoped(tenant.id, Some(&report.regime)).await?;
    match rules.into_iter().find(|r| r.level == level) {
        Some(rule) => Ok(rule.approval),
        None => Ok(by_groups(app, tenant.kind, level).await),
    }
}

/// The levels of the caller's tenant that report under `regime`, as they
/// approve now, in the order of the platform's levels.
pub async fn approval_levels(app: &App, who: &Caller, regime: &str) -> Result<Vec<LevelApproval>, Error> {
    let tenant = app.store.tenant_unscoped(who.user.tenant_id).await?;
    let entry = app.regimes.registry().find(tenant.id.0, regime).ok_or(Error::NotFound("regime"))?;
    let reporting = &entry.plugin.manifest.reporting_levels;
    let units = crate::admin::visible_units(app, who).await?;
    let present = |level: &str| units.iter().any(|u| u.unit.tenant_id == tenant.id && u.unit.level.as_str() == level);
    let rules = app.store.approval_rules_unscoped(tenant.id, Some(regime)).await?;
    let mut out = Vec::new();
    for (level, _, _) in baocao_domain::unit::LEVELS {
        if !present(level) || !(reporting.is_empty() || reporting.iter().any(|l| l == level)) {
            continue;
        }
        out.push(
            level_approval(app, &tenant, level, rules.iter().find(|r| r.level == *level).map(|r| r.approval)).await,
        );
    }
    Ok(out)
}

async fn level_approval(app: &App, tenant: &Tenant, level: &str, rule: Option<Approval>) -> LevelApproval {
    let default = by_groups(app, tenant.kind, level).await;
    let level_name = level_label(level).vi.into_owned();
    LevelApproval { level: level.to_owned(), level_name, default, rule, approval: rule.unwrap_or(default) }
}

/// Sets (or clears) the caller's tenant's rule for one level of a regime:
/// for whoever configures the chain (receivers) at the tenant's root.
pub async fn set_approval(
    app: &App, who: &Caller, regime: &str, input: SetApproval,
) -> Result<Vec<LevelApproval>, Error> {
    let root = app.store.tenant_root_unscoped(who.user.tenant_id).await?;
    let grant = app.authz.check::<ConfigureReceivers>(who.user.id, &root.path).await?;
    let levels = approval_levels(app, who, regime).await?;
    if !levels.iter().any(|l| l.level == input.level) {
        return Err(Error::invalid(
            "level",
            "level_not_in_chain",
            format!("Cấp này không có đơn vị nào báo cáo theo chế độ {regime} trong đơn vị chủ quản của bạn."),
            format!("No unit of this level reports under {regime} in your tenant."),
        ));
    }
    let key = (regime, input.level.as_str());
    app.store.set_approval_rule(&grant, &who.actor(), who.user.tenant_id, key, input.approval).await?;
    approval_levels(app, who, regime).await
}
