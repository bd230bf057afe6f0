//! Units, groups and the audit log.

use actix_web::{HttpResponse, web};
use baocao_domain::ids::UnitId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::admin::{self, NewUnitInput, ReorganisationInput, UnitEdit};
use baocao_app::wire::{AuditDto, GroupDto, UnitDto};

#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    responses((status = 200, description = "The caller's visible units, parents before children", body = [UnitDto]), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Vec<UnitDto>>> {
    let units = admin::visible_units(&state.app, &who).await?;
    Ok(web::Json(units.iter().map(UnitDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)),
    responses((status = 200, body = UnitDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<web::Json<UnitDto>> {
    let unit = admin::unit(&state.app, &who, UnitId(id.into_inner())).await?;
    Ok(web::Json(UnitDto::from(&unit)))
}

#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = NewUnitInput,
    responses((status = 201, body = UnitDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>, who: Principal, body: web::Json<NewUnitInput>,
) -> ApiResult<HttpResponse> {
    let unit = admin::create_unit(&state.app, &who, body.into_inner()).await?;
    let view = admin::unit(&state.app, &who, unit.id).await?;
    Ok(HttpResponse::Created().json(UnitDto::from(&view)))
}

#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = UnitEdit,
    responses((status = 200, body = UnitDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<UnitEdit>,
) -> ApiResult<web::Json<UnitDto>> {
    let unit = admin::update_unit(&state.app, &who, UnitId(id.into_inner()), body.into_inner()).await?;
    let view = admin::unit(&state.app, &who, unit.id).await?;
    Ok(web::Json(UnitDto::from(&view)))
}

#[utoipa::path(delete, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "The unit still has children, users or history", body = ErrorBody)))]
pub async fn delete(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    admin::delete_unit(&state.app, &who, UnitId(id.into_inner())).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReorganisationDone {
    pub id: i64,
}

#[utoipa::path(post, path = "/api/v1/units/reorganisations", tag = "units", request_body = ReorganisationInput,
    responses((status = 201, body = ReorganisationDone), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reorganise(
    state: web::Data<AppState>, who: Principal, body: web::Json<ReorganisationInput>,
) -> ApiResult<HttpResponse> {
    let id = admin::reorganise(&state.app, &who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(ReorganisationDone { id }))
}

#[utoipa::path(get, path = "/api/v1/groups", tag = "units",
    responses((status = 200, description = "The predefined permission groups", body = [GroupDto]), (status = 401, body = ErrorBody)))]
pub async fn groups(state: web::Data<AppState>, _who: Principal) -> ApiResult<web::Json<Vec<GroupDto>>> {
    Ok(web::Json(baocao_app::admin::groups(&state.app).iter().map(GroupDto::from).collect()))
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    pub page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "units", params(("page" = Option<u64>, Query)),
    responses((status = 200, body = [AuditDto]), (status = 401, body = ErrorBody)))]
pub async fn audit(state: web::Data<AppState>, who: Principal, query: Params<PageQuery>) -> ApiResult<HttpResponse> {
    let paging = baocao_domain::types::Paging::parse(query.page, None, 50).map_err(WebError::BadQuery)?;
    let page = admin::audit(&state.app, &who, paging.page).await?;
    let items: Vec<AuditDto> = page
        .items
        .into_iter()
        .map(|e| AuditDto {
            id: e.id,
            at: e.at.to_rfc3339(),
            actor: e.actor,
            action: e.action,
            entity: e.entity,
            entity_id: e.entity_id,
            before: e.before,
            after: e.after,
        })
        .collect();
    Ok(HttpResponse::Ok().insert_header(("X-Total-Count", page.total.to_string())).json(items))
}
