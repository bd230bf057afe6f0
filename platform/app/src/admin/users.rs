//! User accounts: listing, creating, editing, locking, password resets; and one's own account.

use baocao_authz::perms::{ManageUsers, ReadUsers};
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::text::{Invalid, Text};
use baocao_domain::types::Password;
use baocao_domain::user::{User, UserStatus};
use baocao_storage::{MembershipView, NewAccount, Page, UserQuery, UserRecord};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;
use crate::signin::hash_password;

use super::*;

pub async fn users(app: &App, who: &Caller, query: &UserQuery) -> Result<Page<UserRecord>, Error> {
    let scope = scope::<ReadUsers>(app, who).await?;
    Ok(app.store.users_in_scope(&scope, query).await?)
}

pub async fn user(app: &App, who: &Caller, id: UserId) -> Result<UserRecord, Error> {
    let (_, grant) = readable_user(app, who, id).await?;
    Ok(app.store.user_in(&grant, id).await?)
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

pub async fn create_user(app: &App, who: &Caller, input: NewUserInput) -> Result<UserRecord, Error> {
    let mut checks = Checks::default();
    let account = account(&mut checks, &input.account);
    checks.finish()?;
    let Some((username, password, profile)) = account else {
        return Err(Error::Internal(anyhow::anyhow!("validated fields missing")));
    };
    let unit = app.store.unit_unscoped(UnitId(input.unit_id)).await.map_err(|e| match e {
        baocao_storage::StoreError::NotFound(_) => Error::Invalid(vec![Invalid::new(
            "unit_id",
            "unknown_unit",
            Text::fixed("Đơn vị không tồn tại.", "The unit does not exist."),
        )]),
        other => other.into(),
    })?;
    let grant = app.authz.check::<ManageUsers>(who.user.id, &unit.path).await?;
    let mut groups = Vec::new();
    for raw in &input.groups {
        groups.push(resolve_group(app, who, raw, &unit).await?);
    }
    let account = NewAccount { username, password_hash: hash_password(password).await?, profile };
    let user = app.store.create_user_with_groups(&grant, &who.actor(), account, &groups).await?;
    if !groups.is_empty() {
        memberships_changed(app, user.id).await?;
    }
    self::user(app, who, user.id).await
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

pub async fn update_user(app: &App, who: &Caller, id: UserId, edit: UserEdit) -> Result<UserRecord, Error> {
    let mut checks = Checks::default();
    let profile =
        profile(&mut checks, &edit.full_name, edit.email.as_deref(), edit.phone.as_deref(), edit.id_number.as_deref());
    checks.finish()?;
    let Some(profile) = profile else { return Err(Error::Internal(anyhow::anyhow!("validated fields missing"))) };
    let grant = manage_grant_for_user(app, who, id).await?;
    provider_fields_kept(app, id, &profile).await?;
    let move_grant = match edit.unit_id {
        Some(unit) if unit != grant.target().0 => {
            let unit = visible_unit(app, who, UnitId(unit)).await?;
            Some(app.authz.check::<ManageUsers>(who.user.id, &unit.path).await?)
        }
        _ => None,
    };
    app.store.update_user(&grant, &who.actor(), id, profile, move_grant.as_ref()).await?;
    user(app, who, id).await
}

/// The fields a linked identity's provider gave (name, addresses, CCCD) are
/// the provider's to change: an edit may keep them, not change them.
async fn provider_fields_kept(app: &App, id: UserId, profile: &baocao_domain::user::UserProfile) -> Result<(), Error> {
    let Some(current) = app.store.identity_of_user_unscoped(id).await? else { return Ok(()) };
    let user = app.store.user_unscoped(id).await?;
    let changed = |given: Option<&str>, from_provider: &Option<String>, stored: Option<&str>| {
        from_provider.is_some() && given != stored
    };
    let claims = &current.claims;
    let name_changed = claims.full_name.is_some() && profile.full_name.as_str() != user.full_name.as_str();
    if name_changed
        || changed(profile.email.as_ref().map(|e| e.as_str()), &claims.email, user.email.as_ref().map(|e| e.as_str()))
        || changed(profile.phone.as_ref().map(|p| p.as_str()), &claims.phone, user.phone.as_ref().map(|p| p.as_str()))
        || changed(
            profile.id_number.as_ref().map(|n| n.as_str()),
            &claims.id_number,
            user.id_number.as_ref().map(|n| n.as_str()),
        )
    {
        return Err(Error::Refused(Invalid::new(
            "full_name",
            "identity_field_read_only",
            Text::fixed(
                "Họ tên, thư điện tử, điện thoại và số CCCD do VNConnect cung cấp nên không sửa được ở đây; hãy gỡ liên kết trước nếu cần sửa.",
                "The name, e-mail, phone and CCCD number come from VNConnect and cannot be edited here; unlink the account first to change them.",
            ),
        )));
    }
    Ok(())
}

pub async fn set_user_status(app: &App, who: &Caller, id: UserId, status: UserStatus) -> Result<(), Error> {
    let grant = manage_grant_for_user(app, who, id).await?;
    app.store.set_user_status(&grant, &who.actor(), id, status).await?;
    if status == UserStatus::Disabled {
        // Memberships stay for a later reactivation; the sign-in check refuses disabled accounts.
        tracing::info!(user = %id, "account deactivated");
    }
    Ok(())
}

pub async fn reset_password(app: &App, who: &Caller, id: UserId, new_password: &str) -> Result<(), Error> {
    let password = Password::parse(new_password)?;
    let grant = manage_grant_for_user(app, who, id).await?;
    let hash = hash_password(password).await?;
    Ok(app.store.reset_password(&grant, &who.actor(), id, hash).await?)
}

/// Issues a one-time reset token for a user the caller manages; returns the token
/// (shown once to the administrator, who hands it over; mail delivery comes later).
pub async fn issue_reset_token(app: &App, who: &Caller, id: UserId) -> Result<String, Error> {
    manage_grant_for_user(app, who, id).await?;
    let token = baocao_identity::token::random_token();
    let expires = app.clock.now() + chrono::Duration::minutes(app.settings.auth.reset_token_minutes);
    app.store.create_reset_token(id, baocao_identity::token::digest(&token), expires, Some(who.user.id)).await?;
    Ok(token)
}

/// The caller's own account with its memberships: the account as its
/// session found it, the memberships the authoriser holds, and the units'
/// names (all kept in memory, so "who am I" costs no query when it is busy).
pub async fn user_self(app: &App, user: &User) -> Result<UserRecord, Error> {
    let memberships = app.authz.memberships(user.id).await;
    let mut units: Vec<UnitId> = memberships.iter().map(|m| m.unit).collect();
    units.push(user.unit_id);
    let names = app.store.unit_names_unscoped(&units).await?;
    let name = |unit: UnitId| names.get(&unit).cloned().unwrap_or_default();
    let groups = memberships
        .into_iter()
        .map(|m| MembershipView { unit_name: name(m.unit), group: m.group, unit_id: m.unit })
        .collect();
    Ok(UserRecord { user: user.clone(), unit_name: name(user.unit_id), groups })
}

pub async fn change_own_password(app: &App, who: &Caller, current: &str, new: &str) -> Result<(), Error> {
    let password = Password::parse(new)?;
    let username = who.user.username.clone();
    let record = app.store.login_record(&username).await?.ok_or(Error::Unauthenticated)?;
    let stored = record.password_hash;
    let candidate = current.to_owned();
    let ok = tokio::task::spawn_blocking(move || baocao_identity::password::verify(&candidate, &stored)).await?;
    if !ok {
        return Err(Invalid::new(
            "current_password",
            "wrong_current_password",
            Text::fixed("Mật khẩu hiện tại không đúng.", "The current password is wrong."),
        )
        .into());
    }
    let hash = hash_password(password).await?;
    Ok(app.store.change_own_password(who.user.id, hash).await?)
}
