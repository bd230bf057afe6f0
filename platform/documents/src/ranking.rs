//! A scoring regime's ranking as a workbook ("Xuất Excel" of the ranking page).

use baocao_domain::ranking::RankedUnit;

use crate::WriteError;

/// One line per unit, best first: rank, unit, total, whether it is the
/// appraised total, then each index's points under its label and title.
pub fn workbook(lines: &[RankedUnit], title: &str) -> Result<Vec<u8>, WriteError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let header = Format::new().set_bold().set_border(FormatBorder::Thin).set_text_wrap();
        let cell = Format::new().set_border(FormatBorder::Thin);
        let points = Format::new().set_border(FormatBorder::Thin).set_num_format("#,##0.##");
        let sheet = book.add_worksheet();
        sheet.set_name("Xếp hạng")?;
        sheet.write_string_with_format(0, 0, title, &bold)?;
        let indices = lines.first().map(|l| l.indices.as_slice()).unwrap_or_default();
        let fixed = ["Hạng", "Đơn vị", "Tổng điểm", "Điểm theo"];
        let headings =
            fixed.iter().map(|h| (*h).to_owned()).chain(indices.iter().map(|i| format!("{} {}", i.label, i.title)));
        for (j, h) in headings.enumerate() {
            sheet.write_string_with_format(2, j as u16, &h, &header)?;
        }
        for (i, line) in lines.iter().enumerate() {
            let row = 3 + i as u32;
            sheet.write_number_with_format(row, 0, f64::from(line.rank), &cell)?;
            sheet.write_string_with_format(row, 1, &line.name, &cell)?;
            sheet.write_number_with_format(row, 2, line.total, &points)?;
            sheet.write_string_with_format(row, 3, if line.appraised { "thẩm định" } else { "tự đánh giá" }, &cell)?;
            for (j, index) in line.indices.iter().enumerate() {
                let col = 4 + j as u16;
                match index.points {
                    Some(p) => sheet.write_number_with_format(row, col, p, &points)?,
                    None => sheet.write_string_with_format(row, col, "", &cell)?,
                };
            }
        }
        sheet.set_column_width(1, 40)?;
        book.save_to_buffer()
    };
    Ok(build()?)
}
