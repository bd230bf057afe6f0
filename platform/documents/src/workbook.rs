//! "Tải xuống": a numeric report as an .xlsx workbook laid out like the
//! printed form — title, unit and period, the multi-level headers merged as
//! on paper with their column numbers, an indicator-code column ("MÃ CHỈ
//! TIÊU", column B) and the data from column E, which are the defaults of the
//! import dialog. Formula cells, totals and group sums are locked (the sheet is protected
//! without a password, so they read as computed, not as a lock-out);
//! entered cells stay editable.

use baocao_domain::content::ReportRow;
use baocao_domain::format;
use baocao_domain::layout::display_rows;
use baocao_domain::text::Locale;
use baocao_regime_abi::{CellType, Form};
use std::collections::HashMap;

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::WriteError;

/// Column of the indicator codes (B) and of the first data column (E), zero-based.
pub const CODE_COL: u16 = 1;
pub const FIRST_DATA_COL: u16 = 4;
pub struct Names<'a> {
    pub unit: &'a str,
    pub receiver: &'a str,
}

pub fn export(form: &Form, report: &ReportRow, names: Names<'_>) -> Result<Vec<u8>, WriteError> {
    Ok(build(form, report, names)?)
}

fn build(form: &Form, report: &ReportRow, names: Names<'_>) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&form.code))?;
    write_title(sheet, form, report, &names)?;
    let numbers = write_headers(sheet, form)?;
    write_rows(sheet, form, report, numbers + 1)?;
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

/// The title over the table, then who reports to whom, the period and the form.
fn write_title(sheet: &mut Worksheet, form: &Form, report: &ReportRow, names: &Names<'_>) -> Result<(), XlsxError> {
    let title = Format::new().set_bold().set_font_size(13).set_align(FormatAlign::Center).set_text_wrap();
    let plain = Format::new();
    let last_col = FIRST_DATA_COL + form.columns.len() as u16 - 1;
    sheet.merge_range(0, 0, 0, last_col, &form.title.vi, &title)?;
    let (period, from, to) =
        (report.period.label(), format::date(report.data_from, Locale::Vi), format::date(report.data_to, Locale::Vi));
    let lines = [
        format!("Đơn vị báo cáo: {}", names.unit),
        format!("Đơn vị nhận báo cáo: {}", names.receiver),
        format!("Kỳ báo cáo: {} — số liệu từ {from} đến {to}", period.vi),
        format!("Biểu mẫu: {} ({} phiên bản {})", form.code, report.regime, report.regime_version),
    ];
    for (i, line) in lines.iter().enumerate() {
        sheet.write_string_with_format(1 + i as u32, 0, line, &plain)?;
    }
    if let Some(u) = &form.unit_of_measure {
        sheet.write_string_with_format(4, FIRST_DATA_COL, u, &plain)?;
    }
    Ok(())
}

/// The header rows, merged as on paper, and the row of column numbers;
/// returns the row of the column numbers.
fn write_headers(sheet: &mut Worksheet, form: &Form) -> Result<u32, XlsxError> {
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_background_color(Color::RGB(0xE9EEF4));
    let cells = baocao_domain::layout::header_cells(form);
    let top = 6u32;
    let depth = cells.iter().map(|c| c.level + c.rowspan).max().unwrap_or(1) as u32;
    // The first four columns span every header row.
    for (col, text) in [(0u16, "STT"), (CODE_COL, "MÃ CHỈ TIÊU"), (2, "Chỉ tiêu"), (3, "Đơn vị tính")] {
        if depth > 1 {
            sheet.merge_range(top, col, top + depth - 1, col, text, &header)?;
        } else {
            sheet.write_string_with_format(top, col, text, &header)?;
        }
    }
    for c in &cells {
        let (row, col) = (top + c.level as u32, FIRST_DATA_COL + c.column as u16);
        let (last_row, last_col) = (row + c.rowspan as u32 - 1, col + c.span as u16 - 1);
        if last_row > row || last_col > col {
            sheet.merge_range(row, col, last_row, last_col, &c.text, &header)?;
        } else {
            sheet.write_string_with_format(row, col, &c.text, &header)?;
        }
    }
    let numbers = top + depth;
    let number_row = Format::new().set_italic().set_border(FormatBorder::Thin).set_align(FormatAlign::Center);
    for (col, text) in [(0u16, "1"), (CODE_COL, ""), (2, "2"), (3, "")] {
        sheet.write_string_with_format(numbers, col, text, &number_row)?;
    }
    for (i, c) in form.columns.iter().enumerate() {
        sheet.write_string_with_format(numbers, FIRST_DATA_COL + i as u16, format!("({})", c.number), &number_row)?;
    }
    Ok(numbers)
}

/// The data rows from `first`: computed cells locked and shaded, entered cells editable.
fn write_rows(sheet: &mut Worksheet, form: &Form, report: &ReportRow, first: u32) -> Result<(), XlsxError> {
    let code_cell = Format::new().set_border(FormatBorder::Thin);
    let values: HashMap<(&str, &str), &serde_json::Value> =
        report.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    for (i, r) in display_rows(form, report).iter().enumerate() {
        let row = first + i as u32;
        let label = if r.total { Format::new().set_bold().set_border(FormatBorder::Thin) } else { code_cell.clone() };
        sheet.write_string_with_format(row, 0, &r.label, &label)?;
        sheet.write_string_with_format(row, CODE_COL, &r.code, &code_cell)?;
        sheet.write_string_with_format(row, 2, &r.title, &label)?;
        sheet.write_string_with_format(row, 3, "", &code_cell)?;
        for (j, c) in form.columns.iter().enumerate() {
            let value = values.get(&(r.code.as_str(), c.code.as_str())).copied();
            write_cell(
                sheet,
                row,
                FIRST_DATA_COL + j as u16,
                c.cell_type,
                r.computed || form.computes_column(&c.code),
                value,
            )?;
        }
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet, row: u32, col: u16, cell_type: CellType, computed: bool, value: Option<&serde_json::Value>,
) -> Result<(), XlsxError> {
    let number_format = match cell_type {
        CellType::Integer => "#,##0",
        CellType::Decimal | CellType::Percent => "#,##0.##",
        CellType::Text | CellType::Date => "@",
    };
    let numeric = Format::new().set_border(FormatBorder::Thin).set_num_format(number_format);
    let format = if computed { numeric.set_background_color(Color::RGB(0xF3F5F8)) } else { numeric.set_unlocked() };
    match value {
        Some(serde_json::Value::Number(n)) => {
            sheet.write_number_with_format(row, col, n.as_f64().unwrap_or(0.0), &format)?
        }
        Some(serde_json::Value::String(s)) => {
            let text = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
            let text = if computed { text } else { text.set_unlocked() };
            sheet.write_string_with_format(row, col, s, &text)?
        }
        _ => sheet.write_blank(row, col, &format)?,
    };
    Ok(())
}

/// Excel sheet names: at most 31 characters, none of []:*?/\.
pub(crate) fn sheet_name(code: &str) -> String {
    code.chars().map(|c| if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') { '-' } else { c }).take(31).collect()
}
