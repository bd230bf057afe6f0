//! A template regime: copy this crate to start a province's own regime.
//!
//! It declares one yearly form ("MAU.01") with an entered breakdown, a column
//! the regime computes, a percentage, a rule the data must satisfy, and a
//! total row; and one deadline per reporting level. The SDK supplies
//! `compute`, `validate`, `check` and `schedule` from this declaration;
//! override any of them in `impl Regime` when a rule cannot be declared.
//!
//! Before uploading, run `baocao regime check target/…/template_regime.wasm`:
//! it runs every check of an upload and prints the forms, columns and
//! schedule as the platform reads them.

use baocao_regime_sdk::logic::{ColumnExt, column, new_form, row, rule, text, total_row};
use baocao_regime_sdk::*;

pub struct TemplateRegime;

/// The one form: rows are the fixed indicators plus the total.
fn form() -> Form {
    let done = "Số hồ sơ đã giải quyết";
    Form {
        unit_of_measure: Some("Đơn vị tính: Hồ sơ".to_owned()),
        columns: vec![
            column("c3", 3, &["Tổng số hồ sơ tiếp nhận"], CellType::Integer),
            column("c4", 4, &[done, "Tổng số"], CellType::Integer).sum(&["c5", "c6"]),
            column("c5", 5, &[done, "Đúng hạn"], CellType::Integer),
            column("c6", 6, &[done, "Quá hạn"], CellType::Integer),
            column("c7", 7, &["Tỷ lệ giải quyết đúng hạn (%)"], CellType::Percent).percent("c5", "c4"),
            column("c8", 8, &["Số hồ sơ đang giải quyết"], CellType::Integer),
            column("c9", 9, &["Ghi chú"], CellType::Text),
        ],
        rows: vec![
            row("r1", "1", "Lĩnh vực đất đai", 0),
            row("r2", "2", "Lĩnh vực xây dựng", 0),
            row("r3", "3", "Lĩnh vực khác", 0),
            total_row(),
        ],
        // Every application received is resolved or pending: (3) = (4) + (8).
        rules: vec![rule("c3", &["c4", "c8"], "(3) = (4) + (8)")],
        ..new_form("MAU.01", text("KẾT QUẢ GIẢI QUYẾT HỒ SƠ", "Applications resolved"))
    }
}

impl Regime for TemplateRegime {
    fn manifest() -> Manifest {
        let days = |level: &str, days_after_cutoff: u32| Deadline { level: level.to_owned(), days_after_cutoff };
        Manifest {
            abi: AbiVersion { major: ABI_MAJOR, minor: ABI_MINOR },
            // A code of your own; a new version of the same regime keeps it and raises `version`.
            code: "MAU-TINH".to_owned(),
            name: text("Báo cáo mẫu của tỉnh", "A province's template report"),
            version: 1,
            effective_from: "2026-01-01".to_owned(),
            legal_basis: "Quyết định của Ủy ban nhân dân tỉnh (ghi số, ngày)".to_owned(),
            periods: vec![PeriodType::Year],
            reporting_levels: vec!["xa".to_owned(), "so".to_owned()],
            receiver: text("Ủy ban nhân dân tỉnh", "The provincial People's Committee"),
            // Communes by 17/12, departments by 20/12 (the data window closes on 14/12).
            deadlines: vec![days("xa", 3), days("so", 6)],
            forms: vec![form()],
            outlines: vec![],
            catalogues: vec![],
        }
    }
}

export_regime!(TemplateRegime);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use baocao_regime_sdk::logic;
    use serde_json::{Value, json};

    fn manifest() -> Manifest {
        logic::complete(TemplateRegime::manifest())
    }

    fn cell(row: &str, col: &str, value: Value) -> Cell {
        Cell { row: row.to_owned(), col: col.to_owned(), value }
    }

    fn value(data: &FormData, row: &str, col: &str) -> Value {
        data.cells.iter().find(|c| c.row == row && c.col == col).map(|c| c.value.clone()).unwrap_or(Value::Null)
    }

    #[test]
    fn the_manifest_is_one_the_platform_accepts() {
        assert_eq!(check_manifest(&manifest()), Vec::<String>::new());
        assert_eq!(manifest().forms[0].computed_rows.as_deref(), Some(&["tong".to_owned()][..]));
    }

    #[test]
    fn check_computes_the_formulas_and_the_total() {
        let data = FormData {
            form: "MAU.01".to_owned(),
            cells: vec![
                cell("r1", "c3", json!(10)),
                cell("r1", "c5", json!(6)),
                cell("r1", "c6", json!(2)),
                cell("r1", "c8", json!(2)),
                cell("r2", "c3", json!(5)),
                cell("r2", "c5", json!(5)),
            ],
        };
        let checked = TemplateRegime::check(&manifest(), data).unwrap();
        assert_eq!(value(&checked.data, "r1", "c4"), json!(8));
        assert_eq!(value(&checked.data, "r1", "c7"), json!(75.0));
        assert_eq!(value(&checked.data, "tong", "c3"), json!(15));
        assert_eq!(value(&checked.data, "tong", "c4"), json!(13));
        assert!(checked.errors.is_empty(), "{:?}", checked.errors);
    }

    #[test]
    fn a_broken_rule_names_its_cell() {
        // 1 received, 4 resolved: (3) = (4) + (8) does not hold on row 3.
        let data =
            FormData { form: "MAU.01".to_owned(), cells: vec![cell("r3", "c3", json!(1)), cell("r3", "c5", json!(4))] };
        let checked = TemplateRegime::check(&manifest(), data).unwrap();
        assert!(checked.errors.iter().any(|e| e.row.as_deref() == Some("r3")), "{:?}", checked.errors);
    }

    #[test]
    fn the_schedule_has_a_deadline_per_level() {
        let windows =
            TemplateRegime::schedule(&manifest(), &ScheduleRequest { year: 2026, period: PeriodType::Year }).unwrap();
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].data_from, "2025-12-15");
        assert_eq!(windows[0].data_to, "2026-12-14");
        let deadline = |level: &str| windows[0].deadlines.iter().find(|d| d.level == level).map(|d| d.date.clone());
        assert_eq!(deadline("xa").as_deref(), Some("2026-12-17"));
        assert_eq!(deadline("so").as_deref(), Some("2026-12-20"));
    }
}
