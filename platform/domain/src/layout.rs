//! The layout of a numeric form that every rendering shares — the grid of
//! the report page, the workbook download and import, the print view and the
//! PDF: which rows are shown in which order, and which the regime computes.

use baocao_regime_abi::{CellType, Form};

use crate::content::ReportRow;

/// One row as shown: the form's rows, then those the unit added, the total last.
pub struct DisplayRow {
    pub code: String,
    pub label: String,
    pub title: String,
    pub level: u8,
    pub total: bool,
    pub added: bool,
    /// Computed by the regime, not entered: the total, and groups that sum their children.
    pub computed: bool,
}

/// Whether the form's row `i` is computed by the regime, not entered: as
/// the manifest states it (ABI 1.2), else as a 1.1 regime computes rows.
pub fn computed_row(form: &Form, i: usize) -> bool {
    form.computes_row_at(i)
}

/// The rows of a report in the order every rendering shows them.
pub fn display_rows(form: &Form, r: &ReportRow) -> Vec<DisplayRow> {
    let fixed = |total: bool| {
        form.rows.iter().enumerate().filter(move |(_, x)| x.total == total).map(move |(i, x)| DisplayRow {
            code: x.code.clone(),
            label: x.label.clone(),
            title: x.title.clone(),
            level: x.level,
            total,
            added: false,
            computed: computed_row(form, i),
        })
    };
    let added = r.rows_added.iter().enumerate().map(|(i, a)| DisplayRow {
        code: a.code.clone(),
        label: (i + 1).to_string(),
        title: a.title.clone(),
        level: 1,
        total: false,
        added: true,
        computed: false,
    });
    fixed(false).chain(added).chain(fixed(true)).collect()
}

/// A cell's value as shown: numbers the Vietnamese way (1.500,5) or the
/// English way, text as typed, nothing for an empty cell.
pub fn cell_text(v: &serde_json::Value, cell_type: CellType, l: crate::text::Locale) -> String {
    match (v, cell_type) {
        (serde_json::Value::Null, _) => String::new(),
        (serde_json::Value::Number(n), CellType::Integer | CellType::Decimal | CellType::Percent) => {
            crate::format::number(n.as_f64().unwrap_or(0.0), 2, l)
        }
        (serde_json::Value::String(s), _) => s.clone(),
        (other, _) => other.to_string(),
    }
}

/// The header rows of a form: level by level, neighbouring columns that share
/// a header cell are merged (colspan); a column whose path ends early spans
/// the remaining levels (rowspan).
pub fn header_rows(form: &Form) -> Vec<Vec<(String, usize, usize)>> {
    let depth = form.columns.iter().map(|c| c.header.len()).max().unwrap_or(1).max(1);
    let mut rows: Vec<Vec<(String, usize, usize)>> = vec![Vec::new(); depth];
    for (level, row) in rows.iter_mut().enumerate() {
        let mut i = 0;
        while i < form.columns.len() {
            let col = &form.columns[i];
            if col.header.len() <= level {
                i += 1;
                continue;
            }
            let last = level + 1 == col.header.len();
            let mut span = 1;
            if !last {
                while i + span < form.columns.len()
                    && form.columns[i + span].header.get(..=level) == col.header.get(..=level)
                {
                    span += 1;
                }
            }
            let rowspan = if last { depth - level } else { 1 };
            row.push((col.header[level].clone(), span, rowspan));
            i += span;
        }
    }
    rows
}

/// A header cell placed on the grid: its text, first data column (zero-based),
/// how many columns and header rows it spans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderCell {
    pub text: String,
    pub level: usize,
    pub column: usize,
    pub span: usize,
    pub rowspan: usize,
}

/// The header rows of [`header_rows`] placed on the grid: a cell starts at the
/// first column of its level that no taller cell above already covers. The
/// workbook and the PDF draw from this.
pub fn header_cells(form: &Form) -> Vec<HeaderCell> {
    let levels = header_rows(form);
    let mut covered = vec![vec![false; form.columns.len()]; levels.len()];
    let mut out = Vec::new();
    for (level, cells) in levels.iter().enumerate() {
        let mut column = 0usize;
        for (text, span, rowspan) in cells {
            while column < form.columns.len() && covered[level][column] {
                column += 1;
            }
            for below in covered.iter_mut().skip(level + 1).take(rowspan.saturating_sub(1)) {
                below.iter_mut().skip(column).take(*span).for_each(|c| *c = true);
            }
            out.push(HeaderCell { text: text.clone(), level, column, span: *span, rowspan: *rowspan });
            column += span;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use baocao_regime_abi::{CellType, Column, Text};

    fn col(code: &str, header: &[&str]) -> Column {
        Column {
            code: code.into(),
            number: 0,
            header: header.iter().map(|s| s.to_string()).collect(),
            cell_type: CellType::Integer,
            formula: None,
            fill_groups: vec![],
            aggregate: None,
            min: None,
            max: None,
        }
    }

    #[test]
    fn headers_merge_shared_groups_and_span_short_paths() {
        let form = Form {
            code: "X".into(),
            title: Text::new("x", "x"),
            unit_of_measure: None,
            columns: vec![
                col("a", &["G1", "Tổng số"]),
                col("b", &["G1", "Sở"]),
                col("c", &["Ghi chú"]),
                col("d", &["G2", "Tổng số"]),
            ],
            rows: vec![],
            row_modes: vec![],
            catalogue: None,
            outside_system: false,
            rules: vec![],
            provenance: None,
            groups_sum_children: false,
            scoring: None,
            computed_rows: None,
            unit_levels: Vec::new(),
            tenants: Vec::new(),
        };
        let rows = header_rows(&form);
        assert_eq!(rows[0], vec![("G1".into(), 2, 1), ("Ghi chú".into(), 1, 2), ("G2".into(), 1, 1)]);
        assert_eq!(rows[1], vec![("Tổng số".into(), 1, 1), ("Sở".into(), 1, 1), ("Tổng số".into(), 1, 1)]);
        let placed: Vec<(usize, usize)> = header_cells(&form).iter().map(|c| (c.level, c.column)).collect();
        assert_eq!(
            placed,
            [(0, 0), (0, 2), (0, 3), (1, 0), (1, 1), (1, 3)],
            "the second row skips the column under Ghi chú"
        );
    }
}

/// A form's provenance as people read it: the marks that tell the regime's
/// authors what the seeds confirm (`[V]`) or leave uncertain (`[U]`) are left out.
pub fn provenance_text(provenance: &str) -> String {
    let bare = provenance.replace("[U]", "").replace("[V]", "");
    bare.split_whitespace().collect::<Vec<_>>().join(" ").replace(" ;", ";").replace(" .", ".")
}

#[cfg(test)]
mod provenance_tests {
    #[test]
    fn marks_are_for_authors_not_readers() {
        let shown = super::provenance_text("Chỉ số theo Quyết định 922/QĐ-BTTTT; điểm tối đa mang tính minh hoạ [U]");
        assert_eq!(shown, "Chỉ số theo Quyết định 922/QĐ-BTTTT; điểm tối đa mang tính minh hoạ");
        assert_eq!(super::provenance_text("Cột theo phụ lục [V]; dòng [U] ."), "Cột theo phụ lục; dòng.");
    }
}
