//! Regimes, their forms, and plugin uploads.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::Error;
use baocao_app::reports::{LevelApproval, SetApproval};
use baocao_app::wire::{FormDto, FormSummaryDto, RankingDto, RegimeDto};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::regimes;

/// The regimes, their uploads, forms and the approval of each level.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/regimes", web::get().to(list))
        .service(
            // Plugin modules are larger than ordinary request bodies.
            web::resource("/regimes")
                .app_data(web::PayloadConfig::new(regimes::max_module_bytes()))
                .route(web::post().to(upload)),
        )
        .route("/regimes/{id}/enabled", web::post().to(set_enabled))
        .route("/regimes/{code}/approvals", web::get().to(approvals))
        .route("/regimes/{code}/approvals", web::put().to(set_approval))
        .route("/regimes/{code}/forms", web::get().to(forms))
        .route("/regimes/{code}/forms/{form_code:.*}", web::get().to(form));
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Every visible version, not only the current one of each regime.
    pub all: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/regimes", tag = "regimes", params(("all" = Option<bool>, Query)),
    responses((status = 200, description = "The regimes the caller's tenant uses", body = [RegimeDto]), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>, who: Principal, query: Params<ListQuery>,
) -> ApiResult<web::Json<Vec<RegimeDto>>> {
    Ok(web::Json(
        regimes::list(&state.app, &who, query.all.unwrap_or(false)).await?.iter().map(RegimeDto::from).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/regimes", tag = "regimes",
    request_body(content = Vec<u8>, content_type = "application/wasm", description = "The plugin module"),
    responses((status = 201, body = RegimeDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, description = "Not a valid plugin; the reason is in the message", body = ErrorBody)))]
pub async fn upload(
    state: web::Data<AppState>, who: Principal, req: HttpRequest, body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let content_type = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !content_type.starts_with("application/wasm") {
        return Err(WebError::UnsupportedMediaType("application/wasm").into());
    }
    let entry = regimes::upload(&state.app, &who, body.to_vec()).await?;
    Ok(HttpResponse::Created().json(RegimeDto::from(&entry)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EnabledInput {
    pub enabled: bool,
}

#[utoipa::path(post, path = "/api/v1/regimes/{id}/enabled", tag = "regimes", params(("id" = i64, Path)), request_body = EnabledInput,
    responses((status = 200, body = RegimeDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_enabled(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<EnabledInput>,
) -> ApiResult<web::Json<RegimeDto>> {
    let entry = regimes::set_enabled(&state.app, &who, id.into_inner(), body.enabled).await?;
    Ok(web::Json(RegimeDto::from(&entry)))
}

#[utoipa::path(get, path = "/api/v1/regimes/{code}/forms", tag = "regimes", params(("code" = String, Path)),
    responses((status = 200, body = [FormSummaryDto]), (status = 404, body = ErrorBody)))]
pub async fn forms(
    state: web::Data<AppState>, who: Principal, code: web::Path<String>,
) -> ApiResult<web::Json<Vec<FormSummaryDto>>> {
    let entry = regimes::find(&state.app, &who, &code).await?;
    Ok(web::Json(entry.plugin.manifest.forms.iter().map(FormSummaryDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/regimes/{code}/forms/{form_code}", tag = "regimes",
    params(("code" = String, Path), ("form_code" = String, Path, description = "May contain '/', e.g. IV.02a/VPCP/KSTT")),
    responses((status = 200, body = FormDto), (status = 404, body = ErrorBody)))]
pub async fn form(
    state: web::Data<AppState>, who: Principal, path: web::Path<(String, String)>,
) -> ApiResult<web::Json<FormDto>> {
    let (code, form_code) = path.into_inner();
    let entry = regimes::find(&state.app, &who, &code).await?;
    let form = entry.plugin.manifest.forms.iter().find(|f| f.code == form_code).ok_or(Error::NotFound("form"))?;
    Ok(web::Json(FormDto::of(&entry, form)))
}

#[derive(Debug, Deserialize)]
pub struct RankingParams {
    pub form: Option<String>,
    /// `2026`, `2026-Q1` …
    pub period: Option<String>,
}

/// The ranking's form and period, both required.
fn ranking_of(params: &RankingParams) -> Result<(String, baocao_domain::report::Period), WebError> {
    let form = baocao_app::filters::blank(&params.form)
        .ok_or_else(|| baocao_app::Error::invalid("form", "required", "Hãy chọn biểu mẫu.", "Pick a form."))?;
    let period = baocao_app::filters::period(&params.period)?.ok_or_else(|| {
        baocao_app::Error::invalid(
            "period",
            "required",
            "Hãy nhập kỳ báo cáo (vd. 2026).",
            "Give a period (e.g. 2026).",
        )
    })?;
    Ok((form, period))
}

#[utoipa::path(get, path = "/api/v1/regimes/{code}/ranking", tag = "regimes",
    params(("code" = String, Path), ("form" = String, Query), ("period" = String, Query, description = "2026, 2026-Q1 …")),
    responses((status = 200, description = "The units that sent the form for the period, best first; ties share a rank", body = [RankingDto]),
              (status = 404, body = ErrorBody), (status = 422, description = "Not a scoring form, or a missing form or period", body = ErrorBody)))]
pub async fn ranking(
    state: web::Data<AppState>, who: Principal, code: web::Path<String>, params: Params<RankingParams>,
) -> ApiResult<web::Json<Vec<RankingDto>>> {
    let (form, period) = ranking_of(&params)?;
    let lines = baocao_app::ranking::ranking(&state.app, &who, &code, &form, period).await?;
    Ok(web::Json(lines.iter().map(RankingDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/regimes/{code}/ranking.xlsx", tag = "regimes",
    params(("code" = String, Path), ("form" = String, Query), ("period" = String, Query)),
    responses((status = 200, description = "The ranking as an .xlsx workbook"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ranking_xlsx(
    state: web::Data<AppState>, who: Principal, code: web::Path<String>, params: Params<RankingParams>,
) -> ApiResult<HttpResponse> {
    let (form, period) = ranking_of(&params)?;
    let (name, bytes) = baocao_app::ranking::ranking_workbook(&state.app, &who, &code, &form, period).await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, baocao_app::reports::XLSX_CONTENT_TYPE))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            baocao_domain::format::attachment_disposition(&name),
        ))
        .body(bytes))
}

#[utoipa::path(get, path = "/api/v1/regimes/{code}/approvals", tag = "regimes", params(("code" = String, Path)),
    responses((status = 200, description = "Each level of the caller's tenant reporting under the regime: whether its reports pass the leader's approval", body = [LevelApproval]),
              (status = 404, body = ErrorBody)))]
pub async fn approvals(
    state: web::Data<AppState>, who: Principal, code: web::Path<String>,
) -> ApiResult<web::Json<Vec<LevelApproval>>> {
    Ok(web::Json(baocao_app::reports::approval_levels(&state.app, &who, &code).await?))
}

#[utoipa::path(put, path = "/api/v1/regimes/{code}/approvals", tag = "regimes", params(("code" = String, Path)), request_body = SetApproval,
    responses((status = 200, description = "The levels after the change; `approval: null` returns a level to what its groups give", body = [LevelApproval]),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_approval(
    state: web::Data<AppState>, who: Principal, code: web::Path<String>, body: web::Json<SetApproval>,
) -> ApiResult<web::Json<Vec<LevelApproval>>> {
    Ok(web::Json(baocao_app::reports::set_approval(&state.app, &who, &code, body.into_inner()).await?))
}
