//! Each role's own work: the queues and the steps taken on many reports at once.

use actix_web::web;
use baocao_app::reports::BulkTransitionInput;
use baocao_app::wire::{self, BulkResultDto, QueueDto, QueuePageDto};
use baocao_domain::queue::Queue;
use baocao_domain::types::Paging;
use serde::Deserialize;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;

/// Each role's work, the steps on many reports at once, and the scoring
/// regimes' rankings. "bulk-transitions" is not an id: only GET takes
/// "/reports/{id}" (a method guard on its resource), so the POST reaches `bulk`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports/bulk-transitions", web::post().to(bulk))
        .route("/queues", web::get().to(list))
        .route("/queues/{name}", web::get().to(reports))
        .route("/regimes/{code}/ranking", web::get().to(super::regimes::ranking))
        .route("/regimes/{code}/ranking.xlsx", web::get().to(super::regimes::ranking_xlsx));
}

#[utoipa::path(get, path = "/api/v1/queues", tag = "reports",
    responses((status = 200, description = "Every queue of work, with what waits for the caller", body = [QueueDto]), (status = 401, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<Vec<QueueDto>>> {
    let queues = baocao_app::queues::summary(&state.app, &who).await?;
    Ok(web::Json(queues.iter().map(QueueDto::from).collect()))
}

#[derive(Debug, Deserialize)]
pub struct QueueParams {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[utoipa::path(get, path = "/api/v1/queues/{name}", tag = "reports",
    params(("name" = String, Path, description = "entry, approval, sending, incoming, aggregation, corrections"), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, description = "The nearest deadline first", body = QueuePageDto), (status = 404, body = ErrorBody)))]
pub async fn reports(
    state: web::Data<AppState>, who: Principal, name: web::Path<String>, params: Params<QueueParams>,
) -> ApiResult<web::Json<QueuePageDto>> {
    let queue = Queue::parse(&name).ok_or(baocao_app::Error::NotFound("queue"))?;
    let paging = Paging::parse(params.page, params.per_page, 25).map_err(WebError::BadQuery)?;
    let page = baocao_app::queues::reports(&state.app, &who, queue, paging.page, paging.per_page).await?;
    Ok(web::Json(wire::queue_page(&state.app, queue, &page).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/bulk-transitions", tag = "reports", request_body = BulkTransitionInput,
    responses((status = 200, description = "One result per report, in the order given; each step checked and recorded on its own", body = [BulkResultDto]),
              (status = 422, description = "No report, or too many", body = ErrorBody)))]
pub async fn bulk(
    state: web::Data<AppState>, who: Principal, body: web::Json<BulkTransitionInput>,
) -> ApiResult<web::Json<Vec<BulkResultDto>>> {
    let results = baocao_app::reports::bulk_transition(&state.app, &who, body.into_inner()).await?;
    Ok(web::Json(wire::bulk_results(&results)))
}
