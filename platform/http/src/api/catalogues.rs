//! Shared catalogues: read by everyone, published by the platform operator.

use actix_web::{HttpResponse, web};
use baocao_app::catalogues::{self, Catalogue, CatalogueSummary, Publish};
use serde::Deserialize;

use crate::error::{ApiResult, ErrorBody};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/catalogues", web::get().to(list))
        .route("/catalogues/{name}", web::get().to(get))
        .route("/catalogues/{name}", web::post().to(publish))
        .route("/catalogues/{name}/versions", web::get().to(versions));
}

#[utoipa::path(get, path = "/api/v1/catalogues", tag = "regimes",
    responses((status = 200, description = "Every catalogue, maintained ones at their version in force", body = [CatalogueSummary]), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Vec<CatalogueSummary>>> {
    Ok(web::Json(catalogues::list(&state.app, &who).await?))
}

#[derive(Debug, Deserialize)]
pub struct VersionParam {
    pub version: Option<i32>,
}

#[utoipa::path(get, path = "/api/v1/catalogues/{name}", tag = "regimes",
    params(("name" = String, Path, description = "don_vi, dia_phuong, linh_vuc_tthc …"), ("version" = Option<i32>, Query, description = "An earlier version; the one in force when absent")),
    responses((status = 200, description = "The rows a form may pick", body = Catalogue), (status = 404, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>, who: Principal, name: web::Path<String>, query: Params<VersionParam>,
) -> ApiResult<web::Json<Catalogue>> {
    Ok(web::Json(catalogues::show(&state.app, &who, &name, query.version).await?))
}

#[utoipa::path(post, path = "/api/v1/catalogues/{name}", tag = "regimes", params(("name" = String, Path)), request_body = Publish,
    responses((status = 201, description = "The new version, now in force; earlier ones are kept", body = Catalogue), (status = 403, body = ErrorBody),
              (status = 409, description = "Another version was published since `base_version`, or the catalogue is derived", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    state: web::Data<AppState>, who: Principal, name: web::Path<String>, body: web::Json<Publish>,
) -> ApiResult<HttpResponse> {
    let published = catalogues::publish(&state.app, &who, &name, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(published))
}

#[utoipa::path(get, path = "/api/v1/catalogues/{name}/versions", tag = "regimes", params(("name" = String, Path)),
    responses((status = 200, description = "Every published version, newest first", body = [CatalogueSummary]), (status = 404, body = ErrorBody)))]
pub async fn versions(
    state: web::Data<AppState>, _who: Principal, name: web::Path<String>,
) -> ApiResult<web::Json<Vec<CatalogueSummary>>> {
    Ok(web::Json(catalogues::versions(&state.app, &name).await?))
}
