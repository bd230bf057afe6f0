//! Queues of work and bulk steps on the wire.

use std::collections::HashMap;

use baocao_domain::ids::UnitId;
use baocao_domain::queue::{Queue, overdue_days};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ReportDto, brief};
use crate::queues::QueueSummary;
use crate::views::{Page, ReportRow};
use crate::{App, Error, admin};

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueDto {
    /// entry, approval, sending, incoming, aggregation or corrections.
    pub name: String,
    /// The handbook's name of the work ("Nhập liệu báo cáo" …).
    pub label: String,
    pub label_en: String,
    /// Whether the caller's groups do this work at all (else the counts are 0).
    pub allowed: bool,
    pub count: u64,
    /// How many of them are past their deadline.
    pub overdue: u64,
}

impl From<&QueueSummary> for QueueDto {
    fn from(s: &QueueSummary) -> Self {
        let label = s.queue.label();
        QueueDto {
            name: s.queue.as_str().to_owned(),
            label: label.vi.into_owned(),
            label_en: label.en.into_owned(),
            allowed: s.allowed,
            count: s.count,
            overdue: s.overdue,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueItemDto {
    #[serde(flatten)]
    pub report: ReportDto,
    /// Days past the deadline; absent while not overdue.
    pub overdue_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueuePageDto {
    pub queue: String,
    pub items: Vec<QueueItemDto>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// A queue's page of reports, each with its units' names and how late it is.
pub async fn queue_page(app: &App, queue: Queue, page: &Page<ReportRow>) -> Result<QueuePageDto, Error> {
    let ids: Vec<UnitId> = page.items.iter().flat_map(|r| [r.unit_id, r.receiver_id]).collect();
    let names: HashMap<UnitId, String> = admin::unit_names_unscoped(app, &ids).await?;
    let today = app.clock.today();
    Ok(QueuePageDto {
        queue: queue.as_str().to_owned(),
        items: page
            .items
            .iter()
            .map(|r| QueueItemDto { report: brief(r, &names), overdue_days: overdue_days(r.closes_on, today) })
            .collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkErrorDto {
    pub code: String,
    pub message: String,
    pub message_en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BulkResultDto {
    pub id: i64,
    pub ok: bool,
    /// The report's status after the step (when it was taken).
    pub status: Option<String>,
    /// Why the step was refused for this report.
    pub error: Option<BulkErrorDto>,
}

/// One result per report of a bulk step.
pub fn bulk_results(results: &[(i64, Result<ReportRow, Error>)]) -> Vec<BulkResultDto> {
    results
        .iter()
        .map(|(id, result)| match result {
            Ok(r) => BulkResultDto { id: *id, ok: true, status: Some(r.status.as_str().to_owned()), error: None },
            Err(e) => {
                let (code, text) = e.public();
                let error = BulkErrorDto { code, message: text.vi.into_owned(), message_en: text.en.into_owned() };
                BulkResultDto { id: *id, ok: false, status: None, error: Some(error) }
            }
        })
        .collect()
}
