//! Regimes and their forms on the wire.

use serde::Serialize;
use utoipa::ToSchema;

use crate::regimes;
use crate::views::{Form, RegimeEntry as Entry};

#[derive(Debug, Serialize, ToSchema)]
pub struct RegimeDto {
    /// Registry id of an uploaded plugin; absent for built-in regimes.
    pub id: Option<i64>,
    pub code: String,
    /// Vietnamese name.
    pub name: String,
    pub name_en: String,
    pub version: u32,
    /// `national` or `tenant`.
    pub scope: String,
    pub builtin: bool,
    pub enabled: bool,
    pub effective_from: String,
    pub legal_basis: String,
    pub periods: Vec<String>,
    pub forms: usize,
    pub sha256: String,
}

impl From<&Entry> for RegimeDto {
    fn from(e: &Entry) -> Self {
        let m = &e.plugin.manifest;
        RegimeDto {
            id: e.id,
            code: m.code.clone(),
            name: m.name.vi.clone(),
            name_en: m.name.en.clone(),
            version: m.version,
            scope: match e.scope {
                crate::views::RegimeScope::National => "national".to_owned(),
                crate::views::RegimeScope::Tenant(_) => "tenant".to_owned(),
            },
            builtin: e.builtin(),
            enabled: e.enabled,
            effective_from: m.effective_from.clone(),
            legal_basis: m.legal_basis.clone(),
            periods: m.periods.iter().map(regimes::wire_name).collect(),
            forms: m.forms.len(),
            sha256: e.plugin.sha256.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FormSummaryDto {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub columns: usize,
    pub rows: usize,
    pub outside_system: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnDto {
    pub code: String,
    pub number: u32,
    /// The header path joined: "Số đơn vị … / Tổng số".
    pub title: String,
    /// The header path, outermost first.
    pub header: Vec<String>,
    /// integer, decimal, percent, text, date.
    #[serde(rename = "type")]
    pub cell_type: String,
    /// The formula in the handbook's notation, e.g. "(4) + (5) + (6)"; null for entered columns.
    pub formula: Option<String>,
    pub fill_groups: Vec<String>,
    /// How a receiver combines this column of its senders' reports: sum, count,
    /// mean, copy_per_unit or none; null for the default (numbers add up, text per unit).
    pub aggregate: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowDto {
    pub code: String,
    pub label: String,
    pub title: String,
    pub level: u8,
    /// fixed, catalogue or free_text.
    pub mode: String,
    pub total: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FormDto {
    pub code: String,
    pub title: String,
    pub title_en: String,
    pub unit_of_measure: Option<String>,
    pub columns: Vec<ColumnDto>,
    pub rows: Vec<RowDto>,
    /// How rows may be added beyond the fixed ones.
    pub row_modes: Vec<String>,
    pub catalogue: Option<String>,
    pub outside_system: bool,
    /// Relations checked on save, e.g. "(11) = (12) + (13) + (14)".
    pub rules: Vec<String>,
    pub provenance: Option<String>,
    pub regime: String,
    pub regime_version: u32,
}

impl FormDto {
    /// A form of a regime, its formulas in the handbook's notation.
    pub fn of(entry: &Entry, f: &Form) -> FormDto {
        let number = |code: &str| {
            f.columns
                .iter()
                .find(|c| c.code == code)
                .map(|c| format!("({})", c.number))
                .unwrap_or_else(|| code.to_owned())
        };
        FormDto {
            code: f.code.clone(),
            title: f.title.vi.clone(),
            title_en: f.title.en.clone(),
            unit_of_measure: f.unit_of_measure.clone(),
            columns: f
                .columns
                .iter()
                .map(|c| ColumnDto {
                    code: c.code.clone(),
                    number: c.number,
                    title: c.header.join(" / "),
                    header: c.header.clone(),
                    cell_type: regimes::wire_name(&c.cell_type),
                    formula: c.formula.as_ref().map(|formula| formula.notation(number)),
                    fill_groups: c.fill_groups.clone(),
                    aggregate: c.aggregate.as_ref().map(regimes::wire_name),
                })
                .collect(),
            rows: f
                .rows
                .iter()
                .map(|r| RowDto {
                    code: r.code.clone(),
                    label: r.label.clone(),
                    title: r.title.clone(),
                    level: r.level,
                    mode: regimes::wire_name(&r.mode),
                    total: r.total,
                })
                .collect(),
            row_modes: f.row_modes.iter().map(regimes::wire_name).collect(),
            catalogue: f.catalogue.clone(),
            outside_system: f.outside_system,
            rules: f.rules.iter().map(|r| r.text.clone()).collect(),
            provenance: f.provenance.clone(),
            regime: entry.plugin.manifest.code.clone(),
            regime_version: entry.plugin.manifest.version,
        }
    }
}

impl From<&Form> for FormSummaryDto {
    fn from(f: &Form) -> Self {
        FormSummaryDto {
            code: f.code.clone(),
            title: f.title.vi.clone(),
            title_en: f.title.en.clone(),
            columns: f.columns.len(),
            rows: f.rows.len(),
            outside_system: f.outside_system,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndexPointsDto {
    pub code: String,
    pub label: String,
    pub title: String,
    pub points: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDto {
    pub unit: super::UnitRef,
    pub report_id: i64,
    /// The appraised total once the appraisal is complete, else the self-assessed one.
    pub total: f64,
    pub self_total: f64,
    pub appraised: bool,
    /// 1 is best; ties share a rank.
    pub rank: u32,
    /// Each index's points, in the form's order.
    pub indices: Vec<IndexPointsDto>,
}

impl From<&baocao_domain::ranking::RankedUnit> for RankingDto {
    fn from(r: &baocao_domain::ranking::RankedUnit) -> Self {
        RankingDto {
            unit: super::UnitRef { id: r.unit.0, name: r.name.clone() },
            report_id: r.report_id,
            total: r.total,
            self_total: r.self_total,
            appraised: r.appraised,
            rank: r.rank,
            indices: r
                .indices
                .iter()
                .map(|i| IndexPointsDto {
                    code: i.code.clone(),
                    label: i.label.clone(),
                    title: i.title.clone(),
                    points: i.points,
                })
                .collect(),
        }
    }
}
