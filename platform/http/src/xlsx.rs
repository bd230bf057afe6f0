//! "Tải xuống": a numeric report as an .xlsx workbook laid out like the
//! printed form — title, unit and period, the multi-level headers merged as
//! on paper with their column numbers, an indicator-code column ("MÃ CHỈ
//! TIÊU", column B) and the data from column E, which are the defaults of the
//! import dialog. Formula and total cells are locked (the sheet is protected
//! without a password, so they read as computed, not as a lock-out);
//! entered cells stay editable.

use baocao_domain::format;
use baocao_domain::text::Locale;
use baocao_plugins::abi::{CellType, Form};
use baocao_storage::ReportRow;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::error::AppError;
use crate::pages::reports::display_rows;

/// Column of the indicator codes (B) and of the first data column (E), zero-based.
pub const CODE_COL: u16 = 1;
pub const FIRST_DATA_COL: u16 = 4;
/// Largest workbook accepted for import.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

fn xlsx_error(e: XlsxError) -> AppError {
    AppError::Internal(format!("writing the workbook: {e}"))
}

pub struct Names<'a> {
    pub unit: &'a str,
    pub receiver: &'a str,
}

pub fn export(form: &Form, report: &ReportRow, names: Names<'_>) -> Result<Vec<u8>, AppError> {
    build(form, report, names).map_err(xlsx_error)
}

fn build(form: &Form, report: &ReportRow, names: Names<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&form.code))?;
    let last_col = FIRST_DATA_COL + form.columns.len() as u16 - 1;
    let title = Format::new().set_bold().set_font_size(13).set_align(FormatAlign::Center).set_text_wrap();
    let plain = Format::new();
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_background_color(Color::RGB(0xE9EEF4));
    let number_row = Format::new().set_italic().set_border(FormatBorder::Thin).set_align(FormatAlign::Center);
    let text_cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap().set_unlocked();
    let code_cell = Format::new().set_border(FormatBorder::Thin);
    let locked_text = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    let number_format = |cell_type: CellType| match cell_type {
        CellType::Integer => "#,##0",
        CellType::Decimal | CellType::Percent => "#,##0.##",
        CellType::Text | CellType::Date => "@",
    };

    sheet.merge_range(0, 0, 0, last_col, &form.title.vi, &title)?;
    let period = report.period.label();
    sheet.write_string_with_format(1, 0, format!("Đơn vị báo cáo: {}", names.unit), &plain)?;
    sheet.write_string_with_format(2, 0, format!("Đơn vị nhận báo cáo: {}", names.receiver), &plain)?;
    sheet.write_string_with_format(
        3,
        0,
        format!("Kỳ báo cáo: {} — số liệu từ {} đến {}", period.vi, format::date(report.data_from, Locale::Vi), format::date(report.data_to, Locale::Vi)),
        &plain,
    )?;
    sheet.write_string_with_format(4, 0, format!("Biểu mẫu: {} ({} phiên bản {})", form.code, report.regime, report.regime_version), &plain)?;
    if let Some(u) = &form.unit_of_measure {
        sheet.write_string_with_format(4, FIRST_DATA_COL, u, &plain)?;
    }

    // Headers: the first four columns span every header row; the form's own merge as on paper.
    let levels = crate::pages::regimes::header_rows(form);
    let top = 6u32;
    let depth = levels.len() as u32;
    for (col, text) in [(0u16, "STT"), (CODE_COL, "MÃ CHỈ TIÊU"), (2, "Chỉ tiêu"), (3, "Đơn vị tính")] {
        if depth > 1 {
            sheet.merge_range(top, col, top + depth - 1, col, text, &header)?;
        } else {
            sheet.write_string_with_format(top, col, text, &header)?;
        }
    }
    for (level, cells) in levels.iter().enumerate() {
        let row = top + level as u32;
        let mut col = FIRST_DATA_COL;
        // Skip the columns a taller header above already covers.
        let mut covered = vec![false; form.columns.len()];
        for (above, cells_above) in levels.iter().enumerate().take(level) {
            let mut c = 0usize;
            for (_, span, rowspan) in cells_above {
                if above + rowspan > level {
                    covered.iter_mut().skip(c).take(*span).for_each(|k| *k = true);
                }
                c += span;
            }
        }
        let mut index = 0usize;
        for (text, span, rowspan) in cells {
            while index < covered.len() && covered[index] {
                index += 1;
                col += 1;
            }
            let (last_row, last_col) = (row + *rowspan as u32 - 1, col + *span as u16 - 1);
            if last_row > row || last_col > col {
                sheet.merge_range(row, col, last_row, last_col, text, &header)?;
            } else {
                sheet.write_string_with_format(row, col, text, &header)?;
            }
            index += span;
            col += *span as u16;
        }
    }
    let numbers = top + depth;
    for (col, text) in [(0u16, "1"), (CODE_COL, ""), (2, "2"), (3, "")] {
        sheet.write_string_with_format(numbers, col, text, &number_row)?;
    }
    for (i, c) in form.columns.iter().enumerate() {
        sheet.write_string_with_format(numbers, FIRST_DATA_COL + i as u16, format!("({})", c.number), &number_row)?;
    }

    // Data rows.
    let values: std::collections::HashMap<(&str, &str), &serde_json::Value> =
        report.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    for (i, r) in display_rows(form, report).iter().enumerate() {
        let row = numbers + 1 + i as u32;
        let label = if r.total { Format::new().set_bold().set_border(FormatBorder::Thin) } else { code_cell.clone() };
        sheet.write_string_with_format(row, 0, &r.label, &label)?;
        sheet.write_string_with_format(row, CODE_COL, &r.code, &code_cell)?;
        sheet.write_string_with_format(row, 2, &r.title, &label)?;
        sheet.write_string_with_format(row, 3, "", &code_cell)?;
        for (j, c) in form.columns.iter().enumerate() {
            let col = FIRST_DATA_COL + j as u16;
            let computed = r.total || c.formula.is_some();
            let numeric = Format::new().set_border(FormatBorder::Thin).set_num_format(number_format(c.cell_type));
            let format = if computed { numeric.set_background_color(Color::RGB(0xF3F5F8)) } else { numeric.set_unlocked() };
            match values.get(&(r.code.as_str(), c.code.as_str())) {
                Some(serde_json::Value::Number(n)) => {
                    sheet.write_number_with_format(row, col, n.as_f64().unwrap_or(0.0), &format)?;
                }
                Some(serde_json::Value::String(s)) => {
                    sheet.write_string_with_format(row, col, s, if computed { &locked_text } else { &text_cell })?;
                }
                _ => {
                    sheet.write_blank(row, col, &format)?;
                }
            }
        }
    }
    sheet.set_column_width(0, 6)?;
    sheet.set_column_width(CODE_COL, 14)?;
    sheet.set_column_width(2, 40)?;
    sheet.set_column_width(3, 10)?;
    for j in 0..form.columns.len() as u16 {
        sheet.set_column_width(FIRST_DATA_COL + j, 14)?;
    }
    sheet.protect();
    workbook.save_to_buffer()
}

