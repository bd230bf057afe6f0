//! The documents baocao reads and writes, apart from any front end:
//!
//! - [`workbook`]: a numeric report as an .xlsx laid out like the printed form ("Tải xuống");
//! - [`import`]: a filled workbook (.xlsx or .xls) read back into cells ("Nhập dữ liệu từ Excel");
//! - [`guard`]: what reading an upload may cost, checked before a reader opens it;
//! - [`compliance`]: the compliance figures as a workbook and as CSV;
//! - [`chart`]: the on-time chart as SVG;
//! - [`pdf`]: a report as PDF (the document that is signed) and the appearance of a signature.
//!
//! Pure functions of domain values: the caller decides who may see what.

pub mod chart;
pub mod compliance;
pub mod guard;
pub mod import;
pub mod pdf;
pub mod ranking;
pub mod workbook;

/// The media type of an .xlsx workbook.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A workbook could not be written (the writer refused a value or a sheet).
#[derive(Debug, thiserror::Error)]
#[error("writing the workbook")]
pub struct WriteError(#[from] rust_xlsxwriter::XlsxError);
