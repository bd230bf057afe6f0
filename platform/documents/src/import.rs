//! "Nhập dữ liệu từ Excel": a filled workbook read into a report's cells, as
//! Vietnamese users type numbers, every refusal naming its sheet, row and
//! column. What reading may cost is bounded by [`crate::guard`].

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use baocao_domain::content::ReportRow;
use baocao_domain::entry::{CellInput, CellProblem, Writer};
use baocao_domain::format;
use baocao_domain::layout::computed_row;
use baocao_regime_abi::{CellType, Column, Form};
use calamine::{Data, DataRef, Reader, Xls, XlsError, Xlsx, XlsxError as XlsxReadError};

use crate::guard::{self, Budget, ImportLimits, Refusal};

/// Largest workbook accepted for import.
pub const MAX_IMPORT_BYTES: usize = 10 * 1024 * 1024;

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

/// A workbook as uploaded: .xlsx (a zip) or .xls (BIFF in a compound file).
enum Book {
    Xlsx(Xlsx<Cursor<Vec<u8>>>),
    Xls(Xls<Cursor<Vec<u8>>>),
}

const ZIP: &[u8] = b"PK\x03\x04";
const COMPOUND: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Opens an upload, telling an encrypted file ("đặt mật khẩu") from one that is not a workbook.
fn open(bytes: Vec<u8>) -> Result<Book, (String, String)> {
    let not_workbook = || {
        (
            "Tập tin không phải sổ tính Excel (.xlsx, .xls) đọc được.".to_owned(),
            "The file is not a readable Excel workbook (.xlsx, .xls).".to_owned(),
        )
    };
    let encrypted = || {
        (
            "Tập tin đã được đặt mật khẩu (mã hóa). Hãy mở bằng Excel, bỏ mật khẩu, lưu lại rồi nhập lại.".to_owned(),
            "The file is password-protected (encrypted). Open it in Excel, remove the password, save and import again."
                .to_owned(),
        )
    };
    if bytes.starts_with(ZIP) {
        return Xlsx::new(Cursor::new(bytes)).map(Book::Xlsx).map_err(|_| not_workbook());
    }
    if !bytes.starts_with(COMPOUND) {
        return Err(not_workbook());
    }
    // An encrypted .xlsx is a compound file holding an "EncryptedPackage"; a password-protected .xls says so in its records.
    match Xlsx::new(Cursor::new(bytes.clone())) {
        Err(XlsxReadError::Password) => Err(encrypted()),
        Ok(book) => Ok(Book::Xlsx(book)),
        Err(_) => match Xls::new(Cursor::new(bytes)) {
            Ok(book) => Ok(Book::Xls(book)),
            Err(XlsError::Password) => Err(encrypted()),
            Err(_) => Err(not_workbook()),
        },
    }
}

