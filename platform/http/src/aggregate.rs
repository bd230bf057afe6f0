//! How the accepted reports of lower units combine into the receiving unit's
//! report of the same form, as the regime declares it (`Column::aggregate`):
//!
//! - fixed rows add up row by row;
//! - rows picked from a catalogue add up by catalogue code ("tổng hợp dữ liệu
//!   liên kết danh mục"): the same procedure field or unit in two communes is
//!   one row of the province, and a row only one commune added appears too;
//! - free-text rows are listed per unit (as in the I.05-type detail forms);
//! - numbers add up by default (`sum`), or are counted, averaged (scores), or
//!   not aggregated at all when the receiver fills the column itself;
//! - text and dates are kept in the per-unit rows only; formula and total
//!   cells are left empty here, for the regime to recompute afterwards.
//!
//! Pure: no I/O, so every rule is tested below. `source_rows` answers the
//! provenance question for one aggregated cell.

use std::collections::HashMap;

use baocao_domain::ids::UnitId;
use baocao_plugins::abi::{Aggregate, CellType, Column, Form};
use baocao_storage::{AddedRow, ReportCell};
use serde_json::Value;

/// One accepted report of a lower unit.
pub struct Source<'a> {
    pub unit: UnitId,
    pub unit_name: &'a str,
    pub cells: &'a [ReportCell],
    pub rows_added: &'a [AddedRow],
}

/// The aggregate's content, before the regime recomputes formulas and totals.
#[derive(Debug, Default, PartialEq)]
pub struct Combined {
    pub cells: Vec<ReportCell>,
    pub rows_added: Vec<AddedRow>,
}

/// How a column combines: what the regime declared, else numbers add up
/// (percentages are averaged), text stays per unit, formulas are recomputed.
fn how(col: &Column) -> Aggregate {
    if col.formula.is_some() {
        return Aggregate::None;
    }
    col.aggregate.unwrap_or(match col.cell_type {
        CellType::Integer | CellType::Decimal => Aggregate::Sum,
        CellType::Percent => Aggregate::Mean,
        CellType::Text | CellType::Date => Aggregate::CopyPerUnit,
    })
}

fn catalogue_code(catalogue: &str) -> String {
    let safe: String = catalogue.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    format!("k.{safe}")
}

fn unit_code(unit: UnitId, row: &str) -> String {
    format!("u{}.{row}", unit.0)
}

/// Where a source's row goes in the aggregate: the same fixed row, the row of
/// its catalogue entry, or a row of its own.
fn target_row(form: &Form, source: &Source<'_>, row: &str) -> Option<(String, bool)> {
    if let Some(fixed) = form.rows.iter().find(|r| r.code == row) {
        return (!fixed.total).then(|| (fixed.code.clone(), false));
    }
    let added = source.rows_added.iter().find(|r| r.code == row)?;
    Some(match &added.catalogue {
        Some(c) => (catalogue_code(c), false),
        None => (unit_code(source.unit, row), true),
    })
}

#[derive(Default)]
struct Accumulator {
    sum: f64,
    count: u32,
}

