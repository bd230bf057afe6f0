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

use crate::content::{AddedRow, ReportCell};
use crate::ids::UnitId;
use crate::numbers::NumberGrid;
use baocao_regime_abi::{Aggregate, CellType, Column, Form, RowMode};
use serde_json::Value;

/// One accepted report of a lower unit.
pub struct Source<'a> {
    pub unit: UnitId,
    pub unit_name: &'a str,
    /// Its numbers, as stored for aggregation.
    pub numbers: &'a NumberGrid,
    /// Its cells; only text copied per unit is read from here.
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

/// Whether an aggregation of this form copies text per unit (and so needs the sources' cells, not only their numbers).
pub fn copies_text(form: &Form) -> bool {
    form.row_modes.contains(&RowMode::FreeText) && form.columns.iter().any(|c| how(c) == Aggregate::CopyPerUnit)
}

fn catalogue_code(catalogue: &str) -> String {
    let safe: String = catalogue
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' })
        .collect();
    format!("k.{safe}")
}

fn unit_code(unit: UnitId, row: &str) -> String {
    format!("u{}.{row}", unit.0)
}

/// Where a source's rows go in the aggregate: the same fixed row, the row of
/// their catalogue entry, or a row of the unit's own (free text). Built once
/// per source, so each of its cells is placed without searching.
struct Placement<'a> {
    fixed: &'a HashMap<&'a str, bool>,
    added: HashMap<&'a str, &'a AddedRow>,
    unit: UnitId,
}

impl<'a> Placement<'a> {
    fn new(fixed: &'a HashMap<&'a str, bool>, source: &'a Source<'a>) -> Self {
        Placement { fixed, added: source.rows_added.iter().map(|r| (r.code.as_str(), r)).collect(), unit: source.unit }
    }

    /// (aggregate row, whether it is the unit's own row); None for the total and unknown rows.
    fn target(&self, row: &str) -> Option<(String, bool)> {
        if let Some(total) = self.fixed.get(row) {
            return (!total).then(|| (row.to_owned(), false));
        }
        let added = self.added.get(row)?;
        Some(match &added.catalogue {
            Some(c) => (catalogue_code(c), false),
            None => (unit_code(self.unit, row), true),
        })
    }
}

fn fixed_rows(form: &Form) -> HashMap<&str, bool> {
    form.rows.iter().map(|r| (r.code.as_str(), r.total)).collect()
}

