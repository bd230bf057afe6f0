//! Reports: assignment, the entry list and search, content, transitions,
//! history, attachments, receiving units, and notifications (with a live
//! stream of the unread count).

use baocao_app::Error;
use std::time::Duration;

use futures::StreamExt;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::views::{NotificationQuery, ReportQuery};
use baocao_app::wire::{
    self, AggregationDto, AssignedDto, AttachmentDto, CellChangeDto, CellSourceDto, ComputedDto, HistoryDto, ImportDto,
    NotificationPage, ReadAllDto, ReportDto, ReportPage, SectionDto, UnitRef,
};
use baocao_domain::ids::UnitId;
use baocao_domain::types::Paging;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::filters::{NotificationFilter, ReportFilter};
use baocao_app::reports::{self, AssignInput, DataInput, SectionInput, TransitionInput, Writing};
use baocao_app::views::Section;

#[derive(Debug, Deserialize)]
pub struct AggregateParams {
    pub dry_run: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/aggregate", tag = "reports", params(("id" = i64, Path), ("dry_run" = Option<bool>, Query, description = "only list the included and missing units")),
    responses((status = 200, body = AggregationDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, description = "Nothing accepted yet, not a numeric form, or the result breaks a rule", body = ErrorBody)))]
pub async fn aggregate(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, params: Params<AggregateParams>,
) -> ApiResult<web::Json<AggregationDto>> {
    let done = reports::aggregate(&state.app, &who, id.into_inner(), params.dry_run.unwrap_or(false)).await?;
    Ok(web::Json(wire::aggregation(&state.app, &who, &done).await?))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/cells/{row}/{col}/sources", tag = "reports", params(("id" = i64, Path), ("row" = String, Path), ("col" = String, Path)),
    responses((status = 200, description = "The units behind an aggregated cell", body = [CellSourceDto]), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cell_sources(
    state: web::Data<AppState>, who: Principal, path: web::Path<(i64, String, String)>,
) -> ApiResult<web::Json<Vec<CellSourceDto>>> {
    let (id, row, col) = path.into_inner();
    let sources = reports::cell_sources(&state.app, &who, id, &row, &col).await?;
    Ok(web::Json(
        sources
            .into_iter()
            .map(|s| CellSourceDto {
                unit: UnitRef { id: s.unit.0, name: s.unit_name },
                report_id: s.report_id,
                version: s.version,
                current_version: s.current_version,
                value: s.value,
                current_value: s.current_value,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/assignments", tag = "reports", request_body = AssignInput,
    responses((status = 200, description = "The created (or already existing) reports", body = [AssignedDto]),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    state: web::Data<AppState>, who: Principal, body: web::Json<AssignInput>,
) -> ApiResult<web::Json<Vec<AssignedDto>>> {
    let out = reports::assign(&state.app, &who, body.into_inner()).await?;
    Ok(web::Json(wire::assigned(&state.app, &out).await?))
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    params(("unit" = Option<i64>, Query, description = "a unit; its whole subtree"), ("regime" = Option<String>, Query), ("form" = Option<String>, Query),
           ("period" = Option<String>, Query, description = "2026, 2026-Q1, 2026-H1, 2026-M03, 2026-9M"), ("status" = Option<String>, Query),
           ("kind" = Option<String>, Query, description = "numeric or narrative"), ("q" = Option<String>, Query, description = "part of the form code"),
           ("received" = Option<bool>, Query, description = "only reports sent to the caller's units"), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = ReportPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>, who: Principal, params: Params<ReportFilter>,
) -> ApiResult<web::Json<ReportPage>> {
    let query = query_of(&state, &who, &params).await?;
    let page = reports::list(&state.app, &who, &query).await?;
    Ok(web::Json(wire::page(&state.app, &page).await?))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<web::Json<ReportDto>> {
    let read = reports::get_with_state(&state.app, &who, id.into_inner()).await?;
    Ok(web::Json(wire::with_state(&state.app, &who, read).await?))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}/data", tag = "reports", params(("id" = i64, Path)), request_body = DataInput,
    responses((status = 200, description = "The recomputed report and its new version", body = ReportDto), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Stale version (see `current`) or not editable now", body = ErrorBody),
              (status = 422, description = "Validation errors, one per cell in `cells`", body = ErrorBody)))]
pub async fn put_data(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<DataInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let saved = reports::save_data(&state.app, &who, id.into_inner(), body.into_inner(), Writing::Entry).await?;
    Ok(web::Json(wire::full(&state.app, &who, &saved).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/compute", tag = "reports", params(("id" = i64, Path)), request_body = DataInput,
    responses((status = 200, description = "Recomputed (\"Chuẩn hóa dữ liệu\") and validated; nothing is stored", body = ComputedDto),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compute(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<DataInput>,
) -> ApiResult<web::Json<ComputedDto>> {
    computed(&state, &who, id.into_inner(), body.into_inner(), Writing::Entry).await
}

async fn computed(
    state: &AppState, who: &Principal, id: i64, input: DataInput, writing: Writing,
) -> ApiResult<web::Json<ComputedDto>> {
    let recomputed = reports::recompute(&state.app, who, id, input, writing).await?;
    Ok(web::Json(ComputedDto::from(recomputed)))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}/appraisal", tag = "reports", params(("id" = i64, Path)), request_body = DataInput,
    description = "Appraisal (\"thẩm định\"): a checker of the receiving unit fills the columns the regime reserves to its groups \
                   (such as the appraisal score) on a sent report, before accepting it. Other columns and rows are refused.",
    responses((status = 200, description = "The recomputed report and its new version; the status does not change", body = ReportDto),
              (status = 403, description = "Not a checker of the receiving unit, or no column of the form is for the caller's groups", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Stale version, or the report is not sent", body = ErrorBody),
              (status = 422, description = "Validation errors, one per cell in `cells`", body = ErrorBody)))]
pub async fn put_appraisal(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<DataInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let saved = reports::save_data(&state.app, &who, id.into_inner(), body.into_inner(), Writing::Appraisal).await?;
    Ok(web::Json(wire::full(&state.app, &who, &saved).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/appraisal/compute", tag = "reports", params(("id" = i64, Path)), request_body = DataInput,
    responses((status = 200, description = "An appraisal recomputed and validated; nothing is stored", body = ComputedDto),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn compute_appraisal(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<DataInput>,
) -> ApiResult<web::Json<ComputedDto>> {
    computed(&state, &who, id.into_inner(), body.into_inner(), Writing::Appraisal).await
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/xlsx", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, description = "The report as an .xlsx workbook (indicator codes in column B, data from column E)"), (status = 404, body = ErrorBody),
              (status = 422, description = "Not a numeric form", body = ErrorBody)))]
pub async fn xlsx(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    let file = reports::download_workbook(&state.app, &who, id.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, file.content_type))
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.file_name)))
        .body(file.bytes))
}

#[derive(Debug, Deserialize)]
pub struct ImportParams {
    /// The indicator-code column (default B).
    pub code_col: Option<String>,
    /// The first data column (default E).
    pub data_col: Option<String>,
    /// First and last data rows, 1-based (default: found automatically).
    pub from_row: Option<u32>,
    pub to_row: Option<u32>,
    /// Only show what would change (default true).
    pub dry_run: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/xlsx", tag = "reports",
    params(("id" = i64, Path), ("code_col" = Option<String>, Query), ("data_col" = Option<String>, Query), ("from_row" = Option<u32>, Query), ("to_row" = Option<u32>, Query), ("dry_run" = Option<bool>, Query)),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The filled workbook (.xlsx or .xls)"),
    responses((status = 200, description = "What changes (and, unless a dry run, the saved report)", body = ImportDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, description = "Refusals, each naming the sheet, row and column, in `cells`", body = ErrorBody)))]
pub async fn import_xlsx(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, params: Params<ImportParams>, body: web::Bytes,
) -> ApiResult<web::Json<ImportDto>> {
    let import =
        reports::import_params(params.code_col.as_deref(), params.data_col.as_deref(), params.from_row, params.to_row)?;
    if body.len() > baocao_app::reports::MAX_IMPORT_BYTES {
        return Err(Error::PayloadTooLarge.into());
    }
    let dry_run = params.dry_run.unwrap_or(true);
    let (report, changes) = reports::import_xlsx(&state.app, &who, id.into_inner(), &body, &import, dry_run).await?;
    Ok(web::Json(ImportDto {
        dry_run,
        changed: changes
            .into_iter()
            .map(|c| CellChangeDto { row: c.row, col: c.col, before: c.before, after: c.after })
            .collect(),
        report: wire::full(&state.app, &who, &report).await?,
    }))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/sections", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = [SectionDto]), (status = 404, body = ErrorBody)))]
pub async fn sections(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<SectionDto>>> {
    let sections = reports::outline_sections(&state.app, &who, id.into_inner()).await?;
    let dto = |(sec, html): (Section, String)| SectionDto {
        code: sec.code,
        label: sec.label,
        title: sec.title,
        guidance: sec.guidance,
        level: sec.level,
        html,
    };
    Ok(web::Json(sections.into_iter().map(dto).collect()))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}/sections/{section}", tag = "reports", params(("id" = i64, Path), ("section" = String, Path)),
    request_body = SectionInput, responses((status = 200, body = ReportDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_section(
    state: web::Data<AppState>, who: Principal, path: web::Path<(i64, String)>, body: web::Json<SectionInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let (id, section) = path.into_inner();
    let saved = reports::save_section(&state.app, &who, id, &section, body.into_inner()).await?;
    Ok(web::Json(wire::full(&state.app, &who, &saved).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/transitions", tag = "reports", params(("id" = i64, Path)), request_body = TransitionInput,
    responses((status = 200, description = "The report in its new status", body = ReportDto), (status = 403, description = "The caller may not take this step", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Not possible in the current status", body = ErrorBody),
              (status = 422, description = "A comment is required, or a bad forward_to", body = ErrorBody)))]
pub async fn transition(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<TransitionInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let saved = reports::transition(&state.app, &who, id.into_inner(), body.into_inner()).await?;
    Ok(web::Json(wire::full(&state.app, &who, &saved).await?))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/history", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = [HistoryDto]), (status = 404, body = ErrorBody)))]
pub async fn history(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<HistoryDto>>> {
    let rows = reports::history(&state.app, &who, id.into_inner()).await?;
    Ok(web::Json(rows.iter().map(HistoryDto::from).collect()))
}

// ----------------------------------------------------------- attachments ---

#[derive(Debug, Deserialize)]
pub struct UploadParams {
    /// The file's name, e.g. `bao-cao.pdf`; its extension decides the type.
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/attachments", tag = "reports", params(("id" = i64, Path), ("name" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_attachment(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, params: Params<UploadParams>, body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let saved = reports::add_attachment(&state.app, &who, id.into_inner(), &params.name, &body).await?;
    Ok(HttpResponse::Created().json(AttachmentDto::from(&saved)))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/attachments", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = [AttachmentDto]), (status = 404, body = ErrorBody)))]
pub async fn attachments(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<AttachmentDto>>> {
    Ok(web::Json(
        reports::attachments(&state.app, &who, id.into_inner()).await?.iter().map(AttachmentDto::from).collect(),
    ))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}/attachments/{attachment}", tag = "reports", params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)))]
pub async fn download_attachment(
    state: web::Data<AppState>, who: Principal, path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, attachment) = path.into_inner();
    let (meta, bytes) = reports::read_attachment(&state.app, &who, id, attachment).await?;
    Ok(file_response(&meta, bytes))
}

#[utoipa::path(delete, path = "/api/v1/reports/{id}/attachments/{attachment}", tag = "reports", params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_attachment(
    state: web::Data<AppState>, who: Principal, path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, attachment) = path.into_inner();
    reports::delete_attachment(&state.app, &who, id, attachment).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ------------------------------------------------------------- receivers ---

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiverInput {
    /// A regime code, or "*" for every regime.
    pub regime: String,
    pub receiver: i64,
}

#[utoipa::path(put, path = "/api/v1/units/{id}/receiver", tag = "reports", params(("id" = i64, Path)), request_body = ReceiverInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn set_receiver(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<ReceiverInput>,
) -> ApiResult<HttpResponse> {
    reports::set_receiver(&state.app, &who, UnitId(id.into_inner()), &body.regime, UnitId(body.receiver)).await?;
    Ok(HttpResponse::NoContent().finish())
}

// --------------------------------------------------------- notifications ---

/// The report list's filters, checked, on the page asked for.
pub async fn query_of(state: &AppState, who: &Principal, p: &ReportFilter) -> Result<ReportQuery, WebError> {
    let paging = Paging::parse(p.page, p.per_page, 25).map_err(WebError::BadQuery)?;
    Ok(p.query(&state.app, who, paging).await?)
}

/// The notification list's filters, checked, on the page asked for.
pub fn notification_query(p: &NotificationFilter) -> Result<NotificationQuery, WebError> {
    let paging = Paging::parse(p.page, None, 25).map_err(WebError::BadQuery)?;
    Ok(p.query(paging)?)
}

#[utoipa::path(get, path = "/api/v1/notifications", tag = "reports",
    params(("state" = Option<String>, Query, description = "unread, read or all"), ("sender" = Option<i64>, Query), ("sender_unit" = Option<i64>, Query),
           ("from" = Option<String>, Query), ("to" = Option<String>, Query), ("page" = Option<u64>, Query)),
    responses((status = 200, description = "25 a page, newest first", body = NotificationPage), (status = 422, body = ErrorBody)))]
pub async fn notifications(
    state: web::Data<AppState>, who: Principal, params: Params<NotificationFilter>,
) -> ApiResult<web::Json<NotificationPage>> {
    let query = notification_query(&params)?;
    let inbox = baocao_app::notifications::inbox(&state.app, &who, &query).await?;
    Ok(web::Json(wire::inbox(&inbox)))
}

#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "reports", responses((status = 200, body = ReadAllDto)))]
pub async fn read_all(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<ReadAllDto>> {
    let marked = baocao_app::notifications::read_all(&state.app, &who).await?;
    Ok(web::Json(ReadAllDto { marked }))
}

#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "reports", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn read_one(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<HttpResponse> {
    baocao_app::notifications::read_one(&state.app, &who, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Server-sent events: `unread` with the count now and after every change
/// that concerns the caller, on whichever instance it happened.
#[utoipa::path(get, path = "/api/v1/notifications/stream", tag = "reports",
    responses((status = 200, description = "text/event-stream of `event: unread` with `data: <count>`")))]
pub async fn stream(state: web::Data<AppState>, who: Principal, _req: HttpRequest) -> ApiResult<HttpResponse> {
    let user = who.user.id;
    let first = baocao_app::notifications::unread(&state.app, user).await?;
    // A comment line every 20 s keeps proxies from closing an idle stream.
    let counts = baocao_app::notifications::unread_counts(state.app.clone(), user, first, Duration::from_secs(20));
    // The stream ends when the instance stops; the browser's EventSource reconnects elsewhere.
    let body = counts.take_until(state.stopping()).map(|count| {
        Ok::<_, actix_web::Error>(match count {
            Some(n) => web::Bytes::from(format!("event: unread\ndata: {n}\n\n")),
            None => web::Bytes::from_static(b": keep-alive\n\n"),
        })
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        // Compression would hold events back until a buffer fills.
        .insert_header(header::ContentEncoding::Identity)
        .streaming(body))
}

/// A download: the stored type, and a file name browsers will not run.
pub fn file_response(meta: &baocao_app::views::Attachment, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, meta.content_type.clone()))
        .insert_header((header::CONTENT_DISPOSITION, baocao_domain::format::attachment_disposition(&meta.file_name)))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes)
}