/// The cells a workbook sets, read as Vietnamese users type numbers ("8,5",
/// "1.500"), or every problem found, each naming its sheet, row and column.
///
/// An .xlsx sheet is streamed: one row is held at a time, whatever the
/// sheet's size. (.xls files are read whole; the format is limited to 65,536
/// rows and the upload to [`MAX_IMPORT_BYTES`].)
///
/// What reading may cost is bounded by `limits` (see [`crate::guard`]):
/// the upload is inspected before a reader opens it, and cells are counted
/// and the clock watched while the sheet streams.
pub fn read(
    bytes: &[u8], form: &Form, report: &ReportRow, params: &ImportParams, writer: &Writer, limits: ImportLimits,
) -> Result<Vec<CellInput>, ReadError> {
    let problem = |(vi, en): (String, String)| {
        ReadError::Problems(vec![CellProblem { row: None, col: None, message: vi, message_en: en }])
    };
    let mut budget = Budget::new(limits);
    if bytes.starts_with(ZIP) {
        guard::inspect_zip(bytes, &budget)?;
    } else if bytes.starts_with(COMPOUND) {
        guard::inspect_compound(bytes, &budget)?;
    }
    let mut book = open(bytes.to_vec()).map_err(problem)?;
    let sheet = match &book {
        Book::Xlsx(b) => b.sheet_names().first().cloned(),
        Book::Xls(b) => b.sheet_names().first().cloned(),
    };
    let Some(sheet) = sheet else {
        return Err(problem(("Sổ tính không có trang tính nào.".into(), "The workbook has no sheet.".into())));
    };
    let unreadable =
        || problem((format!("Không đọc được trang tính \"{sheet}\"."), format!("Sheet \"{sheet}\" cannot be read.")));
    let mut scan = Scan::new(&sheet, form, report, params, writer);
    match &mut book {
        Book::Xlsx(b) => {
            let mut cells = b.worksheet_cells_reader(&sheet).map_err(|_| unreadable())?;
            let mut row: Vec<(u32, Data)> = Vec::new();
            let mut at: Option<u32> = None;
            while let Some(cell) = cells.next_cell().map_err(|_| unreadable())? {
                budget.cell()?;
                let (r, c) = cell.get_position();
                if at != Some(r) {
                    if let Some(done) = at
                        && !scan.row(done, &row)
                    {
                        return scan.finish().map_err(ReadError::Problems);
                    }
                    row.clear();
                    at = Some(r);
                }
                if scan.wants(c) {
                    row.push((c, owned(cell.get_value())));
                }
            }
            if let Some(done) = at {
                scan.row(done, &row);
            }
        }
        Book::Xls(b) => {
            let range = b.worksheet_range(&sheet).map_err(|_| unreadable())?;
            let (top, left) = range.start().unwrap_or((0, 0));
            for (i, cells) in range.rows().enumerate() {
                let row: Vec<(u32, Data)> = cells
                    .iter()
                    .enumerate()
                    .map(|(j, d)| (left + j as u32, d))
                    .filter(|(c, d)| scan.wants(*c) && !matches!(d, Data::Empty))
                    .map(|(c, d)| (c, d.clone()))
                    .collect();
                if !scan.row(top + i as u32, &row) {
                    break;
                }
                if i % 1024 == 0 {
                    budget.check_time()?;
                }
            }
        }
    }
    scan.finish().map_err(ReadError::Problems)
}

/// Why a workbook was not read: refusals naming their places, or a limit on what reading may cost.
#[derive(Debug)]
pub enum ReadError {
    Problems(Vec<CellProblem>),
    Limit(Refusal),
}

impl From<Refusal> for ReadError {
    fn from(r: Refusal) -> Self {
        ReadError::Limit(r)
    }
}

fn owned(d: &DataRef<'_>) -> Data {
    match d {
        DataRef::Int(i) => Data::Int(*i),
        DataRef::Float(f) => Data::Float(*f),
        DataRef::String(s) => Data::String(s.clone()),
        DataRef::SharedString(s) => Data::String((*s).to_owned()),
        DataRef::Bool(b) => Data::Bool(*b),
        DataRef::DateTime(t) => Data::DateTime(*t),
        DataRef::DateTimeIso(s) => Data::DateTimeIso(s.clone()),
        DataRef::DurationIso(s) => Data::DurationIso(s.clone()),
        DataRef::Error(e) => Data::Error(e.clone()),
        DataRef::Empty => Data::Empty,
    }
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        _ => String::new(),
    }
}

/// Whether a column holds numbers (integers, decimals, percentages).
fn numeric(column: &Column) -> bool {
    !matches!(column.cell_type, CellType::Text | CellType::Date)
}

/// "(3)", the label of a column number.
fn is_number_label(s: &str) -> bool {
    s.len() > 2 && s.starts_with('(') && s.ends_with(')') && s[1..s.len() - 1].chars().all(|c| c.is_ascii_digit())
}

/// A row without an indicator code that carries values: an inserted row,
/// refused if a coded row follows it (or it lies inside the rows the user named).
struct Uncoded {
    problem: CellProblem,
    /// A number in a number column: such a row after the table is data, not a signature block.
    numeric: bool,
}