/// Excel sheet names: at most 31 characters, none of []:*?/\.
fn sheet_name(code: &str) -> String {
    code.chars().map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '-' } else { c }).take(31).collect()
}

// ---------------------------------------------------------------- import ---

/// The import dialog's parameters (handbook §2.1.g): the indicator-code
/// column (default B), the first data column (default E), and the first and
/// last data rows (1-based; found automatically when absent).
#[derive(Debug, Clone)]
pub struct ImportParams {
    pub code_col: u32,
    pub data_col: u32,
    pub from_row: Option<u32>,
    pub to_row: Option<u32>,
}

/// "B" → 1 (zero-based column index); letters only, up to three.
pub fn column_index(letters: &str) -> Option<u32> {
    let t = letters.trim();
    if t.is_empty() || t.len() > 3 || !t.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(t.chars().fold(0u32, |n, c| n * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1)) - 1)
}

fn column_letters(mut index: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (index % 26) as u8) as char);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    out.iter().rev().collect()
}

/// A number as the API stores it: whole numbers as integers (1.250 → 1250), others as decimals.
fn number_value(x: f64) -> serde_json::Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        serde_json::Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}

/// Where a refusal points: "Trang tính "X", dòng 12, cột F".
fn place(sheet: &str, row: u32, col: u32) -> (String, String) {
    (
        format!("Trang tính \"{sheet}\", dòng {}, cột {}", row + 1, column_letters(col)),
        format!("Sheet \"{sheet}\", row {}, column {}", row + 1, column_letters(col)),
    )
}

