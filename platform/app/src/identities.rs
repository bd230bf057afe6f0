//! Identities of the national identity platform (VNConnect, OpenID Connect):
//! signing in through the provider, and the administrators' work with the
//! identities that wait — search, create a user from one, link, unlink.
//!
//! An identity lets its person in only when linked to an active user; the
//! first sign-in of an unknown identity records it as waiting and never makes
//! an account by itself.

use baocao_authz::perms::ManageUsers;
use baocao_domain::identity::{Identity, IdentityClaims, IdentitySearch};
use baocao_domain::ids::{IdentityId, TenantId, UnitId, UserId};
use baocao_domain::types::{Email, FullName, IdNumber, Phone, Username};
use baocao_domain::user::{User, UserProfile, UserStatus};
use baocao_identity::oidc::{Flow, OidcError, Provider};
use baocao_storage::{NewAccount, UserRecord};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::admin::{check_operator, manage_grant_for_user, scope, visible_unit};
use crate::error::SignInRefusal;
use crate::{App, Caller, Error};

/// How many waiting identities one search lists.
pub const SEARCH_LIMIT: u64 = 50;

pub(crate) fn provider(app: &App) -> Result<&Provider, Error> {
    app.oidc.as_deref().ok_or(Error::SignIn(SignInRefusal::NotConfigured))
}

/// The button's name ("VNConnect") when a provider is configured.
pub fn provider_label(app: &App) -> Option<&str> {
    app.oidc.as_deref().map(Provider::label)
}

/// Where to send the browser to sign in, and the flow its session keeps.
pub async fn begin_sign_in(app: &App) -> Result<(String, Flow), Error> {
    provider(app)?.begin(app.clock.now().timestamp()).await.map_err(refusal)
}

/// What the provider's redirect back carries.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set when the provider refused or the person cancelled.
    pub error: Option<String>,
}

/// Finishes a sign-in: `flow` is what the browser's session kept (None when
/// it has none: a replayed or foreign callback). Returns the user to open a
/// session for; an unlinked identity is recorded as waiting and refused.
pub async fn finish_sign_in(app: &App, flow: Option<Flow>, callback: &Callback) -> Result<User, Error> {
    let provider = provider(app)?;
    let flow = flow.ok_or(Error::SignIn(SignInRefusal::Flow))?;
    if let Some(error) = &callback.error {
        tracing::info!(%error, "the identity provider returned an error");
        return Err(Error::SignIn(SignInRefusal::Provider));
    }
    let (Some(code), Some(state)) = (&callback.code, &callback.state) else {
        return Err(Error::SignIn(SignInRefusal::Flow));
    };
    let now = app.clock.now();
    let claims = provider.finish(flow, code, state, now.timestamp()).await.map_err(refusal)?;
    let identity = app.store.identity_signed_in_unscoped(provider.issuer(), &claims, now).await?;
    let Some(user_id) = identity.user_id else {
        tracing::info!(identity = %identity.id, "an identity that is not linked tried to sign in");
        return Err(Error::SignIn(SignInRefusal::Waiting));
    };
    let user = app.store.user_unscoped(user_id).await?;
    if user.status != UserStatus::Active {
        return Err(Error::SignIn(SignInRefusal::Inactive));
    }
    app.store.record_successful_login(user.id).await?;
    app.store.record_identity_sign_in(&user, identity.id).await?;
    tracing::info!(user = %user.username, "signed in through the identity provider");
    Ok(user)
}

/// The provider's failures as people read them; the cause goes to the log only.
fn refusal(error: OidcError) -> Error {
    match error {
        OidcError::Unavailable(_) => Error::Unavailable(error.into()),
        OidcError::Config(_) => Error::internal(error),
        OidcError::Flow(_) => {
            tracing::warn!(%error, "identity provider callback refused");
            Error::SignIn(SignInRefusal::Flow)
        }
        OidcError::Refused(_) => {
            tracing::warn!(%error, "identity provider answer refused");
            Error::SignIn(SignInRefusal::Provider)
        }
    }
}

/// A waiting identity as an administrator sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingIdentity {
    #[schema(value_type = i64)]
    pub id: IdentityId,
    pub full_name: Option<String>,
    /// CCCD number; masked but for its last digits when found by name.
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// Whether the numbers and address are masked.
    pub masked: bool,
    pub first_seen_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
}

impl WaitingIdentity {
    fn of(identity: Identity, whole: bool) -> Self {
        let claims = if whole { identity.claims } else { identity.claims.masked() };
        WaitingIdentity {
            id: identity.id,
            full_name: claims.full_name,
            id_number: claims.id_number,
            phone: claims.phone,
            email: claims.email,
            masked: !whole,
            first_seen_at: identity.first_seen_at,
            last_seen_at: identity.last_seen_at,
        }
    }
}