/// The rows of one sheet, in order, checked against the form and turned into cells.
struct Scan<'a> {
    sheet: &'a str,
    form: &'a Form,
    params: &'a ImportParams,
    writer: &'a Writer,
    stored: HashMap<(&'a str, &'a str), &'a serde_json::Value>,
    known: HashSet<&'a str>,
    /// Rows the regime computes (the total, groups summing their children): read over, never imported.
    computed: HashSet<&'a str>,
    /// The data rows have begun: after the row of column numbers, at the named first row, or at the first known code.
    started: bool,
    pending: Vec<Uncoded>,
    problems: Vec<CellProblem>,
    cells: Vec<CellInput>,
}

impl<'a> Scan<'a> {
    fn new(
        sheet: &'a str, form: &'a Form, report: &'a ReportRow, params: &'a ImportParams, writer: &'a Writer,
    ) -> Self {
        let known = form
            .rows
            .iter()
            .map(|r| r.code.as_str())
            .chain(report.rows_added.iter().map(|r| r.code.as_str()))
            .collect();
        Scan {
            sheet,
            form,
            params,
            writer,
            stored: report.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect(),
            known,
            computed: form
                .rows
                .iter()
                .enumerate()
                .filter(|(i, _)| computed_row(form, *i))
                .map(|(_, r)| r.code.as_str())
                .collect(),
            started: false,
            pending: Vec::new(),
            problems: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// Only the code column and the form's data columns are kept.
    fn wants(&self, col: u32) -> bool {
        col == self.params.code_col
            || (col >= self.params.data_col && col < self.params.data_col + self.form.columns.len() as u32)
    }

    fn refuse(&mut self, row: u32, col: u32, vi: String, en: String) {
        let (at_vi, at_en) = place(self.sheet, row, col);
        self.problems.push(CellProblem {
            row: None,
            col: None,
            message: format!("{at_vi}: {vi}"),
            message_en: format!("{at_en}: {en}"),
        });
    }

    /// Takes one row (its cells in the kept columns); false once past the last row asked for.
    fn row(&mut self, row: u32, cells: &[(u32, Data)]) -> bool {
        if self.params.to_row.is_some_and(|last| row + 1 > last) {
            return false;
        }
        let at = |col: u32| cells.iter().find(|(c, _)| *c == col).map(|(_, d)| d);
        let label = at(self.params.data_col).map(text).unwrap_or_default();
        if is_number_label(&label) {
            self.column_numbers(row, cells);
            self.started |= self.params.from_row.is_none();
            return true;
        }
        let code = at(self.params.code_col).map(text).unwrap_or_default();
        if !self.started {
            self.started = match self.params.from_row {
                Some(first) => row + 1 >= first,
                None => self.known.contains(code.as_str()),
            };
            if !self.started {
                return true;
            }
        }
        if code.is_empty() {
            self.uncoded(row, cells);
            return true;
        }
        if code == "MÃ CHỈ TIÊU" {
            return true;
        }
        // A coded row confirms that the uncoded rows with values before it were inserted into the table.
        self.problems.extend(self.pending.drain(..).map(|u| u.problem));
        if self.computed.contains(code.as_str()) {
            return true;
        }
        if !self.known.contains(code.as_str()) {
            self.refuse(
                row,
                self.params.code_col,
                format!("mã chỉ tiêu \"{code}\" không có trong biểu mẫu (dòng bị chèn hoặc mã bị sửa)."),
                format!("indicator code \"{code}\" is not in the form (an inserted row or an edited code)."),
            );
            return true;
        }
        let form = self.form;
        for (j, column) in form.columns.iter().enumerate() {
            if form.computes_column(&column.code) {
                continue;
            }
            let col = self.params.data_col + j as u32;
            let Some(value) = self.value(row, col, column, at(col)) else { continue };
            if self.writer.may_fill(column) {
                self.cells.push(CellInput { row: code.clone(), col: column.code.clone(), value });
                continue;
            }
            let stored = self
                .stored
                .get(&(code.as_str(), column.code.as_str()))
                .copied()
                .cloned()
                .unwrap_or(serde_json::Value::Null);
            if !baocao_domain::entry::same_value(&stored, &value) {
                let (vi, en) = self.writer.refusal(column);
                self.refuse(row, col, format!("{vi}."), format!("{en}."));
            }
        }
        true
    }

    /// The column numbers "(3) (4) …" must stand where the form has them: a moved or inserted column is refused.
    fn column_numbers(&mut self, row: u32, cells: &[(u32, Data)]) {
        let form = self.form;
        for (j, c) in form.columns.iter().enumerate() {
            let col = self.params.data_col + j as u32;
            let found = cells.iter().find(|(k, _)| *k == col).map(|(_, d)| text(d)).unwrap_or_default();
            if found != format!("({})", c.number) {
                self.refuse(
                    row,
                    col,
                    format!("cấu trúc biểu mẫu đã bị thay đổi (cần cột ({}), thấy \"{found}\").", c.number),
                    format!("the form's structure was changed (expected column ({}), found \"{found}\").", c.number),
                );
            }
        }
    }

    fn uncoded(&mut self, row: u32, cells: &[(u32, Data)]) {
        let data: Vec<&(u32, Data)> =
            cells.iter().filter(|(c, d)| *c != self.params.code_col && !text(d).is_empty()).collect();
        let Some((col, _)) = data.first() else { return };
        let numeric = data.iter().any(|(c, d)| {
            numeric(&self.form.columns[(*c - self.params.data_col) as usize])
                && (matches!(d, Data::Int(_) | Data::Float(_)) || format::parse_number(&text(d)).is_some())
        });
        let (at_vi, at_en) = place(self.sheet, row, *col);
        let problem = CellProblem {
            row: None,
            col: None,
            message: format!(
                "{at_vi}: dòng không có mã chỉ tiêu nhưng có số liệu (dòng bị chèn vào biểu mẫu). Hãy xóa dòng này hoặc ghi mã chỉ tiêu ở cột mã."
            ),
            message_en: format!(
                "{at_en}: a row without an indicator code holds values (a row inserted into the form). Remove it or give its code."
            ),
        };
        self.pending.push(Uncoded { problem, numeric });
    }

    /// A cell's value as stored, or None after recording why it cannot be read.
    fn value(&mut self, row: u32, col: u32, column: &Column, cell: Option<&Data>) -> Option<serde_json::Value> {
        let numeric = numeric(column);
        match cell {
            None | Some(Data::Empty) => Some(serde_json::Value::Null),
            Some(Data::Int(i)) if numeric => Some(serde_json::Value::from(*i)),
            Some(Data::Float(f)) if numeric && !f.is_finite() => {
                self.refuse(
                    row,
                    col,
                    format!("giá trị \"{f}\" không phải là số hữu hạn (cột ({})).", column.number),
                    format!("the value \"{f}\" is not a finite number (column ({})).", column.number),
                );
                None
            }
            Some(Data::Float(f)) if numeric => Some(number_value(*f)),
            Some(Data::String(s)) if numeric && s.trim().is_empty() => Some(serde_json::Value::Null),
            Some(Data::String(s)) if numeric => match format::parse_number(s) {
                Some(x) => Some(number_value(x)),
                None => {
                    self.refuse(
                        row,
                        col,
                        format!("\"{s}\" không phải là số (cột ({})).", column.number),
                        format!("\"{s}\" is not a number (column ({})).", column.number),
                    );
                    None
                }
            },
            Some(other) if !numeric => Some(serde_json::Value::String(text(other))),
            Some(other) => {
                let shown = text(other);
                self.refuse(
                    row,
                    col,
                    format!("giá trị \"{shown}\" không hợp lệ."),
                    format!("the value \"{shown}\" is not valid."),
                );
                None
            }
        }
    }

    /// Uncoded rows after the last coded one are a footer (signatures, notes)
    /// unless they hold numbers or lie inside the rows the user named.
    fn finish(mut self) -> Result<Vec<CellInput>, Vec<CellProblem>> {
        let named = self.params.to_row.is_some();
        self.problems.extend(self.pending.drain(..).filter(|u| named || u.numeric).map(|u| u.problem));
        if self.problems.is_empty() { Ok(self.cells) } else { Err(self.problems) }
    }
}
