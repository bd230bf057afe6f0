//! The compliance figures as a workbook ("Xuất Excel" of the statistics page).

use baocao_domain::compliance::{Compliance, REPORT_COLUMNS, report_line};

use crate::WriteError;

/// The figures as an .xlsx workbook: one sheet per unit below (counts and
/// the on-time share, with the total), one with every report.
pub fn workbook(c: &Compliance, title: &str) -> Result<Vec<u8>, WriteError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let header = Format::new().set_bold().set_border(FormatBorder::Thin).set_text_wrap();
        let cell = Format::new().set_border(FormatBorder::Thin);
        let percent = Format::new().set_border(FormatBorder::Thin).set_num_format("0.0");
        let sheet = book.add_worksheet();
        sheet.set_name("Tổng hợp")?;
        sheet.write_string_with_format(0, 0, title, &bold)?;
        let columns = [
            "Đơn vị",
            "Được giao",
            "Gửi đúng hạn",
            "Gửi trễ hạn",
            "Chưa gửi",
            "Bị từ chối",
            "Đính chính",
            "Tỷ lệ đúng hạn (%)",
        ];
        for (j, h) in columns.iter().enumerate() {
            sheet.write_string_with_format(2, j as u16, *h, &header)?;
        }
        let total_name = format!("Tổng cộng — {}", c.names.get(&c.unit).cloned().unwrap_or_default());
        let lines = c.children.iter().map(|(_, name, s)| (name.clone(), s)).chain([(total_name, &c.total)]);
        for (i, (name, s)) in lines.enumerate() {
            let row = 3 + i as u32;
            sheet.write_string_with_format(row, 0, &name, &cell)?;
            for (j, n) in [s.assigned, s.on_time, s.late, s.missing, s.rejected, s.corrected].into_iter().enumerate() {
                sheet.write_number_with_format(row, 1 + j as u16, n as f64, &cell)?;
            }
            sheet.write_number_with_format(row, 7, s.on_time_percent(), &percent)?;
        }
        sheet.set_column_width(0, 40)?;
        let detail = book.add_worksheet();
        detail.set_name("Chi tiết")?;
        for (j, h) in REPORT_COLUMNS.iter().enumerate() {
            detail.write_string_with_format(0, j as u16, *h, &header)?;
        }
        for (i, r) in c.rows.iter().enumerate() {
            for (j, text) in report_line(c, r).iter().enumerate() {
                detail.write_string_with_format(1 + i as u32, j as u16, text, &cell)?;
            }
        }
        detail.set_column_width(0, 40)?;
        detail.set_column_width(1, 20)?;
        detail.set_column_width(3, 18)?;
        book.save_to_buffer()
    };
    Ok(build()?)
}

/// Every report's line as CSV: UTF-8 with a byte-order mark (so Excel reads
/// the diacritics), fields that could start a formula neutralised.
pub fn csv(c: &Compliance) -> String {
    let mut out = format!("\u{feff}{}\r\n", REPORT_COLUMNS.join(","));
    for r in &c.rows {
        let line: Vec<String> = report_line(c, r).iter().map(|s| baocao_domain::format::csv_field(s)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}
