//! A unit's signing policy: whether sending requires the organisation's
//! signature and approval the leader's. Unset, a unit follows the platform's
//! defaults (`signing.require_organisation`, `signing.require_personal`).

use baocao_authz::perms::ManageUnits;
use baocao_domain::ids::UnitId;
use baocao_storage::SigningPolicy;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, Caller, Error};

/// A unit's policy: what it says (null: the platform's default) and what applies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    pub require_organisation: Option<bool>,
    pub require_personal: Option<bool>,
    /// What applies to the unit's reports now.
    pub effective_organisation: bool,
    pub effective_personal: bool,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PolicyInput {
    /// null or absent: follow the platform's default.
    #[serde(default)]
    pub require_organisation: Option<bool>,
    #[serde(default)]
    pub require_personal: Option<bool>,
}

/// The policy of a unit the caller may see.
pub async fn policy(app: &App, who: &Caller, unit: UnitId) -> Result<PolicyView, Error> {
    crate::admin::visible_unit(app, who, unit).await?;
    Ok(view(app, app.store.signing_policy_unscoped(unit).await?))
}

/// Sets the policy of a unit the caller manages (403 otherwise, 404 for a unit it cannot see).
pub async fn set_policy(app: &App, who: &Caller, unit: UnitId, input: PolicyInput) -> Result<PolicyView, Error> {
    let target = crate::admin::visible_unit(app, who, unit).await?;
    let grant = app.authz.check::<ManageUnits>(who.user.id, &target.path).await?;
    let policy =
        SigningPolicy { require_organisation: input.require_organisation, require_personal: input.require_personal };
    app.store.set_signing_policy(&grant, policy).await?;
    Ok(view(app, policy))
}

fn view(app: &App, p: SigningPolicy) -> PolicyView {
    let s = app.signing();
    PolicyView {
        require_organisation: p.require_organisation,
        require_personal: p.require_personal,
        effective_organisation: p.require_organisation.unwrap_or(s.require_organisation),
        effective_personal: p.require_personal.unwrap_or(s.require_personal),
    }
}
