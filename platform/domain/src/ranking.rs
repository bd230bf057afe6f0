//! A scoring regime's ranking (Thái Bình's digital-transformation index):
//! the units of one form ranked by total, ties sharing a rank, with each
//! index's points. The regime computes totals and ranks (`score`); these are
//! the rows people read.

use baocao_regime_abi::Form;

use crate::content::ReportCell;
use crate::ids::UnitId;

/// One index ("chỉ số", a top-level row) and the unit's points on it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPoints {
    pub code: String,
    pub label: String,
    pub title: String,
    pub points: Option<f64>,
}

/// A unit's place in the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedUnit {
    pub unit: UnitId,
    pub name: String,
    pub report_id: i64,
    /// The appraised total once the appraisal is complete, else the self-assessed one.
    pub total: f64,
    pub self_total: f64,
    pub appraised: bool,
    /// 1 is best; ties share a rank (1, 2, 2, 4).
    pub rank: u32,
    pub indices: Vec<IndexPoints>,
}

/// Each index's points of a unit: the appraised column when the appraisal is
/// complete, else the self-assessed one. Indices are the form's top rows.
pub fn index_points(form: &Form, cells: &[ReportCell], appraised: bool) -> Vec<IndexPoints> {
    let Some(scoring) = &form.scoring else { return Vec::new() };
    let column = if appraised { &scoring.appraised_column } else { &scoring.self_column };
    form.rows
        .iter()
        .filter(|r| r.level == 0 && !r.total)
        .map(|r| IndexPoints {
            code: r.code.clone(),
            label: r.label.clone(),
            title: r.title.clone(),
            points: cells.iter().find(|c| c.row == r.code && &c.col == column).and_then(|c| c.value.as_f64()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Form {
        serde_json::from_value(json!({
            "code": "CDS", "title": {"vi": "Chấm điểm", "en": "Scoring"}, "columns": [], "row_modes": ["fixed"],
            "outside_system": false, "rules": [],
            "rows": [
                {"code": "1", "label": "1", "title": "Nhận thức số", "level": 0, "mode": "fixed", "total": false},
                {"code": "1.1", "label": "1.1", "title": "Tiêu chí", "level": 1, "mode": "fixed", "total": false},
                {"code": "2", "label": "2", "title": "Thể chế số", "level": 0, "mode": "fixed", "total": false},
                {"code": "tong", "label": "", "title": "Tổng", "level": 0, "mode": "fixed", "total": true}
            ],
            "scoring": {"max_column": "max", "self_column": "self", "appraised_column": "appraised"}
        }))
        .unwrap()
    }

    #[test]
    fn indices_are_the_top_rows_in_the_column_that_counts() {
        let cell = |row: &str, col: &str, v: f64| ReportCell { row: row.into(), col: col.into(), value: json!(v) };
        let cells = [cell("1", "self", 40.0), cell("1", "appraised", 35.5), cell("1.1", "self", 40.0)];
        let own = index_points(&form(), &cells, false);
        assert_eq!(
            own.iter().map(|i| (i.code.as_str(), i.points)).collect::<Vec<_>>(),
            [("1", Some(40.0)), ("2", None)]
        );
        let appraised = index_points(&form(), &cells, true);
        assert_eq!(appraised[0].points, Some(35.5));
        assert_eq!(appraised[0].title, "Nhận thức số");
    }
}
