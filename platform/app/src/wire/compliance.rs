//! Compliance figures on the wire.

use baocao_domain::ids::UnitId;
use serde::Serialize;
use utoipa::ToSchema;

use super::UnitRef;
use crate::compliance::{Compliance, Summary};

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitSummary {
    pub unit: UnitRef,
    pub summary: Summary,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportLine {
    pub report_id: i64,
    pub unit: UnitRef,
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
    pub unit: UnitRef,
    pub summary: Summary,
    /// One line per unit directly below (drill down with `unit=`).
    pub children: Vec<UnitSummary>,
    pub reports: Vec<ReportLine>,
}

impl From<&Compliance> for ComplianceDto {
    fn from(c: &Compliance) -> Self {
        let name = |id: UnitId| UnitRef { id: id.0, name: c.names.get(&id).cloned().unwrap_or_default() };
        ComplianceDto {
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
                    on_time: crate::compliance::on_time(r),
                    rejected: r.rejected,
                    corrected: r.corrected,
                })
                .collect(),
        }
    }
}
