//! The generic regime logic: builders for manifests, compute, validate and
//! schedule. Plain Rust with no I/O, used inside plugins and natively by the
//! host's tests and benchmarks.

use std::collections::HashMap;

use baocao_regime_abi::*;
use chrono::{Datelike, Days, NaiveDate};
use serde_json::Value;

// ------------------------------------------------------------- builders ---

pub fn text(vi: &str, en: &str) -> Text {
    Text::new(vi, en)
}

/// A data column: code, printed number, header path (outermost first), type.
pub fn column(code: &str, number: u32, header: &[&str], cell_type: CellType) -> Column {
    Column {
        code: code.to_owned(),
        number,
        header: header.iter().map(|s| (*s).to_owned()).collect(),
        cell_type,
        formula: None,
        fill_groups: Vec::new(),
        aggregate: None,
        min: None,
        max: None,
    }
}

pub trait ColumnExt {
    /// A computed column: the sum of `of`.
    fn sum(self, of: &[&str]) -> Self;
    /// A computed column: numerator / denominator × 100.
    fn percent(self, numerator: &str, denominator: &str) -> Self;
    /// A computed column: Σ coefficient × column.
    fn linear(self, terms: &[(&str, f64)]) -> Self;
    /// A computed column: (Σ numerator) / (Σ denominator) × 100.
    fn ratio(self, numerator: &[&str], denominator: &[&str]) -> Self;
    /// Only these groups may fill the column (e.g. the appraiser).
    fn only(self, groups: &[&str]) -> Self;
    /// How the receiver's report combines this column (default: sum of numbers, text per unit).
    fn aggregate(self, how: Aggregate) -> Self;
}

impl ColumnExt for Column {
    fn sum(mut self, of: &[&str]) -> Self {
        self.formula = Some(Formula::Sum { of: of.iter().map(|s| (*s).to_owned()).collect() });
        self
    }

    fn percent(mut self, numerator: &str, denominator: &str) -> Self {
        self.formula = Some(Formula::Percent { numerator: numerator.to_owned(), denominator: denominator.to_owned() });
        self
    }

    fn linear(mut self, terms: &[(&str, f64)]) -> Self {
        self.formula = Some(Formula::Linear {
            terms: terms.iter().map(|(c, k)| Term { col: (*c).to_owned(), coefficient: *k }).collect(),
        });
        self
    }

    fn ratio(mut self, numerator: &[&str], denominator: &[&str]) -> Self {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        self.formula = Some(Formula::Ratio { numerator: owned(numerator), denominator: owned(denominator) });
        self
    }

    fn aggregate(mut self, how: Aggregate) -> Self {
        self.aggregate = Some(how);
        self
    }

    fn only(mut self, groups: &[&str]) -> Self {
        self.fill_groups = groups.iter().map(|s| (*s).to_owned()).collect();
        self
    }
}

/// A form with nothing but its code and title: fixed rows, no columns, no
/// rules. Build a form with struct-update syntax, stating only what differs:
/// `Form { columns: …, rows: …, ..new_form("IV.01/VPCP/KSTT", text(…, …)) }`.
pub fn new_form(code: &str, title: Text) -> Form {
    Form {
        code: code.to_owned(),
        title,
        unit_of_measure: None,
        columns: Vec::new(),
        rows: Vec::new(),
        row_modes: vec![RowMode::Fixed],
        catalogue: None,
        outside_system: false,
        rules: Vec::new(),
        provenance: None,
        groups_sum_children: false,
        scoring: None,
        computed_rows: None,
        unit_levels: Vec::new(),
        tenants: Vec::new(),
    }
}

pub fn row(code: &str, label: &str, title: &str, level: u8) -> Row {
    Row {
        code: code.to_owned(),
        label: label.to_owned(),
        title: title.to_owned(),
        level,
        mode: RowMode::Fixed,
        total: false,
    }
}

/// A section of an outline (đề cương): its code, the label printed before
/// its title ("I", "1"), the guidance shown to the writer, and its depth.
pub fn section(code: &str, label: &str, title: &str, guidance: &str, level: u8) -> Section {
    Section {
        code: code.to_owned(),
        label: label.to_owned(),
        title: title.to_owned(),
        guidance: guidance.to_owned(),
        level,
    }
}

