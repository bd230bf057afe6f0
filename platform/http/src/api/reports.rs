//! Reports: assignment, the entry list and search, content, transitions,
//! history, attachments, receiving units, and notifications (with a live
//! stream of the unread count).

use baocao_app::Error;
use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::views::{
    AddedRow, Attachment, HistoryEntry, NotificationQuery, NotificationRow, ReportQuery, ReportRow,
};
use baocao_domain::format;
use baocao_domain::ids::UnitId;
use baocao_domain::report::Period;
use baocao_domain::text::{Invalid, Locale, Text};
use baocao_domain::types::Paging;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody, WebError};
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::filters::{NotificationFilter, ReportFilter};
use baocao_app::reports::{self, AssignInput, DataInput, SectionInput, TransitionInput, Writing};
use baocao_app::views::Section;

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodDto {
    /// month, quarter, half_year, nine_months or year.
    #[serde(rename = "type")]
    pub kind: String,
    pub year: i32,
    pub number: u32,
    /// The key used in filters: `2026`, `2026-Q1`, `2026-H2` …
    pub key: String,
    pub label: String,
}

impl From<&Period> for PeriodDto {
    fn from(p: &Period) -> Self {
        PeriodDto {
            kind: p.kind.as_str().to_owned(),
            year: p.year,
            number: p.number,
            key: p.key(),
            label: p.label().vi.into_owned(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CellDto {
    pub row: String,
    pub col: String,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddedRowDto {
    pub code: String,
    pub title: String,
    pub catalogue: Option<String>,
}

impl From<&AddedRow> for AddedRowDto {
    fn from(r: &AddedRow) -> Self {
        AddedRowDto { code: r.code.clone(), title: r.title.clone(), catalogue: r.catalogue.clone() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    pub id: i64,
    pub regime: String,
    pub regime_version: u32,
    /// The form (or outline) code of the regime's manifest.
    pub form: String,
    /// numeric or narrative.
    pub kind: String,
    pub unit: UnitRef,
    pub receiver: UnitRef,
    pub period: PeriodDto,
    /// yyyy-MM-dd: the data window and the entry dates.
    pub data_from: String,
    pub data_to: String,
    pub opens_on: String,
    pub closes_on: String,
    pub reopened: bool,
    /// new, draft, submitted, unit_approved, sent, accepted, rejected, correction_requested.
    pub status: String,
    pub status_label: String,
    /// Send it back with the next write; a stale version is refused with 409.
    pub version: i32,
    pub content_sha256: String,
    pub last_comment: Option<String>,
    pub sent_at: Option<String>,
    /// The cells, by row and column codes of the form (absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cells: Option<Vec<CellDto>>,
    pub rows_added: Vec<AddedRowDto>,
    /// What the caller may do now (absent in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
    /// For an aggregated report: how many reports it was computed from, and
    /// whether one changed or was accepted since (then aggregate again).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<AggregateInfo>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AggregateInfo {
    pub sources: usize,
    pub outdated: bool,
}

fn dto(r: &ReportRow, names: &HashMap<UnitId, String>, with_cells: bool, actions: Option<Vec<String>>) -> ReportDto {
    let name = |id: UnitId| names.get(&id).cloned().unwrap_or_default();
    ReportDto {
        id: r.id,
        regime: r.regime.clone(),
        regime_version: r.regime_version,
        form: r.form.clone(),
        kind: r.kind.as_str().to_owned(),
        unit: UnitRef { id: r.unit_id.0, name: name(r.unit_id) },
        receiver: UnitRef { id: r.receiver_id.0, name: name(r.receiver_id) },
        period: PeriodDto::from(&r.period),
        data_from: r.data_from.to_string(),
        data_to: r.data_to.to_string(),
        opens_on: r.opens_on.to_string(),
        closes_on: r.closes_on.to_string(),
        reopened: r.reopened,
        status: r.status.as_str().to_owned(),
        status_label: r.status.label().vi.into_owned(),
        version: r.version,
        content_sha256: r.content_sha256.clone(),
        last_comment: r.last_comment.clone(),
        sent_at: r.sent_at.map(|t| t.to_rfc3339()),
        cells: with_cells.then(|| {
            r.cells.iter().map(|c| CellDto { row: c.row.clone(), col: c.col.clone(), value: c.value.clone() }).collect()
        }),
        rows_added: r.rows_added.iter().map(AddedRowDto::from).collect(),
        actions,
        aggregate: None,
    }
}

pub(crate) async fn full(state: &AppState, who: &Principal, r: &ReportRow) -> ApiResult<ReportDto> {
    let names = baocao_app::admin::unit_names_unscoped(&state.app, &[r.unit_id, r.receiver_id]).await?;
    let mut actions: Vec<String> =
        reports::allowed_actions(&state.app, who, r).await.into_iter().map(|s| s.action.as_str().to_owned()).collect();
    if reports::may_edit(&state.app, who, r).await {
        actions.insert(0, "edit".to_owned());
    }
    let mut out = dto(r, &names, true, Some(actions));
    out.aggregate = reports::aggregate_state(&state.app, who, r)
        .await?
        .map(|a| AggregateInfo { sources: a.sources, outdated: a.outdated });
    Ok(out)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceReportDto {
    pub unit: UnitRef,
    pub report_id: i64,
    pub version: i32,
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AggregationDto {
    /// The receiving unit's report, recomputed (unchanged on a dry run).
    pub report: ReportDto,
    /// The accepted reports it was computed from.
    pub included: Vec<SourceReportDto>,
    /// Reports sent to the unit for the same form and period that are not accepted yet.
    pub missing: Vec<SourceReportDto>,
}

#[derive(Debug, Deserialize)]
pub struct AggregateParams {
    pub dry_run: Option<bool>,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/aggregate", tag = "reports", params(("id" = i64, Path), ("dry_run" = Option<bool>, Query, description = "only list the included and missing units")),
    responses((status = 200, body = AggregationDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, description = "Nothing accepted yet, not a numeric form, or the result breaks a rule", body = ErrorBody)))]
pub async fn aggregate(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, params: web::Query<AggregateParams>,
) -> ApiResult<web::Json<AggregationDto>> {
    let done = reports::aggregate(&state.app, &who, id.into_inner(), params.dry_run.unwrap_or(false)).await?;
    let ids: Vec<UnitId> = done.included.iter().chain(&done.missing).map(|r| r.unit_id).collect();
    let names = baocao_app::admin::unit_names_unscoped(&state.app, &ids).await?;
    let source = |r: &baocao_app::views::Candidate| SourceReportDto {
        unit: UnitRef { id: r.unit_id.0, name: names.get(&r.unit_id).cloned().unwrap_or_default() },
        report_id: r.id,
        version: r.version,
        status: r.status.as_str().to_owned(),
    };
    Ok(web::Json(AggregationDto {
        report: full(&state, &who, &done.report).await?,
        included: done.included.iter().map(source).collect(),
        missing: done.missing.iter().map(source).collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CellSourceDto {
    pub unit: UnitRef,
    pub report_id: i64,
    /// The version of the unit's report that was aggregated …
    pub version: i32,
    /// … and its version now (different after a correction).
    pub current_version: i32,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
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
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedDto {
    pub created: bool,
    pub report: ReportDto,
}

#[utoipa::path(post, path = "/api/v1/assignments", tag = "reports", request_body = AssignInput,
    responses((status = 200, description = "The created (or already existing) reports", body = [AssignedDto]),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    state: web::Data<AppState>, who: Principal, body: web::Json<AssignInput>,
) -> ApiResult<web::Json<Vec<AssignedDto>>> {
    let out = reports::assign(&state.app, &who, body.into_inner()).await?;
    let ids: Vec<UnitId> = out.iter().flat_map(|(r, _)| [r.unit_id, r.receiver_id]).collect();
    let names = baocao_app::admin::unit_names_unscoped(&state.app, &ids).await?;
    Ok(web::Json(
        out.iter().map(|(r, created)| AssignedDto { created: *created, report: dto(r, &names, false, None) }).collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportDto>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    params(("unit" = Option<i64>, Query, description = "a unit; its whole subtree"), ("regime" = Option<String>, Query), ("form" = Option<String>, Query),
           ("period" = Option<String>, Query, description = "2026, 2026-Q1, 2026-H1, 2026-M03, 2026-9M"), ("status" = Option<String>, Query),
           ("kind" = Option<String>, Query, description = "numeric or narrative"), ("q" = Option<String>, Query, description = "part of the form code"),
           ("received" = Option<bool>, Query, description = "only reports sent to the caller's units"), ("page" = Option<u64>, Query), ("per_page" = Option<u64>, Query)),
    responses((status = 200, body = ReportPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>, who: Principal, params: web::Query<ReportFilter>,
) -> ApiResult<web::Json<ReportPage>> {
    let query = query_of(&state, &params).await?;
    let page = reports::list(&state.app, &who, &query).await?;
    let ids: Vec<UnitId> = page.items.iter().flat_map(|r| [r.unit_id, r.receiver_id]).collect();
    let names = baocao_app::admin::unit_names_unscoped(&state.app, &ids).await?;
    Ok(web::Json(ReportPage {
        items: page.items.iter().map(|r| dto(r, &names, false, None)).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports", params(("id" = i64, Path)),
    responses((status = 200, body = ReportDto), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, who: Principal, id: web::Path<i64>) -> ApiResult<web::Json<ReportDto>> {
    let r = reports::get(&state.app, &who, id.into_inner()).await?;
    Ok(web::Json(full(&state, &who, &r).await?))
}

#[utoipa::path(put, path = "/api/v1/reports/{id}/data", tag = "reports", params(("id" = i64, Path)), request_body = DataInput,
    responses((status = 200, description = "The recomputed report and its new version", body = ReportDto), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Stale version (see `current`) or not editable now", body = ErrorBody),
              (status = 422, description = "Validation errors, one per cell in `cells`", body = ErrorBody)))]
pub async fn put_data(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<DataInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let saved = reports::save_data(&state.app, &who, id.into_inner(), body.into_inner(), Writing::Entry).await?;
    Ok(web::Json(full(&state, &who, &saved).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComputedDto {
    /// The cells as they would be stored, formulas and totals recomputed.
    pub cells: Vec<CellDto>,
    pub rows_added: Vec<AddedRowDto>,
    /// What validation would refuse on save.
    pub errors: Vec<crate::error::CellProblem>,
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
    let r = reports::recompute(&state.app, who, id, input, writing).await?;
    Ok(web::Json(ComputedDto {
        cells: r
            .content
            .cells
            .iter()
            .map(|c| CellDto { row: c.row.clone(), col: c.col.clone(), value: c.value.clone() })
            .collect(),
        rows_added: r.content.rows_added.iter().map(AddedRowDto::from).collect(),
        errors: r.errors,
    }))
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
    Ok(web::Json(full(&state, &who, &saved).await?))
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

#[derive(Debug, Serialize, ToSchema)]
pub struct CellChangeDto {
    pub row: String,
    pub col: String,
    #[schema(value_type = Object)]
    pub before: serde_json::Value,
    #[schema(value_type = Object)]
    pub after: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportDto {
    pub dry_run: bool,
    pub changed: Vec<CellChangeDto>,
    pub report: ReportDto,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/xlsx", tag = "reports",
    params(("id" = i64, Path), ("code_col" = Option<String>, Query), ("data_col" = Option<String>, Query), ("from_row" = Option<u32>, Query), ("to_row" = Option<u32>, Query), ("dry_run" = Option<bool>, Query)),
    request_body(content = Vec<u8>, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "The filled workbook (.xlsx or .xls)"),
    responses((status = 200, description = "What changes (and, unless a dry run, the saved report)", body = ImportDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, description = "Refusals, each naming the sheet, row and column, in `cells`", body = ErrorBody)))]
pub async fn import_xlsx(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, params: web::Query<ImportParams>, body: web::Bytes,
) -> ApiResult<web::Json<ImportDto>> {
    let column = |raw: &Option<String>, default: u32, field: &'static str| -> Result<u32, WebError> {
        match raw.as_deref().filter(|s| !s.trim().is_empty()) {
            None => Ok(default),
            Some(s) => baocao_app::reports::column_index(s).ok_or_else(|| {
                WebError::from(Invalid::new(
                    field,
                    "invalid_column",
                    Text::new(
                        format!("Cột \"{s}\" không hợp lệ (vd. B, E)."),
                        format!("Column \"{s}\" is not valid (e.g. B, E)."),
                    ),
                ))
            }),
        }
    };
    let import = baocao_app::reports::ImportParams {
        code_col: column(&params.code_col, baocao_app::reports::CODE_COL as u32, "code_col")?,
        data_col: column(&params.data_col, baocao_app::reports::FIRST_DATA_COL as u32, "data_col")?,
        from_row: params.from_row,
        to_row: params.to_row,
    };
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
        report: full(&state, &who, &report).await?,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SectionDto {
    pub code: String,
    pub label: String,
    pub title: String,
    pub guidance: String,
    pub level: u8,
    /// The sanitised text saved for the section.
    pub html: String,
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
    Ok(web::Json(full(&state, &who, &saved).await?))
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/transitions", tag = "reports", params(("id" = i64, Path)), request_body = TransitionInput,
    responses((status = 200, description = "The report in its new status", body = ReportDto), (status = 403, description = "The caller may not take this step", body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "Not possible in the current status", body = ErrorBody),
              (status = 422, description = "A comment is required, or a bad forward_to", body = ErrorBody)))]
pub async fn transition(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, body: web::Json<TransitionInput>,
) -> ApiResult<web::Json<ReportDto>> {
    let saved = reports::transition(&state.app, &who, id.into_inner(), body.into_inner()).await?;
    Ok(web::Json(full(&state, &who, &saved).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryDto {
    pub at: String,
    /// HH:mm:ss ngày dd/MM/yyyy (Viet Nam time).
    pub at_display: String,
    pub actor: String,
    pub action: String,
    pub from: String,
    pub to: String,
    pub comment: Option<String>,
    pub version: i32,
    pub content_sha256: String,
}

impl From<&HistoryEntry> for HistoryDto {
    fn from(h: &HistoryEntry) -> Self {
        HistoryDto {
            at: h.at.to_rfc3339(),
            at_display: format::moment(h.at, Locale::Vi),
            actor: h.actor.clone(),
            action: h.action.clone(),
            from: h.from.clone(),
            to: h.to.clone(),
            comment: h.comment.clone(),
            version: h.version,
            content_sha256: h.content_sha256.clone(),
        }
    }
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

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

impl From<&Attachment> for AttachmentDto {
    fn from(a: &Attachment) -> Self {
        AttachmentDto {
            id: a.id,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            uploaded_at: a.uploaded_at.to_rfc3339(),
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct UploadParams {
    /// The file's name, e.g. `bao-cao.pdf`; its extension decides the type.
    pub name: String,
}

#[utoipa::path(post, path = "/api/v1/reports/{id}/attachments", tag = "reports", params(("id" = i64, Path), ("name" = String, Query)),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = AttachmentDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_attachment(
    state: web::Data<AppState>, who: Principal, id: web::Path<i64>, params: web::Query<UploadParams>, body: web::Bytes,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: i64,
    pub report_id: Option<i64>,
    pub kind: String,
    pub message: String,
    pub message_en: String,
    pub sender: Option<i64>,
    pub sender_unit: Option<i64>,
    pub created_at: String,
    pub read: bool,
}

impl From<&NotificationRow> for NotificationDto {
    fn from(n: &NotificationRow) -> Self {
        NotificationDto {
            id: n.id,
            report_id: n.report_id,
            kind: n.kind.clone(),
            message: n.message.vi.to_string(),
            message_en: n.message.en.to_string(),
            sender: n.sender.map(|u| u.0),
            sender_unit: n.sender_unit.map(|u| u.0),
            created_at: n.created_at.to_rfc3339(),
            read: n.read,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationDto>,
    pub total: u64,
    pub unread: u64,
    pub page: u64,
    pub per_page: u64,
}

/// The report list's filters, checked, on the page asked for.
pub async fn query_of(state: &AppState, p: &ReportFilter) -> Result<ReportQuery, WebError> {
    let paging = Paging::parse(p.page, p.per_page, 25).map_err(WebError::BadQuery)?;
    Ok(p.query(&state.app, paging).await?)
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
    state: web::Data<AppState>, who: Principal, params: web::Query<NotificationFilter>,
) -> ApiResult<web::Json<NotificationPage>> {
    let query = notification_query(&params)?;
    let baocao_app::notifications::Inbox { page, unread } =
        baocao_app::notifications::inbox(&state.app, &who, &query).await?;
    Ok(web::Json(NotificationPage {
        items: page.items.iter().map(NotificationDto::from).collect(),
        total: page.total,
        unread,
        page: page.page,
        per_page: page.per_page,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadAllDto {
    pub marked: u64,
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
    let body = counts.map(|count| {
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
pub fn file_response(meta: &baocao_app::views::Attachment, bytes: Vec<u8>) -> actix_web::HttpResponse {
    let ascii: String = meta
        .file_name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let encoded: String = meta
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    actix_web::HttpResponse::Ok()
        .insert_header((actix_web::http::header::CONTENT_TYPE, meta.content_type.clone()))
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes)
}