/// Waiting identities for an administrator of users. A waiting identity
/// belongs to no unit yet, so every administrator may find it; only a
/// search by a whole CCCD, phone or address (what the person told them)
/// shows the numbers whole, and the platform's operator sees everything.
pub async fn search(app: &App, who: &Caller, query: &str) -> Result<Vec<WaitingIdentity>, Error> {
    let reach = scope::<ManageUsers>(app, who).await?;
    if reach.is_empty() {
        let denied = baocao_authz::Denied {
            actor: who.user.id,
            object: "identity".into(),
            action: "read",
            unit: who.user.unit_id,
        };
        return Err(Error::Forbidden(denied));
    }
    let operator = check_operator(app, who).await.is_ok();
    let search = match query.trim() {
        "" => IdentitySearch::All,
        typed => IdentitySearch::parse(typed).ok_or_else(|| {
            Error::invalid(
                "q",
                "query_too_short",
                "Hãy nhập ít nhất 3 chữ của họ tên, hoặc số CCCD, số điện thoại, địa chỉ thư điện tử.",
                "Type at least 3 letters of the name, or a CCCD number, a phone number or an e-mail address.",
            )
        })?,
    };
    let whole = operator || (search.shows_whole() && search != IdentitySearch::All);
    let found = app.store.waiting_identities(&search, SEARCH_LIMIT).await?;
    Ok(found.into_iter().map(|i| WaitingIdentity::of(i, whole)).collect())
}

/// Links a waiting identity to a user the caller manages.
pub async fn link(app: &App, who: &Caller, id: IdentityId, user: UserId) -> Result<WaitingIdentity, Error> {
    let grant = manage_grant_for_user(app, who, user).await?;
    let linked = app.store.link_identity(&grant, &who.actor(), id, user).await?;
    Ok(WaitingIdentity::of(linked, true))
}

/// Links a waiting identity to the user of that name (the page's form).
/// Another tenant's user answers as a missing one.
pub async fn link_by_username(
    app: &App, who: &Caller, id: IdentityId, username: &str,
) -> Result<WaitingIdentity, Error> {
    let name = Username::parse(username)?;
    let record = app.store.login_record(&name).await?.ok_or(Error::NotFound("user"))?;
    link(app, who, id, record.user.id).await
}

/// A user to create from a waiting identity: the name and addresses come from the provider.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UserFromIdentity {
    pub username: String,
    /// The managing unit.
    pub unit_id: i64,
}

/// Creates a user at a unit the caller manages from a waiting identity and
/// links the two. The account has no password: it signs in through the
/// provider until someone sets one.
pub async fn create_user(
    app: &App, who: &Caller, id: IdentityId, input: &UserFromIdentity,
) -> Result<UserRecord, Error> {
    let username = Username::parse(&input.username)?;
    let unit = visible_unit(app, who, UnitId(input.unit_id)).await?;
    let grant = app.authz.check::<ManageUsers>(who.user.id, &unit.path).await?;
    let identity = app.store.waiting_identity(id).await?;
    let profile = profile_of(&identity.claims, &username)?;
    let account = NewAccount { username, password_hash: baocao_identity::password::NO_PASSWORD.to_owned(), profile };
    let user = app.store.create_user_from_identity(&grant, &who.actor(), id, account).await?;
    crate::admin::user(app, who, user.id).await
}

/// The profile the provider's claims give; a value the profile's rules
/// refuse (a foreign phone format) is left out rather than refusing the
/// account, and a missing name falls back to the user name.
fn profile_of(claims: &IdentityClaims, username: &Username) -> Result<UserProfile, Error> {
    let name = claims.full_name.as_deref().unwrap_or(username.as_str());
    let full_name = FullName::parse(name).or_else(|_| FullName::parse(username.as_str()))?;
    Ok(UserProfile {
        full_name,
        email: claims.email.as_deref().and_then(|e| Email::parse(e).ok()),
        phone: claims.phone.as_deref().and_then(|p| Phone::parse(p).ok()),
        id_number: claims.id_number.as_deref().and_then(|n| IdNumber::parse(n).ok()),
    })
}

/// Unlinks a user's identity; it waits again.
pub async fn unlink(app: &App, who: &Caller, user: UserId) -> Result<(), Error> {
    let grant = manage_grant_for_user(app, who, user).await?;
    Ok(app.store.unlink_identity(&grant, &who.actor(), user).await?)
}

/// The identity linked to a user the caller may read (the user page shows it read-only).
pub async fn of_user(app: &App, who: &Caller, user: UserId) -> Result<Option<Identity>, Error> {
    let (_, grant) = crate::admin::readable_user(app, who, user).await?;
    Ok(app.store.identity_of(&grant, user).await?)
}

/// Refuses a password sign-in for a tenant that requires the provider (while one is configured).
pub(crate) async fn check_password_allowed(app: &App, tenant: TenantId) -> Result<(), Error> {
    if app.oidc.is_some() && app.store.tenant_requires_identity(tenant).await? {
        return Err(Error::SignIn(SignInRefusal::IdentityRequired));
    }
    Ok(())
}
