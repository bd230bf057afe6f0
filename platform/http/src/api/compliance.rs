//! Compliance figures over the caller's subtree.

use actix_web::web;
use baocao_domain::ids::UnitId;
use serde::Deserialize;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::compliance::{self, Filter};
use baocao_app::wire::ComplianceDto;

#[derive(Debug, Deserialize)]
pub struct ComplianceParams {
    pub regime: Option<String>,
    pub form: Option<String>,
    /// `2026`, `2026-Q1` …
    pub period: Option<String>,
    pub unit: Option<i64>,
}

/// The filters of the API and the pages, checked.
pub fn filter_of(p: &ComplianceParams) -> Result<Filter, WebError> {
    use baocao_app::filters::{blank, period};
    Ok(Filter { regime: blank(&p.regime), form: blank(&p.form), period: period(&p.period)?, unit: p.unit.map(UnitId) })
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "reports",
    params(("regime" = Option<String>, Query), ("form" = Option<String>, Query), ("period" = Option<String>, Query), ("unit" = Option<i64>, Query, description = "a unit of the caller's subtree (default: the caller's)")),
    responses((status = 200, body = ComplianceDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>, who: Principal, params: Params<ComplianceParams>,
) -> ApiResult<web::Json<ComplianceDto>> {
    let figures = compliance::figures(&state.app, &who, filter_of(&params)?).await?;
    Ok(web::Json(ComplianceDto::from(&figures)))
}
