//! Reports on the wire: the shapes the JSON API answers with for reports,
//! their history, attachments and notifications, and the builders that look
//! up the unit names they carry.

use std::collections::HashMap;

use baocao_domain::content::ReportCell;
use baocao_domain::format;
use baocao_domain::ids::UnitId;
use baocao_domain::report::Period;
use baocao_domain::text::Locale;
use serde::Serialize;
use utoipa::ToSchema;

use crate::views::{AddedRow, Attachment, Candidate, HistoryEntry, NotificationRow, Page, ReportRow};
use crate::{App, Caller, Error, admin, reports};

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

/// A report's cells: decoded, or as the store wrote them out (the same
/// list of [`CellDto`], written without decoding each value).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CellsDto {
    Decoded(Vec<CellDto>),
    Stored(Box<serde_json::value::RawValue>),
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
    /// The entry deadline as shown to users (dd/MM/yyyy).
    pub closes_on_display: String,
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
    #[schema(value_type = Option<Vec<CellDto>>)]
    pub cells: Option<CellsDto>,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct CellSourceDto {
    pub unit: UnitRef,
    pub report_id: i64,
    /// The version of the unit's report that was aggregated …
    pub version: i32,
    /// … and its version now (different after a correction).
    pub current_version: i32,
    /// The value that was aggregated …
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
    /// … and the value now.
    #[schema(value_type = Object)]
    pub current_value: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignedDto {
    pub created: bool,
    pub report: ReportDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPage {
    pub items: Vec<ReportDto>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ComputedDto {
    /// The cells as they would be stored, formulas and totals recomputed.
    pub cells: Vec<CellDto>,
    pub rows_added: Vec<AddedRowDto>,
    /// What validation would refuse on save.
    pub errors: Vec<baocao_domain::entry::CellProblem>,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadAllDto {
    pub marked: u64,
}

/// A report as lists show it: no cells, no actions.
pub fn brief(r: &ReportRow, names: &HashMap<UnitId, String>) -> ReportDto {
    shaped(r, names, None, None)
}

fn shaped(
    r: &ReportRow, names: &HashMap<UnitId, String>, cells: Option<CellsDto>, actions: Option<Vec<String>>,
) -> ReportDto {
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
        closes_on_display: format::date(r.closes_on, Locale::Vi),
        reopened: r.reopened,
        status: r.status.as_str().to_owned(),
        status_label: r.status.label().vi.into_owned(),
        version: r.version,
        content_sha256: r.content_sha256.clone(),
        last_comment: r.last_comment.clone(),
        sent_at: r.sent_at.map(|t| t.to_rfc3339()),
        cells,
        rows_added: r.rows_added.iter().map(AddedRowDto::from).collect(),
        actions,
        aggregate: None,
    }
}

/// A report as the caller sees it on its own: cells, what the caller may do
/// now, and for an aggregate whether it is out of date.
pub async fn full(app: &App, who: &Caller, r: &ReportRow) -> Result<ReportDto, Error> {
    let aggregate = reports::aggregate_state(app, who, r).await?;
    let cells = CellsDto::Decoded(r.cells.iter().cloned().map(CellDto::from).collect());
    shown(app, who, r, cells, aggregate).await
}

/// A report read with its state, as the caller sees it (`full`, without
/// asking again whether it is an aggregate, and its cells passed on as
/// stored: a 100 × 15 report has 1,500).
pub async fn with_state(app: &App, who: &Caller, read: reports::WithState) -> Result<ReportDto, Error> {
    let cells = CellsDto::Stored(read.cells.listed()?);
    shown(app, who, &read.report, cells, read.aggregate).await
}

impl From<ReportCell> for CellDto {
    fn from(c: ReportCell) -> Self {
        CellDto { row: c.row, col: c.col, value: c.value }
    }
}

async fn shown(
    app: &App, who: &Caller, r: &ReportRow, cells: CellsDto, aggregate: Option<reports::AggregateState>,
) -> Result<ReportDto, Error> {
    let names = admin::unit_names_unscoped(app, &[r.unit_id, r.receiver_id]).await?;
    let mut actions: Vec<String> =
        reports::allowed_actions(app, who, r).await.into_iter().map(|s| s.action.as_str().to_owned()).collect();
    if reports::may_edit(app, who, r).await {
        actions.insert(0, "edit".to_owned());
    }
    let mut out = shaped(r, &names, Some(cells), Some(actions));
    out.aggregate = aggregate.map(|a| AggregateInfo { sources: a.sources, outdated: a.outdated });
    Ok(out)
}

/// A page of the report list, each with its units' names.
pub async fn page(app: &App, page: &Page<ReportRow>) -> Result<ReportPage, Error> {
    let ids: Vec<UnitId> = page.items.iter().flat_map(|r| [r.unit_id, r.receiver_id]).collect();
    let names = admin::unit_names_unscoped(app, &ids).await?;
    Ok(ReportPage {
        items: page.items.iter().map(|r| brief(r, &names)).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// What an assignment created (or found already there).
pub async fn assigned(app: &App, out: &[(ReportRow, bool)]) -> Result<Vec<AssignedDto>, Error> {
    let ids: Vec<UnitId> = out.iter().flat_map(|(r, _)| [r.unit_id, r.receiver_id]).collect();
    let names = admin::unit_names_unscoped(app, &ids).await?;
    Ok(out.iter().map(|(r, created)| AssignedDto { created: *created, report: brief(r, &names) }).collect())
}

/// An aggregation's result with the units it included and those it still misses.
pub async fn aggregation(app: &App, who: &Caller, done: &reports::Aggregation) -> Result<AggregationDto, Error> {
    let ids: Vec<UnitId> = done.included.iter().chain(&done.missing).map(|r| r.unit_id).collect();
    let names = admin::unit_names_unscoped(app, &ids).await?;
    let source = |r: &Candidate| SourceReportDto {
        unit: UnitRef { id: r.unit_id.0, name: names.get(&r.unit_id).cloned().unwrap_or_default() },
        report_id: r.id,
        version: r.version,
        status: r.status.as_str().to_owned(),
    };
    Ok(AggregationDto {
        report: full(app, who, &done.report).await?,
        included: done.included.iter().map(source).collect(),
        missing: done.missing.iter().map(source).collect(),
    })
}

/// The notification list, with the unread count.
pub fn inbox(inbox: &crate::notifications::Inbox) -> NotificationPage {
    NotificationPage {
        items: inbox.page.items.iter().map(NotificationDto::from).collect(),
        total: inbox.page.total,
        unread: inbox.unread,
        page: inbox.page.page,
        per_page: inbox.page.per_page,
    }
}

impl From<reports::Recomputed> for ComputedDto {
    fn from(r: reports::Recomputed) -> Self {
        ComputedDto {
            cells: r
                .content
                .cells
                .iter()
                .map(|c| CellDto { row: c.row.clone(), col: c.col.clone(), value: c.value.clone() })
                .collect(),
            rows_added: r.content.rows_added.iter().map(AddedRowDto::from).collect(),
            errors: r.errors,
        }
    }
}