/// The computed "TỔNG CỘNG" row.
pub fn total_row() -> Row {
    Row {
        code: "tong".to_owned(),
        label: String::new(),
        title: "TỔNG CỘNG".to_owned(),
        level: 0,
        mode: RowMode::Fixed,
        total: true,
    }
}

pub fn rule(left: &str, right: &[&str], text: &str) -> Rule {
    Rule { left: left.to_owned(), right: right.iter().map(|s| (*s).to_owned()).collect(), text: text.to_owned() }
}

// --------------------------------------------------------------- lookup ---

/// The manifest as the plugin states it: since ABI 1.2 every form names the
/// rows the default `compute` fills (the total, and groups that sum their
/// children), unless the regime listed them itself.
pub fn complete(mut manifest: Manifest) -> Manifest {
    if manifest.abi.minor >= 2 {
        for form in &mut manifest.forms {
            if form.computed_rows.is_none() {
                form.computed_rows = Some(form.inferred_computed_rows());
            }
        }
    }
    manifest
}

pub fn form<'a>(manifest: &'a Manifest, code: &str) -> Result<&'a Form, String> {
    manifest.forms.iter().find(|f| f.code == code).ok_or_else(|| format!("unknown form {code}"))
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn to_value(x: f64, cell_type: CellType) -> Value {
    match cell_type {
        CellType::Integer if x.fract() == 0.0 && x.abs() < 9.0e15 => Value::from(x as i64),
        CellType::Percent | CellType::Decimal => Value::from((x * 100.0).round() / 100.0),
        _ => Value::from(x),
    }
}

// -------------------------------------------------------------- compute ---

/// One formula on one row, from the row's values; empty when no input has a value
/// or a denominator is 0.
fn evaluate(formula: &Formula, cell_type: CellType, get: impl Fn(&str) -> Option<f64>) -> Value {
    let sum = |cols: &[String]| -> Option<f64> {
        let parts: Vec<f64> = cols.iter().filter_map(|c| get(c)).collect();
        if parts.is_empty() { None } else { Some(parts.iter().sum()) }
    };
    let ratio = |n: Option<f64>, d: Option<f64>| match (n, d) {
        (Some(n), Some(d)) if d != 0.0 => to_value(n / d * 100.0, cell_type),
        _ => Value::Null,
    };
    match formula {
        Formula::Sum { of } => sum(of).map_or(Value::Null, |x| to_value(x, cell_type)),
        Formula::Percent { numerator, denominator } => ratio(get(numerator), get(denominator)),
        Formula::Linear { terms } => {
            let parts: Vec<f64> = terms.iter().filter_map(|t| get(&t.col).map(|v| v * t.coefficient)).collect();
            if parts.is_empty() { Value::Null } else { to_value(parts.iter().sum(), cell_type) }
        }
        Formula::Ratio { numerator, denominator } => ratio(sum(numerator), sum(denominator)),
    }
}