pub fn combine(form: &Form, sources: &[Source<'_>]) -> Combined {
    let fixed = fixed_rows(form);
    let hows: Vec<Aggregate> = form.columns.iter().map(how).collect();
    let col_index: HashMap<&str, usize> = form.columns.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    let mut totals = Totals::new(form.columns.len());
    let mut rows_added: Vec<AddedRow> = Vec::new();
    let mut copied: Vec<ReportCell> = Vec::new();
    for source in sources {
        let place = Placement::new(&fixed, source);
        for added in source.rows_added {
            let Some((code, per_unit)) = place.target(&added.code) else { continue };
            if !rows_added.iter().any(|r| r.code == code) {
                let title =
                    if per_unit { format!("{} — {}", added.title, source.unit_name) } else { added.title.clone() };
                rows_added.push(AddedRow { code, title, catalogue: added.catalogue.clone() });
            }
        }
        totals.add_source(&place, source.numbers, &col_index, &hows);
        for cell in source.cells {
            let Some(&i) = col_index.get(cell.col.as_str()) else { continue };
            if hows[i] == Aggregate::CopyPerUnit
                && let Some((target, true)) = place.target(&cell.row)
            {
                copied.push(ReportCell { row: target, col: cell.col.clone(), value: cell.value.clone() });
            }
        }
    }
    let mut cells = totals.cells(form, &hows);
    cells.extend(copied);
    // A stable order: rows as the form and the sources give them, columns as the form does.
    let row_order: HashMap<&str, usize> = form
        .rows
        .iter()
        .map(|r| r.code.as_str())
        .chain(rows_added.iter().map(|r| r.code.as_str()))
        .enumerate()
        .map(|(i, c)| (c, i))
        .collect();
    let position = |c: &ReportCell| {
        let row = row_order.get(c.row.as_str()).copied().unwrap_or(usize::MAX);
        (row, col_index.get(c.col.as_str()).copied().unwrap_or(usize::MAX))
    };
    cells.sort_by_key(position);
    Combined { cells, rows_added }
}

/// The aggregate's rows in order of appearance; per (row, column) a sum and a count.
struct Totals {
    width: usize,
    rows: Vec<String>,
    row_index: HashMap<String, usize>,
    sums: Vec<f64>,
    counts: Vec<u32>,
}

impl Totals {
    fn new(width: usize) -> Self {
        Totals { width, rows: Vec::new(), row_index: HashMap::new(), sums: Vec::new(), counts: Vec::new() }
    }

    /// The index of a row of the aggregate, added when first seen.
    fn row(&mut self, target: String) -> usize {
        if let Some(&t) = self.row_index.get(&target) {
            return t;
        }
        self.rows.push(target.clone());
        self.row_index.insert(target, self.rows.len() - 1);
        self.sums.resize(self.rows.len() * self.width, 0.0);
        self.counts.resize(self.rows.len() * self.width, 0);
        self.rows.len() - 1
    }

    /// Adds one source's numbers where its rows land in the aggregate.
    fn add_source(
        &mut self, place: &Placement<'_>, grid: &NumberGrid, col_index: &HashMap<&str, usize>, hows: &[Aggregate],
    ) {
        let numeric = |i: usize| matches!(hows[i], Aggregate::Sum | Aggregate::Mean | Aggregate::Count);
        let cols: Vec<Option<usize>> =
            grid.cols.iter().map(|c| col_index.get(c.as_str()).copied().filter(|&i| numeric(i))).collect();
        for (r, code) in grid.rows.iter().enumerate() {
            let Some((target, _)) = place.target(code) else { continue };
            let t = self.row(target);
            let values = &grid.values[r * grid.cols.len()..(r + 1) * grid.cols.len()];
            for (v, col) in values.iter().zip(&cols) {
                if let Some(i) = col
                    && !v.is_nan()
                {
                    self.sums[t * self.width + i] += v;
                    self.counts[t * self.width + i] += 1;
                }
            }
        }
    }

    /// The aggregate's numeric cells: sums, counts or means as each column asks.
    fn cells(&self, form: &Form, hows: &[Aggregate]) -> Vec<ReportCell> {
        let mut cells = Vec::with_capacity(self.rows.len() * self.width);
        for (t, row) in self.rows.iter().enumerate() {
            for (i, column) in form.columns.iter().enumerate() {
                let n = self.counts[t * self.width + i];
                if n == 0 {
                    continue;
                }
                let sum = self.sums[t * self.width + i];
                let x = match hows[i] {
                    Aggregate::Count => f64::from(n),
                    Aggregate::Mean => sum / f64::from(n),
                    _ => sum,
                };
                cells.push(ReportCell {
                    row: row.clone(),
                    col: column.code.clone(),
                    value: number(x, column.cell_type, hows[i]),
                });
            }
        }
        cells
    }
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
    let fixed = fixed_rows(form);
    let place = Placement::new(&fixed, source);
    let mut rows: Vec<&str> =
        source.cells.iter().map(|c| c.row.as_str()).chain(source.rows_added.iter().map(|r| r.code.as_str())).collect();
    rows.sort_unstable();
    rows.dedup();
    rows.into_iter().filter(|r| place.target(r).is_some_and(|(t, _)| t == aggregate_row)).map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use baocao_regime_abi::{Row, Text};
    use serde_json::json;

    fn col(code: &str, cell_type: CellType, aggregate: Option<Aggregate>) -> Column {
        Column {
            code: code.into(),
            number: 3,
            header: vec![code.into()],
            cell_type,
            formula: None,
            fill_groups: vec![],
            aggregate,
            min: None,
            max: None,
        }
    }

    fn form() -> Form {
        let mut total = col("c3", CellType::Integer, None);
        total.formula = Some(baocao_regime_abi::Formula::Sum { of: vec!["c4".into(), "c5".into()] });
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
                Row {
                    code: "1".into(),
                    label: "1".into(),
                    title: "Một".into(),
                    level: 0,
                    mode: RowMode::Fixed,
                    total: false,
                },
                Row {
                    code: "tong".into(),
                    label: "".into(),
                    title: "TỔNG CỘNG".into(),
                    level: 0,
                    mode: RowMode::Fixed,
                    total: true,
                },
            ],
            row_modes: vec![RowMode::Fixed, RowMode::Catalogue, RowMode::FreeText],
            catalogue: Some("linh_vuc_tthc".into()),
            outside_system: false,
            rules: vec![],
            provenance: None,
            groups_sum_children: false,
            scoring: None,
            computed_rows: None,
            unit_levels: Vec::new(),
            tenants: Vec::new(),
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
            Source {
                unit: UnitId(11),
                unit_name: "Xã A",
                numbers: &NumberGrid::from_cells(&a_cells),
                cells: &a_cells,
                rows_added: &a_rows,
            },
            Source {
                unit: UnitId(12),
                unit_name: "Xã B",
                numbers: &NumberGrid::from_cells(&b_cells),
                cells: &b_cells,
                rows_added: &b_rows,
            },
        ];
        let c = combine(&f, &sources);
        assert_eq!(value(&c, "1", "c4"), Some(json!(6)));
        assert_eq!(value(&c, "1", "c5"), Some(json!(3)));
        assert_eq!(value(&c, "1", "c3"), None, "formula cells are left for the regime");
        assert_eq!(value(&c, "tong", "c4"), None, "totals are recomputed, never added");
        assert_eq!(
            value(&c, "k.cong-an", "c4"),
            Some(json!(15)),
            "the same catalogue entry in two communes is one row"
        );
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
        let a = vec![
            cell("1", "score", json!(8.5)),
            cell("1", "units", json!(1)),
            cell("1", "own", json!(7)),
            cell("1", "note", json!("ghi chú A")),
        ];
        let b = vec![cell("1", "score", json!(7.0)), cell("1", "units", json!(1))];
        let c = vec![cell("1", "c4", json!(1))];
        let sources = [
            Source {
                unit: UnitId(1),
                unit_name: "A",
                numbers: &NumberGrid::from_cells(&a),
                cells: &a,
                rows_added: &[],
            },
            Source {
                unit: UnitId(2),
                unit_name: "B",
                numbers: &NumberGrid::from_cells(&b),
                cells: &b,
                rows_added: &[],
            },
            Source {
                unit: UnitId(3),
                unit_name: "C",
                numbers: &NumberGrid::from_cells(&c),
                cells: &c,
                rows_added: &[],
            },
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
            Source {
                unit: UnitId(5),
                unit_name: "Xã A",
                numbers: &NumberGrid::from_cells(&a),
                cells: &a,
                rows_added: &rows_a,
            },
            Source {
                unit: UnitId(6),
                unit_name: "Xã B",
                numbers: &NumberGrid::from_cells(&b),
                cells: &b,
                rows_added: &rows_b,
            },
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
