//! Compliance figures over the caller's subtree.

use actix_web::web;
use baocao_domain::ids::UnitId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::compliance::{self, Filter, Summary};

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

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitSummary {
    pub unit: super::reports::UnitRef,
    pub summary: Summary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportLine {
    pub report_id: i64,
    pub unit: super::reports::UnitRef,
    pub regime: String,
    pub form: String,
    pub status: String,
    /// yyyy-MM-dd.
    pub deadline: String,
    pub sent_at: Option<String>,
    /// Absent while not sent.
    pub on_time: Option<bool>,
    pub rejected: bool,
    pub corrected: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceDto {
    pub unit: super::reports::UnitRef,
    pub summary: Summary,
    /// One line per unit directly below (drill down with `unit=`).
    pub children: Vec<UnitSummary>,
    pub reports: Vec<ReportLine>,
}

#[utoipa::path(get, path = "/api/v1/compliance", tag = "reports",
    params(("regime" = Option<String>, Query), ("form" = Option<String>, Query), ("period" = Option<String>, Query), ("unit" = Option<i64>, Query, description = "a unit of the caller's subtree (default: the caller's)")),
    responses((status = 200, body = ComplianceDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    state: web::Data<AppState>, who: Principal, params: web::Query<ComplianceParams>,
) -> ApiResult<web::Json<ComplianceDto>> {
    let c = compliance::figures(&state.app, &who, filter_of(&params)?).await?;
    let name = |id: UnitId| super::reports::UnitRef { id: id.0, name: c.names.get(&id).cloned().unwrap_or_default() };
    Ok(web::Json(ComplianceDto {
        unit: name(c.unit),
        summary: c.total,
        children: c.children.iter().map(|(id, _, s)| UnitSummary { unit: name(*id), summary: *s }).collect(),
        reports: c
            .rows
            .iter()
            .map(|r| ReportLine {
                report_id: r.report_id,
                unit: name(r.unit_id),
                regime: r.regime.clone(),
                form: r.form.clone(),
                status: r.status.as_str().to_owned(),
                deadline: r.closes_on.to_string(),
                sent_at: r.sent_at.map(|t| t.to_rfc3339()),
                on_time: compliance::on_time(r),
                rejected: r.rejected,
                corrected: r.corrected,
            })
            .collect(),
    }))
}
