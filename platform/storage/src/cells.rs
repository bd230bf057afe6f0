//! A report's cells as stored, and read back: decoded for the rules that
//! work on them, or passed straight into an answer that only shows them.

use std::borrow::Cow;

use baocao_domain::content::ReportCell;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::StoreError;

/// The stored form of a report's cells: one entry per row, in order, with the
/// row's values by column — `[["r1",{"c3":60,"c4":10}],…]`. Half the size of a
/// list of `{"row","col","value"}`, which matters for large forms (a request
/// that fits one TCP segment does not wait on delayed acknowledgements).
pub(crate) fn encode_cells(cells: &[ReportCell]) -> Result<String, StoreError> {
    let mut rows: Vec<(&str, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for c in cells.iter().filter(|c| !c.value.is_null()) {
        let i = *index.entry(c.row.as_str()).or_insert_with(|| {
            rows.push((c.row.as_str(), serde_json::Map::new()));
            rows.len() - 1
        });
        rows[i].1.insert(c.col.clone(), c.value.clone());
    }
    crate::reports::json(&rows)
}

pub(crate) fn decode_cells(text: &str) -> Result<Vec<ReportCell>, serde_json::Error> {
    // Each row's cells as a list of pairs rather than a map: a 100 × 15
    // report is read on every open, and a map per row costs a tree of
    // allocations only to be taken apart again.
    let rows: Vec<(String, RowCells<String, serde_json::Value>)> = serde_json::from_str(text)?;
    let mut cells = Vec::with_capacity(rows.iter().map(|(_, r)| r.0.len()).sum());
    for (row, values) in rows {
        cells.extend(values.0.into_iter().map(|(col, value)| ReportCell { row: row.clone(), col, value }));
    }
    Ok(cells)
}

/// One row's stored cells, `{"col": value, …}`, in the stored order.
struct RowCells<C, V>(Vec<(C, V)>);

impl<'de, C: serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::Deserialize<'de> for RowCells<C, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs<C, V>(std::marker::PhantomData<(C, V)>);
        impl<'de, C: serde::Deserialize<'de>, V: serde::Deserialize<'de>> serde::de::Visitor<'de> for Pairs<C, V> {
            type Value = RowCells<C, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row's cells by column code")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RowCells<C, V>, A::Error> {
                let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(16));
                while let Some(pair) = map.next_entry()? {
                    pairs.push(pair);
                }
                Ok(RowCells(pairs))
            }
        }
        deserializer.deserialize_map(Pairs(std::marker::PhantomData))
    }
}

/// A report's cells as stored, for an answer that only passes them on: a
/// 100 × 15 report is 1,500 cells, and decoding each into its own strings
/// and value only to encode it again was most of the cost of opening one.
pub struct StoredCells {
    report: i64,
    text: String,
}

impl StoredCells {
    pub(crate) fn new(report: i64, text: String) -> Self {
        StoredCells { report, text }
    }

    /// The cells as a JSON list of [`ReportCell`]s (`[{"row","col","value"},…]`),
    /// written from the stored text: codes borrowed, values copied as they are.
    pub fn listed(&self) -> Result<Box<RawValue>, StoreError> {
        let corrupt = |_| StoreError::Corrupt(format!("report {} cells", self.report));
        let rows: Vec<(Code<'_>, RowCells<Code<'_>, &RawValue>)> = serde_json::from_str(&self.text).map_err(corrupt)?;
        let cells: Vec<Cell<'_>> = rows
            .iter()
            .flat_map(|(row, values)| values.0.iter().map(move |(col, value)| Cell { row: &row.0, col: &col.0, value }))
            .collect();
        serde_json::value::to_raw_value(&cells).map_err(corrupt)
    }
}

/// One cell as [`ReportCell`] writes it, borrowing from the stored text.
#[derive(Serialize)]
struct Cell<'a> {
    row: &'a str,
    col: &'a str,
    value: &'a RawValue,
}

/// A row or column code, borrowed from the stored text unless it had to be
/// unescaped.
struct Code<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for Code<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> serde::de::Visitor<'de> for Text {
            type Value = Code<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row or column code")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, code: &'de str) -> Result<Code<'de>, E> {
                Ok(Code(Cow::Borrowed(code)))
            }
            fn visit_str<E: serde::de::Error>(self, code: &str) -> Result<Code<'de>, E> {
                Ok(Code(Cow::Owned(code.to_owned())))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_round_trip_through_the_compact_form() {
        let cells = vec![
            ReportCell { row: "x1".into(), col: "c4".into(), value: serde_json::json!(1200) },
            ReportCell { row: "tong".into(), col: "c3".into(), value: serde_json::json!(1500) },
            ReportCell { row: "x1".into(), col: "c8".into(), value: serde_json::json!("ghi chú") },
            ReportCell { row: "x1".into(), col: "c9".into(), value: serde_json::Value::Null },
        ];
        let text = encode_cells(&cells).unwrap();
        assert_eq!(text, r#"[["x1",{"c4":1200,"c8":"ghi chú"}],["tong",{"c3":1500}]]"#);
        let back = decode_cells(&text).unwrap();
        assert_eq!(back.len(), 3, "empty cells are not stored");
        assert!(cells[..3].iter().all(|c| back.contains(c)));
    }

    #[test]
    fn stored_cells_decode_in_their_stored_order_and_refuse_another_shape() {
        let back = decode_cells(r#"[["b",{"c2":2,"c1":"một"}],["a",{"c3":null}]]"#).unwrap();
        let read: Vec<(&str, &str, serde_json::Value)> =
            back.iter().map(|c| (c.row.as_str(), c.col.as_str(), c.value.clone())).collect();
        assert_eq!(
            read,
            [
                ("b", "c2", serde_json::json!(2)),
                ("b", "c1", serde_json::json!("một")),
                ("a", "c3", serde_json::Value::Null)
            ]
        );
        assert!(decode_cells(r#"[["b",[1,2]]]"#).is_err(), "a row's cells are a map");
        assert!(decode_cells(r#"[["b",{"c1":1}"#).is_err(), "truncated");
        assert_eq!(decode_cells("[]").unwrap(), []);
    }

    #[test]
    fn stored_cells_are_listed_as_decoding_them_would_list_them() {
        let text = r#"[["b",{"c2":2.50,"c1":"một \"câu\""}],["a\u0041",{"c3":null,"c4":[1,{"x":true}]}]]"#;
        let listed = StoredCells::new(7, text.to_owned()).listed().unwrap();
        let decoded: Vec<ReportCell> = serde_json::from_str(listed.get()).unwrap();
        assert_eq!(decoded, decode_cells(text).unwrap());
        assert_eq!(decoded[1].value, serde_json::json!("một \"câu\""));
        assert_eq!(decoded[2].row, "aA", "an escaped code is unescaped");
        assert!(listed.get().contains(r#""value":2.50"#), "a value is copied as stored: {}", listed.get());
        assert!(matches!(StoredCells::new(7, r#"[["b",[1]]]"#.to_owned()).listed(), Err(StoreError::Corrupt(_))));
        assert_eq!(StoredCells::new(7, "[]".to_owned()).listed().unwrap().get(), "[]");
    }
}
