//! The platform operators' view of the background work: the outbox and the jobs.

use actix_web::web;
use baocao_app::wire::{JobRunDto, OutboxPageDto};
use baocao_domain::types::Paging;
use serde::Deserialize;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/outbox", web::get().to(outbox)).route("/jobs", web::get().to(jobs));
}

#[derive(Debug, Deserialize)]
pub struct OutboxParams {
    pub state: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/outbox", tag = "operations",
    params(("state" = Option<String>, Query, description = "pending, sending, sent or failed"), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, description = "The mails, newest first, with the last delivery error", body = OutboxPageDto),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn outbox(
    state: web::Data<AppState>, who: Principal, params: Params<OutboxParams>,
) -> ApiResult<web::Json<OutboxPageDto>> {
    let paging = Paging::parse(params.page, params.per_page, 50).map_err(WebError::BadQuery)?;
    let page =
        baocao_app::outbox::list(&state.app, &who, params.state.as_deref(), paging.page, paging.per_page).await?;
    Ok(web::Json(OutboxPageDto::from(&page)))
}

#[utoipa::path(get, path = "/api/v1/jobs", tag = "operations",
    responses((status = 200, description = "Each background job's runs and last run", body = [JobRunDto]), (status = 403, body = ErrorBody)))]
pub async fn jobs(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Vec<JobRunDto>>> {
    let runs = baocao_app::operations::job_runs(&state.app, &who).await?;
    Ok(web::Json(runs.iter().map(JobRunDto::from).collect()))
}