pub fn combine(form: &Form, sources: &[Source<'_>]) -> Combined {
    let columns: HashMap<&str, (&Column, Aggregate)> = form.columns.iter().map(|c| (c.code.as_str(), (c, how(c)))).collect();
    let mut rows_added: Vec<AddedRow> = Vec::new();
    let mut numbers: HashMap<(String, String), Accumulator> = HashMap::new();
    let mut copied: Vec<ReportCell> = Vec::new();
    for source in sources {
        // The rows this source contributes, in its order.
        for added in source.rows_added {
            let (code, per_unit) = match &added.catalogue {
                Some(c) => (catalogue_code(c), false),
                None => (unit_code(source.unit, &added.code), true),
            };
            if !rows_added.iter().any(|r| r.code == code) {
                let title = if per_unit { format!("{} — {}", added.title, source.unit_name) } else { added.title.clone() };
                rows_added.push(AddedRow { code, title, catalogue: added.catalogue.clone() });
            }
        }
        for cell in source.cells {
            let Some((col, how)) = columns.get(cell.col.as_str()) else { continue };
            let Some((row, per_unit)) = target_row(form, source, &cell.row) else { continue };
            match how {
                Aggregate::Sum | Aggregate::Mean | Aggregate::Count => {
                    let Some(x) = cell.value.as_f64() else { continue };
                    let acc = numbers.entry((row, col.code.clone())).or_default();
                    acc.sum += x;
                    acc.count += 1;
                }
                Aggregate::CopyPerUnit if per_unit => copied.push(ReportCell { row, col: col.code.clone(), value: cell.value.clone() }),
                Aggregate::CopyPerUnit | Aggregate::None => {}
            }
        }
    }
    let mut cells: Vec<ReportCell> = numbers
        .into_iter()
        .filter_map(|((row, col), acc)| {
            let (column, how) = columns.get(col.as_str())?;
            let x = match how {
                Aggregate::Sum => acc.sum,
                Aggregate::Count => f64::from(acc.count),
                Aggregate::Mean => acc.sum / f64::from(acc.count.max(1)),
                Aggregate::CopyPerUnit | Aggregate::None => return None,
            };
            Some(ReportCell { row, col, value: number(x, column.cell_type, *how) })
        })
        .collect();
    cells.extend(copied);
    // A stable order: rows as the form and the sources give them, columns as the form does.
    let row_order: HashMap<&str, usize> =
        form.rows.iter().map(|r| r.code.as_str()).chain(rows_added.iter().map(|r| r.code.as_str())).enumerate().map(|(i, c)| (c, i)).collect();
    let col_order: HashMap<&str, usize> = form.columns.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    cells.sort_by_key(|c| (row_order.get(c.row.as_str()).copied().unwrap_or(usize::MAX), col_order.get(c.col.as_str()).copied().unwrap_or(usize::MAX)));
    Combined { cells, rows_added }
}

fn number(x: f64, cell_type: CellType, how: Aggregate) -> Value {
    let whole = x.fract() == 0.0 && x.abs() < 9.0e15;
    match (cell_type, how) {
        (CellType::Integer, _) | (_, Aggregate::Count) if whole => Value::from(x as i64),
        _ => serde_json::Number::from_f64((x * 100.0).round() / 100.0).map_or(Value::Null, Value::Number),
    }
}

/// The rows of one source that feed an aggregated row (usually one).
pub fn source_rows(form: &Form, source: &Source<'_>, aggregate_row: &str) -> Vec<String> {
    // The total row is recomputed, not added up, but each unit's total is what it contributed.
    if form.rows.iter().any(|r| r.total && r.code == aggregate_row) {
        return vec![aggregate_row.to_owned()];
    }
    let mut rows: Vec<String> = source.cells.iter().map(|c| c.row.clone()).chain(source.rows_added.iter().map(|r| r.code.clone())).collect();
    rows.sort();
    rows.dedup();
    rows.into_iter().filter(|r| target_row(form, source, r).is_some_and(|(t, _)| t == aggregate_row)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use baocao_plugins::abi::{Row, RowMode, Text};
    use serde_json::json;

    fn col(code: &str, cell_type: CellType, aggregate: Option<Aggregate>) -> Column {
        Column { code: code.into(), number: 3, header: vec![code.into()], cell_type, formula: None, fill_groups: vec![], aggregate }
    }

    fn form() -> Form {
        let mut total = col("c3", CellType::Integer, None);
        total.formula = Some(baocao_plugins::abi::Formula::Sum { of: vec!["c4".into(), "c5".into()] });
        Form {
            code: "T.01".into(),
            title: Text::new("T", "T"),
            unit_of_measure: None,
            columns: vec![
                total,
                col("c4", CellType::Integer, None),
                col("c5", CellType::Integer, None),
                col("score", CellType::Decimal, Some(Aggregate::Mean)),
                col("units", CellType::Integer, Some(Aggregate::Count)),
                col("own", CellType::Integer, Some(Aggregate::None)),
                col("note", CellType::Text, None),
            ],
            rows: vec![
                Row { code: "1".into(), label: "1".into(), title: "Một".into(), level: 0, mode: RowMode::Fixed, total: false },
                Row { code: "tong".into(), label: "".into(), title: "TỔNG CỘNG".into(), level: 0, mode: RowMode::Fixed, total: true },
            ],
            row_modes: vec![RowMode::Fixed, RowMode::Catalogue, RowMode::FreeText],
            catalogue: Some("linh_vuc_tthc".into()),
            outside_system: false,
            rules: vec![],
            provenance: None,
            groups_sum_children: false,
            scoring: None,
        }
    }

    fn cell(row: &str, col: &str, value: Value) -> ReportCell {
        ReportCell { row: row.into(), col: col.into(), value }
    }

    fn value(c: &Combined, row: &str, col: &str) -> Option<Value> {
        c.cells.iter().find(|x| x.row == row && x.col == col).map(|x| x.value.clone())
    }

    #[test]
    fn fixed_rows_add_up_and_catalogue_rows_link_by_code() {
        let f = form();
        let a_cells = vec![
            cell("1", "c4", json!(2)),
            cell("1", "c5", json!(3)),
            cell("1", "c3", json!(5)),
            cell("tong", "c4", json!(9)),
            cell("x1", "c4", json!(10)),
            cell("x2", "c4", json!(1)),
        ];
        let a_rows = vec![
            AddedRow { code: "x1".into(), title: "Công an".into(), catalogue: Some("cong-an".into()) },
            AddedRow { code: "x2".into(), title: "Tư pháp".into(), catalogue: Some("tu-phap".into()) },
        ];
        let b_cells = vec![cell("1", "c4", json!(4)), cell("x7", "c4", json!(5))];
        let b_rows = vec![AddedRow { code: "x7".into(), title: "Công an".into(), catalogue: Some("cong-an".into()) }];
        let sources = [
            Source { unit: UnitId(11), unit_name: "Xã A", cells: &a_cells, rows_added: &a_rows },
            Source { unit: UnitId(12), unit_name: "Xã B", cells: &b_cells, rows_added: &b_rows },
        ];
        let c = combine(&f, &sources);
        assert_eq!(value(&c, "1", "c4"), Some(json!(6)));
        assert_eq!(value(&c, "1", "c5"), Some(json!(3)));
        assert_eq!(value(&c, "1", "c3"), None, "formula cells are left for the regime");
        assert_eq!(value(&c, "tong", "c4"), None, "totals are recomputed, never added");
        assert_eq!(value(&c, "k.cong-an", "c4"), Some(json!(15)), "the same catalogue entry in two communes is one row");
        assert_eq!(value(&c, "k.tu-phap", "c4"), Some(json!(1)), "a row only one commune added appears");
        assert_eq!(c.rows_added.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(), ["k.cong-an", "k.tu-phap"]);
        assert_eq!(source_rows(&f, &sources[1], "k.cong-an"), ["x7"]);
        assert_eq!(source_rows(&f, &sources[0], "1"), ["1"]);
        assert!(source_rows(&f, &sources[1], "k.tu-phap").is_empty());
        assert_eq!(source_rows(&f, &sources[1], "tong"), ["tong"], "each unit's total stands behind the total");
    }

    #[test]
    fn declared_aggregations_are_honoured() {
        let f = form();
        let a = vec![cell("1", "score", json!(8.5)), cell("1", "units", json!(1)), cell("1", "own", json!(7)), cell("1", "note", json!("ghi chú A"))];
        let b = vec![cell("1", "score", json!(7.0)), cell("1", "units", json!(1))];
        let c = vec![cell("1", "c4", json!(1))];
        let sources = [
            Source { unit: UnitId(1), unit_name: "A", cells: &a, rows_added: &[] },
            Source { unit: UnitId(2), unit_name: "B", cells: &b, rows_added: &[] },
            Source { unit: UnitId(3), unit_name: "C", cells: &c, rows_added: &[] },
        ];
        let out = combine(&f, &sources);
        assert_eq!(value(&out, "1", "score"), Some(json!(7.75)), "a mean over the units that scored");
        assert_eq!(value(&out, "1", "units"), Some(json!(2)), "a count of the units that gave a value");
        assert_eq!(value(&out, "1", "own"), None, "not aggregated: the receiver fills it");
        assert_eq!(value(&out, "1", "note"), None, "text of a shared row is not merged");
    }

    #[test]
    fn free_text_rows_are_listed_per_unit_with_their_text() {
        let f = form();
        let a = vec![cell("x1", "note", json!("Họp giao ban")), cell("x1", "c4", json!(2))];
        let rows_a = vec![AddedRow { code: "x1".into(), title: "Nhiệm vụ 1".into(), catalogue: None }];
        let b = vec![cell("x1", "note", json!("Kiểm tra")), cell("x1", "c4", json!(3))];
        let rows_b = vec![AddedRow { code: "x1".into(), title: "Nhiệm vụ 1".into(), catalogue: None }];
        let sources = [
            Source { unit: UnitId(5), unit_name: "Xã A", cells: &a, rows_added: &rows_a },
            Source { unit: UnitId(6), unit_name: "Xã B", cells: &b, rows_added: &rows_b },
        ];
        let out = combine(&f, &sources);
        assert_eq!(out.rows_added.len(), 2, "the same free-text code in two units stays two rows");
        assert_eq!(out.rows_added[0].title, "Nhiệm vụ 1 — Xã A");
        assert_eq!(value(&out, "u5.x1", "note"), Some(json!("Họp giao ban")));
        assert_eq!(value(&out, "u6.x1", "c4"), Some(json!(3)));
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert_eq!(combine(&form(), &[]), Combined::default());
    }
}
