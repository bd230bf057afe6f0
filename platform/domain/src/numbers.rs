//! The numbers of a report as a compact grid: its row codes, its column codes
//! and one f64 per (row, column), NaN where a cell is empty or not a number.
//! Stored beside the JSON cells so that aggregation reads floats, not JSON.
//!
//! Layout (little endian): `BCN1`, u32 rows, u32 columns, each row code and
//! each column code as u16 length + UTF-8, then rows × columns f64 values.

use crate::content::ReportCell;

const MAGIC: &[u8; 4] = b"BCN1";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NumberGrid {
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    /// Row-major: `values[r * cols.len() + c]`.
    pub values: Vec<f64>,
}

impl NumberGrid {
    /// The numeric cells of a report (text and empty cells are left out).
    pub fn from_cells(cells: &[ReportCell]) -> NumberGrid {
        let mut rows: Vec<String> = Vec::new();
        let mut cols: Vec<String> = Vec::new();
        let mut row_index = std::collections::HashMap::new();
        let mut col_index = std::collections::HashMap::new();
        let mut entries = Vec::new();
        for cell in cells {
            let Some(x) = cell.value.as_f64() else { continue };
            let r = *row_index.entry(cell.row.as_str()).or_insert_with(|| {
                rows.push(cell.row.clone());
                rows.len() - 1
            });
            let c = *col_index.entry(cell.col.as_str()).or_insert_with(|| {
                cols.push(cell.col.clone());
                cols.len() - 1
            });
            entries.push((r, c, x));
        }
        let mut values = vec![f64::NAN; rows.len() * cols.len()];
        for (r, c, x) in entries {
            values[r * cols.len() + c] = x;
        }
        NumberGrid { rows, cols, values }
    }

    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.values.get(r * self.cols.len() + c).copied().unwrap_or(f64::NAN)
    }

    pub fn encode(&self) -> Vec<u8> {
        let codes: usize = self.rows.iter().chain(&self.cols).map(|s| 2 + s.len()).sum();
        let mut out = Vec::with_capacity(12 + codes + self.values.len() * 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.rows.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.cols.len() as u32).to_le_bytes());
        for code in self.rows.iter().chain(&self.cols) {
            // Codes are short (≤ 64 bytes by the domain's rules); longer ones are cut, never wrapped.
            let bytes = &code.as_bytes()[..code.len().min(u16::MAX as usize)];
            out.extend_from_slice(&(bytes.len() as u16).to_le_bytes());
            out.extend_from_slice(bytes);
        }
        for v in &self.values {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<NumberGrid> {
        let rest = bytes.strip_prefix(MAGIC)?;
        let (n_rows, rest) = take_u32(rest)?;
        let (n_cols, mut rest) = take_u32(rest)?;
        let mut codes = Vec::with_capacity(n_rows + n_cols);
        for _ in 0..n_rows + n_cols {
            let (len, tail) = rest.split_first_chunk::<2>()?;
            let len = u16::from_le_bytes(*len) as usize;
            let (code, tail) = tail.split_at_checked(len)?;
            codes.push(std::str::from_utf8(code).ok()?.to_owned());
            rest = tail;
        }
        let count = n_rows.checked_mul(n_cols)?;
        if rest.len() != count * 8 {
            return None;
        }
        let values = rest.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect();
        let cols = codes.split_off(n_rows);
        Some(NumberGrid { rows: codes, cols, values })
    }
}

fn take_u32(bytes: &[u8]) -> Option<(usize, &[u8])> {
    let (head, tail) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head) as usize, tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn grids_round_trip_and_leave_text_out() {
        let cells = vec![
            ReportCell { row: "1".into(), col: "c4".into(), value: json!(2) },
            ReportCell { row: "x1".into(), col: "c5".into(), value: json!(8.5) },
            ReportCell { row: "x1".into(), col: "c9".into(), value: json!("ghi chú") },
        ];
        let grid = NumberGrid::from_cells(&cells);
        assert_eq!(grid.rows, ["1", "x1"]);
        assert_eq!(grid.cols, ["c4", "c5"]);
        assert_eq!(grid.get(0, 0), 2.0);
        assert!(grid.get(0, 1).is_nan(), "an empty cell");
        assert_eq!(grid.get(1, 1), 8.5);
        let back = NumberGrid::decode(&grid.encode()).unwrap();
        assert_eq!(back.rows, grid.rows);
        assert_eq!(back.cols, grid.cols);
        assert_eq!(back.get(1, 1), 8.5);
        assert!(back.get(0, 1).is_nan());
    }

    #[test]
    fn damaged_grids_are_refused() {
        let bytes =
            NumberGrid::from_cells(&[ReportCell { row: "1".into(), col: "c4".into(), value: json!(2) }]).encode();
        assert!(NumberGrid::decode(&bytes[..bytes.len() - 1]).is_none());
        assert!(NumberGrid::decode(b"XXXX").is_none());
        assert!(NumberGrid::decode(&[]).is_none());
    }
}