/// Fills every formula column of every row, then the total row. Entered
/// values in computed cells are replaced; other cells are kept as they are.
pub fn compute(form: &Form, data: FormData) -> FormData {
    let mut grid: HashMap<(String, String), Value> = HashMap::with_capacity(data.cells.len() + form.columns.len());
    // Rows in order of first appearance, with a set to keep the bookkeeping linear.
    let mut rows: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    for cell in data.cells {
        if seen.insert(cell.row.clone()) {
            rows.push(cell.row.clone());
        }
        grid.insert((cell.row, cell.col), cell.value);
    }
    for r in &form.rows {
        if seen.insert(r.code.clone()) {
            rows.push(r.code.clone());
        }
    }
    let declared: HashMap<&str, &Row> = form.rows.iter().map(|r| (r.code.as_str(), r)).collect();
    let total = form.rows.iter().find(|r| r.total).map(|r| r.code.clone());
    let top_level = |code: &str| declared.get(code).map(|r| r.level == 0 && !r.total).unwrap_or(true);
    let formula_columns: Vec<&Column> = form.columns.iter().filter(|c| c.formula.is_some()).collect();
    for row in rows.iter().filter(|r| Some(*r) != total.as_ref()) {
        for col in &formula_columns {
            let Some(formula) = &col.formula else {
                continue;
            };
            let value = evaluate(formula, col.cell_type, |c| grid.get(&(row.clone(), c.to_owned())).and_then(number));
            grid.insert((row.clone(), col.code.clone()), value);
        }
    }
    if form.groups_sum_children {
        // Bottom-up, so that a group inside a group is summed before its parent.
        for (i, group) in form.rows.iter().enumerate().rev() {
            let children: Vec<&Row> = form.rows[i + 1..]
                .iter()
                .take_while(|r| r.level > group.level)
                .filter(|r| r.level == group.level + 1)
                .collect();
            if children.is_empty() || group.total {
                continue;
            }
            for col in form
                .columns
                .iter()
                .filter(|c| matches!(c.cell_type, CellType::Integer | CellType::Decimal) && c.formula.is_none())
            {
                let values: Vec<f64> = children
                    .iter()
                    .filter_map(|r| grid.get(&(r.code.clone(), col.code.clone())).and_then(number))
                    .collect();
                let value = if values.is_empty() { Value::Null } else { to_value(values.iter().sum(), col.cell_type) };
                grid.insert((group.code.clone(), col.code.clone()), value);
            }
        }
    }
    if let Some(total) = &total {
        for col in form.columns.iter().filter(|c| !matches!(c.cell_type, CellType::Text | CellType::Date)) {
            // Ratios are recomputed from the totals; sums and linear formulas add up like entered columns.
            let value = if let Some(formula @ (Formula::Percent { .. } | Formula::Ratio { .. })) = &col.formula {
                evaluate(formula, col.cell_type, |c| grid.get(&(total.clone(), c.to_owned())).and_then(number))
            } else {
                let values: Vec<f64> = rows
                    .iter()
                    .filter(|r| *r != total && top_level(r))
                    .filter_map(|r| grid.get(&(r.clone(), col.code.clone())).and_then(number))
                    .collect();
                if values.is_empty() { Value::Null } else { to_value(values.iter().sum(), col.cell_type) }
            };
            grid.insert((total.clone(), col.code.clone()), value);
        }
    }
    let order: HashMap<&str, usize> = form.columns.iter().enumerate().map(|(i, c)| (c.code.as_str(), i)).collect();
    let mut cells: Vec<Cell> = grid.into_iter().map(|((row, col), value)| Cell { row, col, value }).collect();
    let row_order: HashMap<&String, usize> = rows.iter().enumerate().map(|(i, r)| (r, i)).collect();
    cells.sort_by_key(|c| {
        (row_order.get(&c.row).copied().unwrap_or(usize::MAX), order.get(c.col.as_str()).copied().unwrap_or(usize::MAX))
    });
    FormData { form: data.form, cells }
}

// ------------------------------------------------------------- validate ---

fn describe(form: &Form, row: &str, col: &Column) -> (String, String) {
    let title = form
        .rows
        .iter()
        .find(|r| r.code == row)
        .map(|r| if r.label.is_empty() { r.title.clone() } else { format!("{} {}", r.label, r.title) })
        .unwrap_or_else(|| row.to_owned());
    (format!("Dòng \"{title}\", cột ({})", col.number), format!("Row \"{title}\", column ({})", col.number))
}

