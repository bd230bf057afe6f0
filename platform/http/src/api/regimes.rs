//! Regimes, their forms, and plugin uploads.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::Error;
use baocao_app::views::Form;
use baocao_app::views::RegimeEntry as Entry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::regimes;

#[derive(Debug, Serialize, ToSchema)]
pub struct RegimeDto {
    /// Registry id of an uploaded plugin; absent for built-in regimes.
    pub id: Option<i64>,
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    pub name_en: String,
    pub version: u32,
    /// `national` or `tenant`.
    pub scope: String,
    pub builtin: bool,
    pub enabled: bool,
    pub effective_from: String,
    pub legal_basis: String,
    pub periods: Vec<String>,
    pub forms: usize,
    pub sha256: String,
}

impl From<&Entry> for RegimeDto {
    fn from(e: &Entry) -> Self {
        let m = &e.plugin.manifest;
        RegimeDto {
            id: e.id,
            code: m.code.clone(),
            name: m.name.vi.clone(),
            name_en: m.name.en.clone(),
            version: m.version,
            scope: match e.scope {
                baocao_app::views::RegimeScope::National => "national".to_owned(),
                baocao_app::views::RegimeScope::Tenant(_) => "tenant".to_owned(),
            },
            builtin: e.builtin(),
            enabled: e.enabled,
            effective_from: m.effective_from.clone(),
            legal_basis: m.legal_basis.clone(),
            periods: m.periods.iter().map(regimes::wire_name).collect(),
            forms: m.forms.len(),
            sha256: e.plugin.sha256.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Every visible version, not only the current one of each regime.
    pub all: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/regimes", tag = "regimes", params(("all" = Option<bool>, Query)),
    responses((status = 200, description = "The regimes the caller's tenant uses", body = [RegimeDto]), (status = 401, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>, who: Principal, query: web::Query<ListQuery>,
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

#[utoipa::path(get, path = "/api/v1/catalogues/{name}", tag = "regimes",
    params(("name" = String, Path, description = "don_vi, dia_phuong or linh_vuc_tthc")),
    responses((status = 200, description = "The rows a form may pick", body = [baocao_app::catalogues::CatalogueItem]), (status = 404, body = ErrorBody)))]
pub async fn catalogue(
    state: web::Data<AppState>, who: Principal, name: web::Path<String>,
) -> ApiResult<web::Json<Vec<baocao_app::catalogues::CatalogueItem>>> {
    Ok(web::Json(baocao_app::catalogues::items(&state.app, &who, &name).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FormSummaryDto {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub columns: usize,
    pub rows: usize,
    pub outside_system: bool,
}

#[utoipa::path(get, path = "/api/v1/regimes/{code}/forms", tag = "regimes", params(("code" = String, Path)),
    responses((status = 200, body = [FormSummaryDto]), (status = 404, body = ErrorBody)))]
pub async fn forms(
    state: web::Data<AppState>, who: Principal, code: web::Path<String>,
) -> ApiResult<web::Json<Vec<FormSummaryDto>>> {
    let entry = regimes::find(&state.app, &who, &code).await?;
    Ok(web::Json(
        entry
            .plugin
            .manifest
            .forms
            .iter()
            .map(|f| FormSummaryDto {
                code: f.code.clone(),
                title: f.title.vi.clone(),
                title_en: f.title.en.clone(),
                columns: f.columns.len(),
                rows: f.rows.len(),
                outside_system: f.outside_system,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnDto {
    pub code: String,
    pub number: u32,
    /// The header path joined: "Số đơn vị … / Tổng số".
    pub title: String,
    /// The header path, outermost first.
    pub header: Vec<String>,
    /// integer, decimal, percent, text, date.
    #[serde(rename = "type")]
    pub cell_type: String,
    /// The formula in the handbook's notation, e.g. "(4) + (5) + (6)"; null for entered columns.
    pub formula: Option<String>,
    pub fill_groups: Vec<String>,
    /// How a receiver combines this column of its senders' reports: sum, count,
    /// mean, copy_per_unit or none; null for the default (numbers add up, text per unit).
    pub aggregate: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowDto {
    pub code: String,
    pub label: String,
    pub title: String,
    pub level: u8,
    /// fixed, catalogue or free_text.
    pub mode: String,
    pub total: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FormDto {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub unit_of_measure: Option<String>,
    pub columns: Vec<ColumnDto>,
    pub rows: Vec<RowDto>,
    /// How rows may be added beyond the fixed ones.
    pub row_modes: Vec<String>,
    pub catalogue: Option<String>,
    pub outside_system: bool,
    /// Relations checked on save, e.g. "(11) = (12) + (13) + (14)".
    pub rules: Vec<String>,
    pub provenance: Option<String>,
    pub regime: String,
    pub regime_version: u32,
}

fn form_dto(entry: &Entry, f: &Form) -> FormDto {
    let number = |code: &str| {
        f.columns.iter().find(|c| c.code == code).map(|c| format!("({})", c.number)).unwrap_or_else(|| code.to_owned())
    };
    FormDto {
        code: f.code.clone(),
        title: f.title.vi.clone(),
        title_en: f.title.en.clone(),
        unit_of_measure: f.unit_of_measure.clone(),
        columns: f
            .columns
            .iter()
            .map(|c| ColumnDto {
                code: c.code.clone(),
                number: c.number,
                title: c.header.join(" / "),
                header: c.header.clone(),
                cell_type: regimes::wire_name(&c.cell_type),
                formula: c.formula.as_ref().map(|formula| formula.notation(number)),
                fill_groups: c.fill_groups.clone(),
                aggregate: c.aggregate.as_ref().map(regimes::wire_name),
            })
            .collect(),
        rows: f
            .rows
            .iter()
            .map(|r| RowDto {
                code: r.code.clone(),
                label: r.label.clone(),
                title: r.title.clone(),
                level: r.level,
                mode: regimes::wire_name(&r.mode),
                total: r.total,
            })
            .collect(),
        row_modes: f.row_modes.iter().map(regimes::wire_name).collect(),
        catalogue: f.catalogue.clone(),
        outside_system: f.outside_system,
        rules: f.rules.iter().map(|r| r.text.clone()).collect(),
        provenance: f.provenance.clone(),
        regime: entry.plugin.manifest.code.clone(),
        regime_version: entry.plugin.manifest.version,
    }
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
    Ok(web::Json(form_dto(&entry, form)))
}
