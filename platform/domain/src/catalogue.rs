//! Shared catalogues: the lists a form picks its rows from (fields of
//! administrative procedures, units, provinces). Two kinds:
//!
//! - *derived* catalogues are read from the platform's own data (the units
//!   of a tenant, the provinces) and change when that data changes;
//! - *maintained* catalogues are data the platform operator publishes, one
//!   whole version at a time; earlier versions are kept, so what a report
//!   picked can always be read against the list it was picked from.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::text::{Invalid, Text};

/// The units of the caller's tenant in force today.
pub const UNITS: &str = "don_vi";
/// The provinces (tenants of kind province).
pub const PROVINCES: &str = "dia_phuong";

/// Catalogues computed from the platform's data; they cannot be published.
pub const DERIVED: &[(&str, &str)] =
    &[(UNITS, "Đơn vị thuộc đơn vị chủ quản"), (PROVINCES, "Tỉnh, thành phố trực thuộc trung ương")];

pub fn is_derived(name: &str) -> bool {
    DERIVED.iter().any(|(n, _)| *n == name)
}

/// One row of a catalogue: a stable code (what reports store and
/// aggregation links by) and the name people read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CatalogueItem {
    pub code: String,
    pub name: String,
}

const MAX_ITEMS: usize = 2_000;
const MAX_CODE: usize = 60;
const MAX_NAME: usize = 300;

fn refused(field: &'static str, code: &'static str, vi: String, en: String) -> Invalid {
    Invalid::new(field, code, Text::new(vi, en))
}

/// A catalogue name: lower-case letters, digits and `_`, as regimes write
/// them in their manifests (`linh_vuc_tthc`).
pub fn check_name(name: &str) -> Result<(), Invalid> {
    let ok = !name.is_empty()
        && name.len() <= 40
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        return Ok(());
    }
    Err(refused(
        "name",
        "bad_catalogue_name",
        "Tên danh mục chỉ gồm chữ thường không dấu, chữ số và dấu gạch dưới (tối đa 40 ký tự).".to_owned(),
        "A catalogue name has lower-case letters, digits and underscores only (at most 40).".to_owned(),
    ))
}

fn check_item(index: usize, item: &CatalogueItem, seen: &mut HashSet<String>) -> Vec<Invalid> {
    let line = index + 1;
    let mut problems = Vec::new();
    let code_ok = !item.code.is_empty()
        && item.code.len() <= MAX_CODE
        && item.code.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !code_ok {
        problems.push(refused(
            "items",
            "bad_item_code",
            format!(
                "Dòng {line}: mã \"{}\" chỉ gồm chữ không dấu, chữ số, dấu - _ . (tối đa {MAX_CODE} ký tự).",
                item.code
            ),
            format!("Line {line}: code \"{}\" may hold letters, digits, - _ . only (at most {MAX_CODE}).", item.code),
        ));
    } else if !seen.insert(item.code.clone()) {
        problems.push(refused(
            "items",
            "duplicate_item_code",
            format!("Dòng {line}: mã \"{}\" đã có ở dòng trước.", item.code),
            format!("Line {line}: code \"{}\" appears on an earlier line.", item.code),
        ));
    }
    let name = item.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        problems.push(refused(
            "items",
            "bad_item_name",
            format!("Dòng {line}: tên không được để trống và dài tối đa {MAX_NAME} ký tự."),
            format!("Line {line}: the name must not be empty and at most {MAX_NAME} characters."),
        ));
    }
    problems
}

/// The rows of a version to publish: at least one, codes unique and plain,
/// names present. Every problem is reported at once, by line.
pub fn check_items(items: &[CatalogueItem]) -> Result<Vec<CatalogueItem>, Vec<Invalid>> {
    if items.is_empty() || items.len() > MAX_ITEMS {
        return Err(vec![refused(
            "items",
            "bad_item_count",
            format!("Danh mục phải có từ 1 đến {MAX_ITEMS} dòng."),
            format!("A catalogue holds from 1 to {MAX_ITEMS} rows."),
        )]);
    }
    let mut seen = HashSet::new();
    let problems: Vec<Invalid> =
        items.iter().enumerate().flat_map(|(i, item)| check_item(i, item, &mut seen)).collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(items.iter().map(|i| CatalogueItem { code: i.code.clone(), name: i.name.trim().to_owned() }).collect())
}

/// Reads the operator's text form of a catalogue: one row per line, the code
/// and the name separated by `|` (or a tab, as pasted from a spreadsheet).
/// Blank lines are skipped; a line without a separator is refused by line.
pub fn parse_lines(text: &str) -> Result<Vec<CatalogueItem>, Vec<Invalid>> {
    let mut items = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match line.split_once('|').or_else(|| line.split_once('\t')) {
            Some((code, name)) => {
                items.push(CatalogueItem { code: code.trim().to_owned(), name: name.trim().to_owned() })
            }
            None => problems.push(refused(
                "items",
                "bad_item_line",
                format!("Dòng {}: hãy ghi \"mã | tên\".", i + 1),
                format!("Line {}: write \"code | name\".", i + 1),
            )),
        }
    }
    if problems.is_empty() { Ok(items) } else { Err(problems) }
}

/// The text form of a catalogue, as [`parse_lines`] reads it back.
pub fn to_lines(items: &[CatalogueItem]) -> String {
    items.iter().map(|i| format!("{} | {}\n", i.code, i.name)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(code: &str, name: &str) -> CatalogueItem {
        CatalogueItem { code: code.to_owned(), name: name.to_owned() }
    }

    #[test]
    fn lines_read_back_what_they_wrote() {
        let items = vec![item("cong-an", "Công an"), item("y-te", "Y tế")];
        assert_eq!(parse_lines(&to_lines(&items)).unwrap(), items);
        assert_eq!(parse_lines("a\tTên A\n\n b | Tên B ").unwrap(), vec![item("a", "Tên A"), item("b", "Tên B")]);
    }

    #[test]
    fn every_problem_is_named_by_line() {
        let problems = parse_lines("a | A\nkhông có dấu tách\nc | C\nd").unwrap_err();
        assert_eq!(problems.iter().map(|p| p.code).collect::<Vec<_>>(), ["bad_item_line", "bad_item_line"]);
        assert!(problems[0].text.vi.contains("Dòng 2"), "{:?}", problems[0].text);
        let problems = check_items(&[item("a", "A"), item("a", "B"), item("có dấu", "C"), item("d", " ")]).unwrap_err();
        let codes: Vec<_> = problems.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["duplicate_item_code", "bad_item_code", "bad_item_name"]);
        assert_eq!(check_items(&[]).unwrap_err()[0].code, "bad_item_count");
    }

    #[test]
    fn names_are_plain() {
        assert!(check_name("linh_vuc_tthc").is_ok());
        for bad in ["", "Linh", "linh-vuc", "lĩnh", &"a".repeat(41)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert!(is_derived(UNITS) && is_derived(PROVINCES) && !is_derived("linh_vuc_tthc"));
    }
}
