//! The content of a report as the platform holds it: its cells, the rows a
//! unit added, the stored report, a new content to store, and what a writer
//! whose copy was stale is told. Storage reads and writes these; entry rules,
//! aggregation and documents work on them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{TenantId, UnitId, UserId};
use crate::report::{Period, ReportKind, Status};
use crate::unit::UnitPath;

/// One cell of a report: row and column codes of the form, and a JSON value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportCell {
    pub row: String,
    pub col: String,
    pub value: serde_json::Value,
}

/// A row the reporting unit added (from the catalogue, or free text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedRow {
    pub code: String,
    pub title: String,
    /// The catalogue entry's code, for rows picked from a catalogue; rows with
    /// the same catalogue code add up when reports are aggregated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalogue: Option<String>,
}

/// A report as stored.
#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub id: i64,
    pub tenant: TenantId,
    pub unit_id: UnitId,
    #[serde(skip)]
    pub unit_path: UnitPath,
    pub receiver_id: UnitId,
    #[serde(skip)]
    pub receiver_path: UnitPath,
    pub regime: String,
    pub regime_version: u32,
    pub form: String,
    pub kind: ReportKind,
    pub period: Period,
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub reopened: bool,
    pub status: Status,
    pub version: i32,
    pub cells: Vec<ReportCell>,
    pub rows_added: Vec<AddedRow>,
    pub content_sha256: String,
    pub forward_to: Option<UserId>,
    pub last_comment: Option<String>,
    pub assigned_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl ReportRow {
    /// Where `today` falls in the report's entry window.
    pub fn entry_window(&self, today: NaiveDate) -> crate::report::EntryWindow {
        crate::report::EntryWindow::of(self.opens_on, self.closes_on, self.reopened, today)
    }
}

/// New content of a report, already computed and validated by its regime.
#[derive(Debug, Clone)]
pub struct NewContent {
    pub expected_version: i32,
    pub cells: Vec<ReportCell>,
    pub rows_added: Vec<AddedRow>,
}

/// What a content write or a transition returns when its copy is stale.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    pub current_version: i32,
    pub status: Status,
    /// Who wrote last, and when.
    pub last_actor: Option<String>,
    pub last_at: Option<DateTime<Utc>>,
    /// Cells whose stored value differs from what the writer sent.
    pub changed: Vec<ReportCell>,
}
