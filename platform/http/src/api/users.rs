//! User accounts and group memberships.

use actix_web::{HttpResponse, web};
use baocao_app::views::UserQuery;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::user::UserStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::admin::{self, MembershipInput, NewUserInput, UserEdit};
use baocao_app::wire::UserDto;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub unit: Option<i64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
    pub include_disabled: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    params(("q" = Option<String>, Query, description = "Search in username, name, e-mail, phone, ID number"),
           ("unit" = Option<i64>, Query), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query), ("include_disabled" = Option<bool>, Query)),
    responses((status = 200, description = "Users the caller may see; the total is in X-Total-Count", body = [UserDto]), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, who: Principal, query: Params<ListQuery>) -> ApiResult<HttpResponse> {
    let q = query.into_inner();
    let paging = baocao_domain::types::Paging::parse(q.page, q.per_page, 50).map_err(WebError::BadQuery)?;
    let page = admin::users(
        &state.app,
        &who,
        &UserQuery {
            text: q.q,
            unit: q.unit.map(UnitId),
            include_disabled: q.include_disabled.unwrap_or(false),
            page: paging.page,
            per_page: paging.per_page,
        },
    )
    .await?;
    let items: Vec<UserDto> = page.items.iter().map(UserDto::from).collect();
    Ok(HttpResponse::Ok().insert_header(("X-Total-Count", page.total.to_string())).json(items))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserInput,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>, who: Principal, body: web::Json<NewUserInput>,
) -> ApiResult<HttpResponse> {
    let record = admin::create_user(&state.app, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(UserDto::from(&record)))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<web::Json<UserDto>> {
    let record = admin::user(&state.app, &who, UserId(id.into_inner())).await?;
    Ok(web::Json(UserDto::from(&record)))
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)), request_body = UserEdit,
    responses((status = 200, body = UserDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<UserEdit>,
) -> ApiResult<web::Json<UserDto>> {
    let record = admin::update_user(&state.app, &who, UserId(id.into_inner()), body.into_inner()).await?;
    Ok(web::Json(UserDto::from(&record)))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    responses((status = 204, description = "Deactivated; the account and its history are kept"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deactivate(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    admin::set_user_status(&state.app, &who, UserId(id.into_inner()), UserStatus::Disabled).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPassword {
    pub password: String,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "users", params(("id" = i64, Path)), request_body = NewPassword,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reset_password(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<NewPassword>,
) -> ApiResult<HttpResponse> {
    admin::reset_password(&state.app, &who, UserId(id.into_inner()), &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResetToken {
    /// Give this to the user once; only its digest is stored.
    pub token: String,
    pub expires_in_minutes: i64,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/reset-token", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = ResetToken), (status = 403, body = ErrorBody)))]
pub async fn reset_token(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>,
) -> ApiResult<web::Json<ResetToken>> {
    let token = admin::issue_reset_token(&state.app, &who, UserId(id.into_inner())).await?;
    Ok(web::Json(ResetToken { token, expires_in_minutes: state.settings().auth.reset_token_minutes }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipChanged {
    /// False when nothing changed (already held, or not held).
    pub changed: bool,
    pub user: UserDto,
}

#[utoipa::path(post, path = "/api/v1/users/{id}/groups", tag = "users", params(("id" = i64, Path)), request_body = MembershipInput,
    responses((status = 200, body = MembershipChanged), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<MembershipInput>,
) -> ApiResult<web::Json<MembershipChanged>> {
    let id = UserId(id.into_inner());
    let changed = admin::grant(&state.app, &who, id, body.into_inner()).await?;
    let record = admin::user(&state.app, &who, id).await?;
    Ok(web::Json(MembershipChanged { changed, user: UserDto::from(&record) }))
}

#[utoipa::path(delete, path = "/api/v1/users/{id}/groups/{group}/{unit_id}", tag = "users",
    params(("id" = i64, Path), ("group" = String, Path), ("unit_id" = i64, Path)),
    responses((status = 200, body = MembershipChanged), (status = 403, body = ErrorBody)))]
pub async fn revoke(
    state: web::Data<AppState>, who: Principal, path: web::Path<(i64, String, i64)>,
) -> ApiResult<web::Json<MembershipChanged>> {
    let (id, group, unit_id) = path.into_inner();
    let id = UserId(id);
    let changed = admin::revoke(&state.app, &who, id, MembershipInput { group, unit_id }).await?;
    let record = admin::user(&state.app, &who, id).await?;
    Ok(web::Json(MembershipChanged { changed, user: UserDto::from(&record) }))
}
