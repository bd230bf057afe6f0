//! Entry rules: how an edit of a numeric report is applied to its stored
//! content. Who may fill which column ([`Writer`]), how values typed the
//! Vietnamese way become numbers, which numbers a column accepts, and how
//! removed rows, added rows and cells merge into the new content. Every
//! refusal names its cell; nothing here touches storage or the regime.

use std::collections::{HashMap, HashSet};

use baocao_regime_abi::{CellType, Column, Form, RowMode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::content::{AddedRow, NewContent, ReportCell, ReportRow};
use crate::format;
use crate::text::Locale;

/// A cell refused by validation: the row and column codes of the form (absent
/// for a problem of the whole form) and the message in both languages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CellProblem {
    pub row: Option<String>,
    pub col: Option<String>,
    pub message: String,
    pub message_en: String,
}

/// A problem of one cell (or of the whole form when both codes are absent).
pub fn cell_problem(row: Option<&str>, col: Option<&str>, vi: impl Into<String>, en: impl Into<String>) -> CellProblem {
    CellProblem { row: row.map(str::to_owned), col: col.map(str::to_owned), message: vi.into(), message_en: en.into() }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CellInput {
    pub row: String,
    pub col: String,
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RowInput {
    /// Leave out to let the server pick a code (returned in `rows_added`).
    #[serde(default)]
    pub code: Option<String>,
    pub title: String,
    /// For rows picked from the form's catalogue: the entry's code.
    #[serde(default)]
    pub catalogue: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct DataInput {
    pub version: i32,
    /// Cells to set; a cell not named keeps its value, `null` clears it.
    #[serde(default)]
    pub cells: Vec<CellInput>,
    #[serde(default)]
    pub rows_added: Vec<RowInput>,
    /// Codes of added rows to remove, with their cells.
    #[serde(default)]
    pub rows_removed: Vec<String>,
}

/// A clause as a sentence: its first letter upper-case, a full stop at the end.
fn capitalise(clause: &str) -> String {
    let mut chars = clause.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Values typed the Vietnamese way ("1.500", "8,5") become numbers before
/// the regime sees them; anything else is left for its validation to name.
pub fn normalise(value: serde_json::Value, cell_type: CellType) -> serde_json::Value {
    use serde_json::Value;
    match (&value, cell_type) {
        (Value::String(s), CellType::Integer | CellType::Decimal | CellType::Percent) => {
            let t = s.trim();
            if t.is_empty() {
                return Value::Null;
            }
            match format::parse_number(t) {
                Some(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => Value::from(x as i64),
                Some(x) => serde_json::Number::from_f64(x).map_or(value, Value::Number),
                None => value,
            }
        }
        (Value::String(s), CellType::Text | CellType::Date) if s.trim().is_empty() => Value::Null,
        _ => value,
    }
}

/// The numbers a column accepts: the regime's declared bounds, else the
/// platform's for the type — integers stay exact in a double (±2⁵³ − 1),
/// decimals and percentages within ±10¹⁵. With every entered value bounded,
/// the regimes' sums and ratios cannot overflow to infinity either; a
/// computed value past its column's bounds is refused like an entered one.
pub fn number_bounds(column: &Column) -> (f64, f64) {
    const EXACT: f64 = 9_007_199_254_740_991.0;
    const DECIMAL: f64 = 1e15;
    let limit = if column.cell_type == CellType::Integer { EXACT } else { DECIMAL };
    (column.min.unwrap_or(-limit), column.max.unwrap_or(limit))
}

/// A number outside its column's bounds, named by its cell; `None` when the value is fine.
pub fn out_of_bounds(row: &str, column: &Column, value: &serde_json::Value) -> Option<CellProblem> {
    if matches!(column.cell_type, CellType::Text | CellType::Date) {
        return None;
    }
    let x = value.as_f64()?;
    let (min, max) = number_bounds(column);
    if x.is_finite() && (min..=max).contains(&x) {
        return None;
    }
    let (lo, hi) = (format::number(min, 0, Locale::Vi), format::number(max, 0, Locale::Vi));
    let (lo_en, hi_en) = (format::number(min, 0, Locale::En), format::number(max, 0, Locale::En));
    Some(cell_problem(
        Some(row),
        Some(&column.code),
        format!("Giá trị ở cột ({}) phải nằm trong khoảng từ {lo} đến {hi}.", column.number),
        format!("The value in column ({}) must be between {lo_en} and {hi_en}.", column.number),
    ))
}

/// Who writes a report's cells. The reporting unit enters its data while the
/// report is editable; the columns a regime reserves to groups (`fill_groups`,
/// such as Thái Bình's appraisal score) are filled at the receiving unit, by
/// a checker in one of those groups, after the report was sent and before it
/// is accepted ("thẩm định").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writing {
    Entry,
    Appraisal,
}

/// A writer and the groups it holds where it writes: which columns it may fill.
#[derive(Debug, Clone)]
pub struct Writer {
    pub writing: Writing,
    groups: Vec<String>,
}

impl Writer {
    /// A writer holding `groups` (group codes) at the unit where it writes.
    pub fn new(writing: Writing, groups: Vec<String>) -> Self {
        Writer { writing, groups }
    }

    pub fn may_fill(&self, column: &Column) -> bool {
        let member = column.fill_groups.iter().any(|g| self.groups.contains(g));
        match self.writing {
            Writing::Entry => column.fill_groups.is_empty() || member,
            Writing::Appraisal => member,
        }
    }

    /// Why a column is not this writer's, for refusals.
    pub fn refusal(&self, column: &Column) -> (String, String) {
        let name = column.header.last().cloned().unwrap_or_default();
        match self.writing {
            Writing::Entry => (
                format!(
                    "cột ({}) \"{name}\" chỉ dành cho nhóm {} (đơn vị thẩm định), đơn vị báo cáo không được nhập",
                    column.number,
                    column.fill_groups.join(", ")
                ),
                format!(
                    "column ({}) \"{name}\" is for the group(s) {} (the appraisers); the reporting unit may not fill it",
                    column.number,
                    column.fill_groups.join(", ")
                ),
            ),
            Writing::Appraisal => (
                format!(
                    "cột ({}) \"{name}\" do đơn vị báo cáo nhập; khi thẩm định chỉ được nhập cột dành cho nhóm của bạn",
                    column.number
                ),
                format!(
                    "column ({}) \"{name}\" is the reporting unit's; an appraisal fills only the columns of your groups",
                    column.number
                ),
            ),
        }
    }
}

/// Whether two cell values are the same: numbers up to rounding, else equal.
pub fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

/// Applies an edit to a copy of the stored content: removed rows, added rows,
/// then the cells merged over the stored ones. `catalogue`: the codes the
/// form's catalogue holds (needed when rows are picked from it). Every
/// problem is collected, so one refusal names every offending cell.
pub fn apply_edit(
    report: &ReportRow, form: &Form, input: DataInput, writer: &Writer, catalogue: &HashSet<String>,
) -> Result<NewContent, Vec<CellProblem>> {
    let mut problems = Vec::new();
    if writer.writing == Writing::Appraisal && !(input.rows_added.is_empty() && input.rows_removed.is_empty()) {
        problems.push(cell_problem(
            None,
            None,
            "Khi thẩm định không được thêm hoặc xóa dòng.",
            "An appraisal adds or removes no rows.",
        ));
    }
    let mut rows_added = report.rows_added.clone();
    remove_rows(form, &input.rows_removed, &mut rows_added, &mut problems);
    add_rows(form, input.rows_added, catalogue, &mut rows_added, &mut problems);
    let mut cells: Vec<ReportCell> =
        report.cells.iter().filter(|c| !input.rows_removed.contains(&c.row)).cloned().collect();
    merge_cells(form, &rows_added, input.cells, writer, &mut cells, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    cells.retain(|c| !c.value.is_null());
    Ok(NewContent { expected_version: input.version, cells, rows_added })
}

/// A regime names a row it does not declare — one the unit added — by its
/// code ("x1"); people know that row by the title they gave it.
pub fn name_added_rows(problems: &mut [CellProblem], rows: &[AddedRow]) {
    for problem in problems {
        let Some(row) = rows.iter().find(|r| problem.row.as_deref() == Some(r.code.as_str())) else { continue };
        let (code, title) = (format!("\"{}\"", row.code), format!("\"{}\"", row.title));
        problem.message = problem.message.replace(&code, &title);
        problem.message_en = problem.message_en.replace(&code, &title);
    }
}

/// A value sent for a cell the regime computes.
fn computed_cell(row: &str, column: &Column) -> CellProblem {
    cell_problem(
        Some(row),
        Some(&column.code),
        format!("Cột ({}) ở dòng này được tính tự động, không nhập được.", column.number),
        format!("Column ({}) on this row is computed and cannot be entered.", column.number),
    )
}

/// Removes added rows; a fixed row of the form or an unknown code is refused.
fn remove_rows(form: &Form, removed: &[String], rows_added: &mut Vec<AddedRow>, problems: &mut Vec<CellProblem>) {
    for code in removed {
        if form.rows.iter().any(|r| &r.code == code) {
            problems.push(cell_problem(
                Some(code),
                None,
                "Không thể xóa dòng cố định của biểu mẫu.",
                "A fixed row of the form cannot be removed.",
            ));
        } else if !rows_added.iter().any(|r| &r.code == code) {
            problems.push(cell_problem(
                Some(code),
                None,
                format!("Không có dòng \"{code}\" để xóa."),
                format!("There is no row \"{code}\" to remove."),
            ));
        }
    }
    rows_added.retain(|r| !removed.contains(&r.code));
}

/// Adds rows as the form's row modes allow: picked from its catalogue or typed.
fn add_rows(
    form: &Form, added: Vec<RowInput>, catalogue: &HashSet<String>, rows_added: &mut Vec<AddedRow>,
    problems: &mut Vec<CellProblem>,
) {
    let mut next = rows_added
        .iter()
        .filter_map(|r| r.code.strip_prefix('x').and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0);
    for row in added {
        let title = row.title.trim().to_owned();
        if let Err(problem) = check_added_row(form, &row, &title, catalogue, rows_added) {
            problems.push(problem);
            continue;
        }
        let code = match row.code {
            Some(code) => match check_row_code(form, code, rows_added) {
                Ok(code) => code,
                Err(problem) => {
                    problems.push(problem);
                    continue;
                }
            },
            None => {
                next += 1;
                format!("x{next}")
            }
        };
        rows_added.push(AddedRow { code, title, catalogue: row.catalogue });
    }
}

/// An added row as the form's row modes allow it: a title, and for a
/// catalogue row an entry of the catalogue not picked yet.
fn check_added_row(
    form: &Form, row: &RowInput, title: &str, catalogue: &HashSet<String>, rows_added: &[AddedRow],
) -> Result<(), CellProblem> {
    let mode = if row.catalogue.is_some() { RowMode::Catalogue } else { RowMode::FreeText };
    if !form.row_modes.contains(&mode) {
        let (vi, en) =
            if row.catalogue.is_some() { (" từ danh mục", "catalogue") } else { (" tự nhập", "free-text") };
        return Err(cell_problem(
            row.code.as_deref(),
            None,
            format!("Biểu mẫu {} không cho phép thêm dòng{vi}.", form.code),
            format!("Form {} does not allow adding {en} rows.", form.code),
        ));
    }
    if title.is_empty() || title.chars().count() > 500 {
        return Err(cell_problem(
            row.code.as_deref(),
            None,
            "Tên chỉ tiêu của dòng thêm không được để trống (tối đa 500 ký tự).",
            "An added row needs a title (up to 500 characters).",
        ));
    }
    let Some(c) = &row.catalogue else { return Ok(()) };
    if !catalogue.contains(c) {
        let name = form.catalogue.as_deref().unwrap_or_default();
        return Err(cell_problem(
            None,
            None,
            format!("Mã \"{c}\" không có trong danh mục {name}."),
            format!("The code \"{c}\" is not in the catalogue {name}."),
        ));
    }
    if rows_added.iter().any(|r| r.catalogue.as_ref() == Some(c)) {
        return Err(cell_problem(
            None,
            None,
            format!("Dòng \"{title}\" đã có trong biểu mẫu."),
            format!("Row \"{title}\" is already in the form."),
        ));
    }
    Ok(())
}

/// A code the writer chose for an added row: new, and of letters, digits, '-', '_', '.'.
fn check_row_code(form: &Form, code: String, rows_added: &[AddedRow]) -> Result<String, CellProblem> {
    if form.rows.iter().any(|r| r.code == code) || rows_added.iter().any(|r| r.code == code) {
        return Err(cell_problem(
            Some(&code),
            None,
            format!("Mã dòng \"{code}\" đã tồn tại."),
            format!("Row code \"{code}\" already exists."),
        ));
    }
    let well_formed = !code.is_empty()
        && code.len() <= 40
        && code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !well_formed {
        return Err(cell_problem(
            Some(&code),
            None,
            "Mã dòng chỉ gồm chữ, số, '-', '_', '.'.",
            "A row code has letters, digits, '-', '_', '.' only.",
        ));
    }
    Ok(code)
}

/// Merges the edited cells over the stored ones. Computed cells are left to
/// the regime; a column the writer may not fill, or a value out of bounds, is refused.
fn merge_cells(
    form: &Form, rows_added: &[AddedRow], edited: Vec<CellInput>, writer: &Writer, cells: &mut Vec<ReportCell>,
    problems: &mut Vec<CellProblem>,
) {
    let columns: HashMap<&str, &Column> = form.columns.iter().map(|c| (c.code.as_str(), c)).collect();
    let row_known = |code: &str| form.rows.iter().any(|r| r.code == code) || rows_added.iter().any(|r| r.code == code);
    for cell in edited {
        let Some(col) = columns.get(cell.col.as_str()) else {
            problems.push(cell_problem(
                Some(&cell.row),
                Some(&cell.col),
                format!("Biểu mẫu không có cột \"{}\".", cell.col),
                format!("The form has no column \"{}\".", cell.col),
            ));
            continue;
        };
        if !row_known(&cell.row) {
            problems.push(cell_problem(
                Some(&cell.row),
                Some(&cell.col),
                format!("Biểu mẫu không có dòng \"{}\".", cell.row),
                format!("The form has no row \"{}\".", cell.row),
            ));
            continue;
        }
        let value = normalise(cell.value, col.cell_type);
        if let Some(problem) = out_of_bounds(&cell.row, col, &value) {
            problems.push(problem);
            continue;
        }
        let stored = cells.iter().position(|c| c.row == cell.row && c.col == cell.col);
        let unchanged = stored.map_or(value.is_null(), |i| cells[i].value == value);
        if unchanged {
            continue;
        }
        if form.computes_column(&col.code) || form.computes_row(&cell.row) {
            // The grid shows computed cells read-only and the workbook import
            // reads over them, so a value here came from a client that meant
            // it: say it cannot be kept rather than drop it.
            problems.push(computed_cell(&cell.row, col));
            continue;
        }
        if !writer.may_fill(col) {
            let (vi, en) = writer.refusal(col);
            problems.push(cell_problem(Some(&cell.row), Some(&cell.col), capitalise(&vi), capitalise(&en)));
            continue;
        }
        match stored {
            Some(i) => cells[i].value = value,
            None => cells.push(ReportCell { row: cell.row, col: cell.col, value }),
        }
    }
}