/// Cell types, unknown codes and the declared rules, each error naming its cell.
pub fn validate(form: &Form, data: &FormData) -> Vec<CellError> {
    let mut errors = Vec::new();
    if form.outside_system {
        errors.push(CellError {
            row: None,
            col: None,
            message: text("Biểu mẫu này không thực hiện trên hệ thống.", "This form is handled outside the system."),
        });
        return errors;
    }
    let columns: HashMap<&str, &Column> = form.columns.iter().map(|c| (c.code.as_str(), c)).collect();
    let fixed_only = form.row_modes.iter().all(|m| *m == RowMode::Fixed);
    let declared: std::collections::HashSet<&str> = form.rows.iter().map(|r| r.code.as_str()).collect();
    let mut grid: HashMap<(&str, &str), f64> = HashMap::with_capacity(data.cells.len());
    let mut rows: Vec<&str> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for cell in &data.cells {
        let Some(col) = columns.get(cell.col.as_str()) else {
            errors.push(CellError {
                row: Some(cell.row.clone()),
                col: Some(cell.col.clone()),
                message: text(
                    &format!("Biểu mẫu không có cột \"{}\".", cell.col),
                    &format!("The form has no column \"{}\".", cell.col),
                ),
            });
            continue;
        };
        if fixed_only && !declared.contains(cell.row.as_str()) {
            errors.push(CellError {
                row: Some(cell.row.clone()),
                col: Some(cell.col.clone()),
                message: text(
                    &format!("Biểu mẫu không có dòng \"{}\".", cell.row),
                    &format!("The form has no row \"{}\".", cell.row),
                ),
            });
            continue;
        }
        if seen.insert(cell.row.as_str()) {
            rows.push(&cell.row);
        }
        let (vi, en) = describe(form, &cell.row, col);
        let bad = |why_vi: &str, why_en: &str| CellError {
            row: Some(cell.row.clone()),
            col: Some(cell.col.clone()),
            message: text(&format!("{vi}: {why_vi}"), &format!("{en}: {why_en}")),
        };
        match (&cell.value, col.cell_type) {
            (Value::Null, _) => {}
            (Value::Number(n), CellType::Integer) => match n.as_f64() {
                Some(x) if x.fract() == 0.0 && x >= 0.0 => {
                    grid.insert((&cell.row, &cell.col), x);
                }
                Some(x) if x < 0.0 => errors.push(bad("số liệu không được âm.", "the value must not be negative.")),
                _ => errors.push(bad("phải là số nguyên.", "must be a whole number.")),
            },
            (Value::Number(n), CellType::Decimal) => {
                grid.insert((&cell.row, &cell.col), n.as_f64().unwrap_or(0.0));
            }
            (Value::Number(n), CellType::Percent) => match n.as_f64() {
                Some(x) if col.formula.is_some() || (0.0..=100.0).contains(&x) => {
                    grid.insert((&cell.row, &cell.col), x);
                }
                _ => errors.push(bad("tỷ lệ phải từ 0 đến 100.", "a percentage must be between 0 and 100.")),
            },
            (Value::String(_), CellType::Text) => {}
            (Value::String(s), CellType::Date)
                if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
                    || NaiveDate::parse_from_str(s, "%d/%m/%Y").is_ok() => {}
            (_, CellType::Date) => {
                errors.push(bad("ngày không hợp lệ (dd/MM/yyyy).", "not a valid date (dd/MM/yyyy)."))
            }
            (_, CellType::Text) => errors.push(bad("phải là văn bản.", "must be text.")),
            _ => errors.push(bad("phải là số.", "must be a number.")),
        }
    }
    for rule in &form.rules {
        let Some(left_col) = columns.get(rule.left.as_str()) else {
            continue;
        };
        for row in &rows {
            let Some(left) = grid.get(&(*row, rule.left.as_str())) else {
                continue;
            };
            let right: f64 = rule.right.iter().filter_map(|c| grid.get(&(*row, c.as_str()))).sum();
            if (left - right).abs() > 1e-9 {
                let (vi, en) = describe(form, row, left_col);
                errors.push(CellError {
                    row: Some((*row).to_owned()),
                    col: Some(rule.left.clone()),
                    message: text(
                        &format!(
                            "{vi}: vi phạm ràng buộc {} ({} ≠ {}).",
                            rule.text,
                            vi_number(*left),
                            vi_number(right)
                        ),
                        &format!("{en}: breaks {} ({} ≠ {}).", rule.text, en_number(*left), en_number(right)),
                    ),
                });
            }
        }
    }
    errors
}

/// A number as Vietnamese readers write it: 2.400 and 8,5.
fn vi_number(x: f64) -> String {
    grouped(x, '.', ',')
}

/// A number as English readers write it: 2,400 and 8.5.
fn en_number(x: f64) -> String {
    grouped(x, ',', '.')
}

fn grouped(x: f64, thousands: char, decimal: char) -> String {
    let plain = if x.fract() == 0.0 { format!("{}", x.abs() as i64) } else { format!("{}", x.abs()) };
    let (whole, fraction) = plain.split_once('.').unwrap_or((plain.as_str(), ""));
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(thousands);
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push(decimal);
        out.push_str(fraction);
    }
    out
}

// ---------------------------------------------------------------- score ---

