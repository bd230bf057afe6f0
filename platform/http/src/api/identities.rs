//! Identities of the national identity platform that wait for an
//! administrator, linking and unlinking them, and the tenant's settings
//! (the sign-in rule, reminder days).

use actix_web::{HttpResponse, web};
use baocao_app::identities::{self, UserFromIdentity, WaitingIdentity};
use baocao_app::tenants::{self, SettingsChange};
use baocao_app::wire::UserDto;
use baocao_domain::ids::{IdentityId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/identities", web::get().to(search))
        .route("/identities/{id}/link", web::post().to(link))
        .route("/identities/{id}/user", web::post().to(create_user))
        .route("/users/{id}/identity", web::get().to(of_user))
        .route("/users/{id}/identity", web::delete().to(unlink))
        .route("/tenant/settings", web::get().to(settings))
        .route("/tenant/settings", web::patch().to(change_settings));
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/identities", tag = "users",
    params(("q" = Option<String>, Query, description = "Part of a name (numbers then shown masked), or a whole CCCD number, phone number or e-mail address")),
    responses((status = 200, description = "Waiting identities, most recently seen first", body = [WaitingIdentity]),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn search(
    state: web::Data<AppState>, who: Principal, query: Params<SearchQuery>,
) -> ApiResult<web::Json<Vec<WaitingIdentity>>> {
    let q = query.into_inner().q.unwrap_or_default();
    Ok(web::Json(identities::search(&state.app, &who, &q).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LinkInput {
    pub user_id: i64,
}

#[utoipa::path(post, path = "/api/v1/identities/{id}/link", tag = "users", params(("id" = i64, Path)), request_body = LinkInput,
    responses((status = 200, description = "Linked; the user is mailed", body = WaitingIdentity), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn link(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<LinkInput>,
) -> ApiResult<web::Json<WaitingIdentity>> {
    let linked = identities::link(&state.app, &who, IdentityId(*id), UserId(body.user_id)).await?;
    Ok(web::Json(linked))
}

#[utoipa::path(post, path = "/api/v1/identities/{id}/user", tag = "users", params(("id" = i64, Path)), request_body = UserFromIdentity,
    responses((status = 201, description = "A user made from the identity's name and addresses, linked to it", body = UserDto),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_user(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<UserFromIdentity>,
) -> ApiResult<HttpResponse> {
    let record = identities::create_user(&state.app, &who, IdentityId(*id), &body).await?;
    Ok(HttpResponse::Created().json(UserDto::from(&record)))
}

/// A user's linked identity, as the provider last described it.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkedIdentity {
    pub issuer: String,
    pub subject: String,
    pub full_name: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub last_seen_at: String,
}

#[utoipa::path(get, path = "/api/v1/users/{id}/identity", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = LinkedIdentity), (status = 404, description = "No identity is linked", body = ErrorBody)))]
pub async fn of_user(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>,
) -> ApiResult<web::Json<LinkedIdentity>> {
    let found = identities::of_user(&state.app, &who, UserId(*id)).await?;
    let i = found.ok_or(baocao_app::Error::NotFound("identity"))?;
    Ok(web::Json(LinkedIdentity {
        issuer: i.issuer,
        subject: i.claims.subject,
        full_name: i.claims.full_name,
        id_number: i.claims.id_number,
        phone: i.claims.phone,
        email: i.claims.email,
        last_seen_at: i.last_seen_at.to_rfc3339(),
    }))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/identity", tag = "users", params(("id" = i64, Path)),
    responses((status = 204, description = "Unlinked; the identity waits again"), (status = 404, body = ErrorBody)))]
pub async fn unlink(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    identities::unlink(&state.app, &who, UserId(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's tenant's settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct TenantSettingsDto {
    /// The tenant's users sign in through the identity provider only.
    pub require_identity: bool,
    /// Days before a deadline that reminders go out; null: the platform's setting.
    pub reminder_days: Option<u32>,
    /// The platform's setting, used when the tenant sets none.
    pub platform_reminder_days: u32,
    /// Whether the caller may change them.
    pub may_change: bool,
}

async fn settings_dto(state: &AppState, who: &Principal) -> ApiResult<web::Json<TenantSettingsDto>> {
    let (settings, may_change) = tenants::settings(&state.app, who).await?;
    Ok(web::Json(TenantSettingsDto {
        require_identity: settings.require_identity,
        reminder_days: settings.reminder_days,
        platform_reminder_days: state.settings().jobs.reminder_days,
        may_change,
    }))
}

#[utoipa::path(get, path = "/api/v1/tenant/settings", tag = "users",
    responses((status = 200, description = "The caller's tenant's settings", body = TenantSettingsDto)))]
pub async fn settings(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<TenantSettingsDto>> {
    settings_dto(&state, &who).await
}

#[utoipa::path(patch, path = "/api/v1/tenant/settings", tag = "users", request_body = SettingsChange,
    responses((status = 200, body = TenantSettingsDto), (status = 403, body = ErrorBody),
              (status = 404, description = "Requiring the identity with no provider configured", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_settings(
    state: web::Data<AppState>, who: Principal, body: web::Json<SettingsChange>,
) -> ApiResult<web::Json<TenantSettingsDto>> {
    tenants::change(&state.app, &who, &body).await?;
    settings_dto(&state, &who).await
}
