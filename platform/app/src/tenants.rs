//! What a tenant's administrator sets for the whole tenant: whether its
//! users must sign in through the identity provider, and how many days
//! before a deadline its officials are reminded.

use baocao_authz::perms::ManageUsers;
use baocao_storage::TenantSettings;
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::{App, Caller, Error};

/// The most days ahead a reminder may be set to.
pub const MAX_REMINDER_DAYS: u32 = 30;

/// The caller's tenant's settings, and whether the caller may change them
/// (an administrator of users at the tenant's root).
pub async fn settings(app: &App, who: &Caller) -> Result<(TenantSettings, bool), Error> {
    let root = crate::admin::own_tenant_root(app, who).await?;
    let may = app.authz.check::<ManageUsers>(who.user.id, &root.path).await.is_ok();
    Ok((app.store.tenant_settings(who.user.tenant_id).await?, may))
}

/// A change of some settings; what is left out stays.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SettingsChange {
    #[serde(default)]
    pub require_identity: Option<bool>,
    /// 1 to 30, or null for the platform's setting.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    pub reminder_days: Option<Option<u32>>,
}

/// A field given as null is "set to nothing", not "left out".
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

/// Changes the caller's tenant's settings. Requiring the provider needs one
/// configured, so that nobody is locked out by it.
pub async fn change(app: &App, who: &Caller, change: &SettingsChange) -> Result<TenantSettings, Error> {
    if let Some(Some(days)) = change.reminder_days
        && !(1..=MAX_REMINDER_DAYS).contains(&days)
    {
        return Err(Error::invalid(
            "reminder_days",
            "reminder_days_out_of_range",
            format!("Số ngày nhắc trước hạn phải từ 1 đến {MAX_REMINDER_DAYS}."),
            format!("Reminder days must be between 1 and {MAX_REMINDER_DAYS}."),
        ));
    }
    if change.require_identity == Some(true) {
        crate::identities::provider(app)?;
    }
    let root = crate::admin::own_tenant_root(app, who).await?;
    let grant = app.authz.check::<ManageUsers>(who.user.id, &root.path).await?;
    let current = app.store.tenant_settings(who.user.tenant_id).await?;
    let next = TenantSettings {
        require_identity: change.require_identity.unwrap_or(current.require_identity),
        reminder_days: change.reminder_days.unwrap_or(current.reminder_days),
    };
    app.store.set_tenant_settings(&grant, &who.actor(), who.user.tenant_id, next).await?;
    Ok(next)
}