/// The cells a workbook sets, read as Vietnamese users type numbers ("8,5",
/// "1.500"), or every problem found, each naming its sheet, row and column.
pub fn read(bytes: &[u8], form: &Form, report: &ReportRow, params: &ImportParams) -> Result<Vec<crate::reports::CellInput>, Vec<crate::error::CellProblem>> {
    use calamine::{Data, Reader, open_workbook_auto_from_rs};
    let problem = |vi: String, en: String| crate::error::CellProblem { row: None, col: None, message: vi, message_en: en };
    let mut book = match open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec())) {
        Ok(book) => book,
        Err(_) => {
            return Err(vec![problem(
                "Tập tin không phải sổ tính Excel (.xlsx, .xls) đọc được, hoặc đã được đặt mật khẩu.".into(),
                "The file is not a readable Excel workbook (.xlsx, .xls), or it is encrypted.".into(),
            )]);
        }
    };
    let Some(sheet) = book.sheet_names().first().cloned() else {
        return Err(vec![problem("Sổ tính không có trang tính nào.".into(), "The workbook has no sheet.".into())]);
    };
    let range = book
        .worksheet_range(&sheet)
        .map_err(|_| vec![problem(format!("Không đọc được trang tính \"{sheet}\"."), format!("Sheet \"{sheet}\" cannot be read."))])?;
    let at = |row: u32, col: u32| range.get_value((row, col)).cloned().unwrap_or(Data::Empty);
    let text = |d: &Data| match d {
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        _ => String::new(),
    };
    let fixed: std::collections::HashSet<&str> = form.rows.iter().map(|r| r.code.as_str()).collect();
    let added: std::collections::HashSet<&str> = report.rows_added.iter().map(|r| r.code.as_str()).collect();
    let total: Option<&str> = form.rows.iter().find(|r| r.total).map(|r| r.code.as_str());
    let (height, _) = range.end().unwrap_or((0, 0));
    let mut problems = Vec::new();

    // The column numbers "(3) (4) …" must stand where the form has them: a moved or inserted column is refused.
    // The row of column numbers is the first whose first data cell reads "(n)".
    let is_number_label = |s: &str| s.len() > 2 && s.starts_with('(') && s.ends_with(')') && s[1..s.len() - 1].chars().all(|c| c.is_ascii_digit());
    let numbers_row = (0..=height).find(|&r| is_number_label(&text(&at(r, params.data_col))));
    if let Some(r) = numbers_row {
        for (j, c) in form.columns.iter().enumerate() {
            let col = params.data_col + j as u32;
            let found = text(&at(r, col));
            if found != format!("({})", c.number) {
                let (vi, en) = place(&sheet, r, col);
                problems.push(problem(
                    format!("{vi}: cấu trúc biểu mẫu đã bị thay đổi (cần cột ({}), thấy \"{found}\").", c.number),
                    format!("{en}: the form's structure was changed (expected column ({}), found \"{found}\").", c.number),
                ));
            }
        }
    }
    let first = params.from_row.map(|r| r.saturating_sub(1)).or(numbers_row.map(|r| r + 1)).unwrap_or(0);
    let last = params.to_row.map(|r| r.saturating_sub(1)).unwrap_or(height).min(height);
    let mut cells = Vec::new();
    for row in first..=last {
        let code = text(&at(row, params.code_col));
        if code.is_empty() || code == "MÃ CHỈ TIÊU" {
            continue;
        }
        if Some(code.as_str()) == total {
            continue;
        }
        if !fixed.contains(code.as_str()) && !added.contains(code.as_str()) {
            let (vi, en) = place(&sheet, row, params.code_col);
            problems.push(problem(
                format!("{vi}: mã chỉ tiêu \"{code}\" không có trong biểu mẫu (dòng bị chèn hoặc mã bị sửa)."),
                format!("{en}: indicator code \"{code}\" is not in the form (an inserted row or an edited code)."),
            ));
            continue;
        }
        for (j, c) in form.columns.iter().enumerate() {
            if c.formula.is_some() {
                continue;
            }
            let col = params.data_col + j as u32;
            let value = match (at(row, col), c.cell_type) {
                (Data::Empty, _) => serde_json::Value::Null,
                (Data::Int(i), CellType::Integer | CellType::Decimal | CellType::Percent) => serde_json::Value::from(i),
                (Data::Float(f), CellType::Integer | CellType::Decimal | CellType::Percent) => {
                    if f.fract() == 0.0 && f.abs() < 9.0e15 {
                        serde_json::Value::from(f as i64)
                    } else {
                        serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)
                    }
                }
                (Data::String(s), CellType::Integer | CellType::Decimal | CellType::Percent) if s.trim().is_empty() => serde_json::Value::Null,
                (Data::String(s), CellType::Integer | CellType::Decimal | CellType::Percent) => match format::parse_number(&s) {
                    Some(x) => number_value(x),
                    None => {
                        let (vi, en) = place(&sheet, row, col);
                        problems.push(problem(
                            format!("{vi}: \"{s}\" không phải là số (cột ({})).", c.number),
                            format!("{en}: \"{s}\" is not a number (column ({})).", c.number),
                        ));
                        continue;
                    }
                },
                (other, CellType::Text | CellType::Date) => serde_json::Value::String(text(&other)),
                (other, _) => {
                    let (vi, en) = place(&sheet, row, col);
                    problems.push(problem(
                        format!("{vi}: giá trị \"{}\" không hợp lệ.", text(&other)),
                        format!("{en}: the value \"{}\" is not valid.", text(&other)),
                    ));
                    continue;
                }
            };
            cells.push(crate::reports::CellInput { row: code.clone(), col: c.code.clone(), value });
        }
    }
    if problems.is_empty() { Ok(cells) } else { Err(problems) }
}