/// Totals of a scoring form per unit (from computed forms) and competition
/// ranking (1, 2, 2, 4): the appraised total when the appraiser scored every
/// criterion the unit scored, else the self-assessed total.
pub fn score(form: &Form, units: &[(String, FormData)]) -> Result<Vec<UnitScore>, String> {
    let scoring = form.scoring.as_ref().ok_or_else(|| format!("form {} is not a scoring form", form.code))?;
    let leaves: Vec<&Row> = form
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| !r.total && form.rows.get(i + 1).is_none_or(|next| next.level <= r.level))
        .map(|(_, r)| r)
        .collect();
    let mut scores = Vec::with_capacity(units.len());
    for (unit, data) in units {
        let get = |row: &str, col: &str| {
            data.cells.iter().find(|c| c.row == row && c.col == col).and_then(|c| number(&c.value))
        };
        let self_score: f64 = leaves.iter().filter_map(|r| get(&r.code, &scoring.self_column)).sum();
        let complete = leaves
            .iter()
            .all(|r| get(&r.code, &scoring.self_column).is_none() || get(&r.code, &scoring.appraised_column).is_some());
        let appraised: f64 = leaves.iter().filter_map(|r| get(&r.code, &scoring.appraised_column)).sum();
        let appraised_score = complete.then_some((appraised * 100.0).round() / 100.0);
        let self_score = (self_score * 100.0).round() / 100.0;
        scores.push(UnitScore {
            unit: unit.clone(),
            self_score,
            appraised_score,
            final_score: appraised_score.unwrap_or(self_score),
            rank: 0,
        });
    }
    scores.sort_by(|a, b| b.final_score.total_cmp(&a.final_score).then_with(|| a.unit.cmp(&b.unit)));
    for i in 0..scores.len() {
        scores[i].rank =
            if i > 0 && scores[i].final_score == scores[i - 1].final_score { scores[i - 1].rank } else { i as u32 + 1 };
    }
    Ok(scores)
}

// ------------------------------------------------------------- schedule ---

fn day(y: i32, m: u32, d: u32) -> Result<NaiveDate, String> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("invalid date {y}-{m}-{d}"))
}

/// The 15th of the month before `month` of `year` (December of the previous year for January).
fn window_start(year: i32, month: u32) -> Result<NaiveDate, String> {
    if month == 1 { day(year - 1, 12, 15) } else { day(year, month - 1, 15) }
}

/// Data windows per Decree 09/2019 Art. 12: from the 15th of the month before
/// the period to the 14th of its last month; deadlines per level after the cut-off.
pub fn schedule(manifest: &Manifest, request: &ScheduleRequest) -> Result<Vec<PeriodWindow>, String> {
    if !manifest.periods.contains(&request.period) {
        return Err(format!("the regime {} does not report by {:?}", manifest.code, request.period));
    }
    let y = request.year;
    // (number, first month, last month) of each period of the year.
    let spans: Vec<(u32, u32, u32)> = match request.period {
        PeriodType::Month => (1..=12).map(|m| (m, m, m)).collect(),
        PeriodType::Quarter => (1..=4).map(|q| (q, 3 * q - 2, 3 * q)).collect(),
        PeriodType::HalfYear => vec![(1, 1, 6), (2, 7, 12)],
        PeriodType::NineMonths => vec![(1, 1, 9)],
        PeriodType::Year => vec![(1, 1, 12)],
    };
    let mut out = Vec::with_capacity(spans.len());
    for (number, first, last) in spans {
        let from = window_start(y, first)?;
        let to = day(y, last, 14)?;
        let opens = to.checked_add_days(Days::new(1)).ok_or("date overflow")?;
        let mut deadlines = Vec::new();
        for d in &manifest.deadlines {
            let date = to.checked_add_days(Days::new(u64::from(d.days_after_cutoff))).ok_or("date overflow")?;
            deadlines.push(LevelDeadline { level: d.level.clone(), date: iso(date) });
        }
        out.push(PeriodWindow {
            period: request.period,
            number,
            data_from: iso(from),
            data_to: iso(to),
            entry_opens: iso(opens),
            deadlines,
        });
    }
    Ok(out)
}

fn iso(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod number_tests {
    use super::{en_number, vi_number};

    #[test]
    fn messages_write_numbers_the_readers_way() {
        assert_eq!(vi_number(2400.0), "2.400");
        assert_eq!(vi_number(1500.5), "1.500,5");
        assert_eq!(vi_number(-1234567.0), "-1.234.567");
        assert_eq!(vi_number(8.5), "8,5");
        assert_eq!(vi_number(300.0), "300");
        assert_eq!(en_number(2050.25), "2,050.25");
    }
}
