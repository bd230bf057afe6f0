//! Units (đơn vị) and tenants. A unit's kind and administrative level are
//! data: the 2025 reform abolished the district level, and the tree must be
//! able to express any shape without a code change. Reorganisations close a
//! unit's validity and link it to its successors instead of overwriting it,
//! so past reports stay with the unit that made them.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ids::{TenantId, UnitId};
use crate::text::{Invalid, Text};
use crate::types::{Code, UnitKind, UnitName};

/// What a tenant is. These four categories come from the platform's remit
/// (Circular 01/2020): the operator, ministries, provinces and vertical sectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantKind {
    /// The platform operator (Văn phòng Chính phủ).
    Root,
    /// A ministry, ministry-level agency or Government agency.
    Ministry,
    /// A province or centrally-governed city (UBND tỉnh/thành phố).
    Province,
    /// A vertical sector (ngành dọc).
    Sector,
}

impl TenantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantKind::Root => "root",
            TenantKind::Ministry => "ministry",
            TenantKind::Province => "province",
            TenantKind::Sector => "sector",
        }
    }

    pub fn label(self) -> Text {
        match self {
            TenantKind::Root => Text::fixed("Cơ quan vận hành (VPCP)", "Platform operator (VPCP)"),
            TenantKind::Ministry => Text::fixed("Bộ, cơ quan ngang bộ", "Ministry"),
            TenantKind::Province => Text::fixed("Tỉnh, thành phố", "Province"),
            TenantKind::Sector => Text::fixed("Ngành dọc", "Vertical sector"),
        }
    }
}

impl FromStr for TenantKind {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "root" => Ok(TenantKind::Root),
            "ministry" => Ok(TenantKind::Ministry),
            "province" => Ok(TenantKind::Province),
            "sector" => Ok(TenantKind::Sector),
            _ => Err(Invalid::new(
                "tenant_kind",
                "invalid_tenant_kind",
                Text::fixed("Loại đơn vị chủ quản không hợp lệ.", "Unknown tenant kind."),
            )),
        }
    }
}

impl fmt::Display for TenantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The position of a unit in its tree as the ids from the root down to the
/// unit itself, written "/1/5/17/". A prefix test answers "is this unit in
/// that subtree" with one indexed `LIKE` in SQL and no recursion.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnitPath(String);

impl UnitPath {
    pub fn root(id: UnitId) -> Self {
        UnitPath(format!("/{}/", id.0))
    }

    pub fn child(&self, id: UnitId) -> Self {
        UnitPath(format!("{}{}/", self.0, id.0))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ids on the way from the root to this unit, the unit itself last.
    pub fn ids(&self) -> Vec<UnitId> {
        self.0.split('/').filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).map(UnitId).collect()
    }

    pub fn unit(&self) -> Option<UnitId> {
        self.ids().last().copied()
    }

    /// True when `self` is `ancestor` or lies below it.
    pub fn is_within(&self, ancestor: &UnitPath) -> bool {
        self.0.starts_with(&ancestor.0)
    }

    pub fn depth(&self) -> usize {
        self.ids().len()
    }

    /// The `LIKE` pattern that matches this unit and its whole subtree.
    pub fn subtree_pattern(&self) -> String {
        format!("{}%", self.0)
    }
}

impl TryFrom<String> for UnitPath {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let well_formed = value.starts_with('/')
            && value.ends_with('/')
            && value.len() > 2
            && value.trim_matches('/').split('/').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        if well_formed {
            Ok(UnitPath(value))
        } else {
            Err(Invalid::new(
                "path",
                "invalid_path",
                Text::fixed("Đường dẫn đơn vị không hợp lệ.", "Malformed unit path."),
            ))
        }
    }
}

impl From<UnitPath> for String {
    fn from(value: UnitPath) -> Self {
        value.0
    }
}

/// A unit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub tenant_id: TenantId,
    pub parent_id: Option<UnitId>,
    pub code: Code,
    pub name: UnitName,
    pub kind: UnitKind,
    /// Administrative level, e.g. "trung_uong", "bo", "cuc_vu", "tinh", "so", "huyen", "xa".
    pub level: Code,
    pub path: UnitPath,
    pub valid_from: NaiveDate,
    /// The last day the unit existed, when it was merged, split or dissolved.
    pub valid_to: Option<NaiveDate>,
}

impl Unit {
    pub fn is_active_on(&self, day: NaiveDate) -> bool {
        self.valid_from <= day && self.valid_to.is_none_or(|end| day <= end)
    }
}

/// The fields of a new unit, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUnit {
    pub parent_id: UnitId,
    pub code: Code,
    pub name: UnitName,
    pub kind: UnitKind,
    pub level: Code,
    pub valid_from: NaiveDate,
}

/// A change of the tree's shape, recorded as an event with a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reorganisation {
    /// Several units end and one successor (new or existing) takes over.
    Merge { sources: Vec<UnitId>, into: UnitId },
    /// One unit ends and several successors take over.
    Split { source: UnitId, into: Vec<UnitId> },
    /// A unit moves under another parent; it keeps its identity.
    Move { unit: UnitId, new_parent: UnitId },
}

impl Reorganisation {
    pub fn kind(&self) -> &'static str {
        match self {
            Reorganisation::Merge { .. } => "merge",
            Reorganisation::Split { .. } => "split",
            Reorganisation::Move { .. } => "move",
        }
    }

    /// Rules that do not need the database: enough units, no unit twice, no
    /// unit merged into itself.
    pub fn check_shape(&self) -> Result<(), Invalid> {
        let bad = |vi: &'static str, en: &'static str| {
            Err(Invalid::new("reorganisation", "invalid_reorganisation", Text::fixed(vi, en)))
        };
        match self {
            Reorganisation::Merge { sources, into } => {
                if sources.len() < 2 && !sources.is_empty() && sources[0] == *into {
                    return bad("Không thể sáp nhập đơn vị vào chính nó.", "A unit cannot be merged into itself.");
                }
                if sources.is_empty() {
                    return bad("Cần chọn ít nhất một đơn vị để sáp nhập.", "Choose at least one unit to merge.");
                }
                if sources.contains(into) {
                    return bad(
                        "Đơn vị tiếp nhận không được nằm trong danh sách bị sáp nhập.",
                        "The receiving unit cannot be one of the merged units.",
                    );
                }
                if has_duplicates(sources) {
                    return bad("Một đơn vị được chọn hai lần.", "A unit was chosen twice.");
                }
            }
            Reorganisation::Split { source, into } => {
                if into.len() < 2 {
                    return bad(
                        "Chia tách cần ít nhất hai đơn vị kế thừa.",
                        "A split needs at least two successor units.",
                    );
                }
                if into.contains(source) || has_duplicates(into) {
                    return bad("Danh sách đơn vị kế thừa không hợp lệ.", "The successor list is not valid.");
                }
            }
            Reorganisation::Move { unit, new_parent } => {
                if unit == new_parent {
                    return bad("Không thể chuyển đơn vị vào chính nó.", "A unit cannot be moved under itself.");
                }
            }
        }
        Ok(())
    }
}

fn has_duplicates(ids: &[UnitId]) -> bool {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_answer_subtree_questions() {
        let root = UnitPath::root(UnitId(1));
        let province = root.child(UnitId(5));
        let commune = province.child(UnitId(17));
        assert_eq!(commune.as_str(), "/1/5/17/");
        assert_eq!(commune.ids(), vec![UnitId(1), UnitId(5), UnitId(17)]);
        assert!(commune.is_within(&province));
        assert!(province.is_within(&province));
        assert!(!province.is_within(&commune));
        // "/1/5/" must not count "/1/51/" as inside it.
        assert!(!UnitPath::root(UnitId(1)).child(UnitId(51)).is_within(&province));
        assert_eq!(commune.unit(), Some(UnitId(17)));
        assert!(UnitPath::try_from("/1//2/".to_owned()).is_err());
        assert!(UnitPath::try_from("/1/x/".to_owned()).is_err());
    }

    #[test]
    fn validity_is_inclusive() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let unit = Unit {
            id: UnitId(3),
            tenant_id: TenantId(2),
            parent_id: Some(UnitId(2)),
            code: Code::parse("huyen-a", "code").unwrap(),
            name: UnitName::parse("UBND huyện A").unwrap(),
            kind: UnitKind::parse("UBND huyện").unwrap(),
            level: Code::parse("huyen", "level").unwrap(),
            path: UnitPath::root(UnitId(1)).child(UnitId(2)).child(UnitId(3)),
            valid_from: d(2020, 1, 1),
            valid_to: Some(d(2025, 6, 30)),
        };
        assert!(unit.is_active_on(d(2025, 6, 30)));
        assert!(!unit.is_active_on(d(2025, 7, 1)));
        assert!(!unit.is_active_on(d(2019, 12, 31)));
    }

    #[test]
    fn reorganisation_shapes_are_checked() {
        let merge = |s: Vec<i64>, i: i64| Reorganisation::Merge {
            sources: s.into_iter().map(UnitId).collect(),
            into: UnitId(i),
        };
        assert!(merge(vec![1, 2], 3).check_shape().is_ok());
        assert!(merge(vec![1, 3], 3).check_shape().is_err());
        assert!(merge(vec![1, 1], 3).check_shape().is_err());
        assert!(merge(vec![], 3).check_shape().is_err());
        let split = Reorganisation::Split { source: UnitId(1), into: vec![UnitId(2)] };
        assert!(split.check_shape().is_err());
        let mv = Reorganisation::Move { unit: UnitId(4), new_parent: UnitId(4) };
        assert!(mv.check_shape().is_err());
        assert!(Reorganisation::Move { unit: UnitId(4), new_parent: UnitId(5) }.check_shape().is_ok());
    }
}

/// The administrative levels units are created at: (code, Vietnamese, English).
pub const LEVELS: &[(&str, &str, &str)] = &[
    ("bo", "Bộ, ngành", "Ministry"),
    ("cuc_vu", "Cục, Vụ", "Department"),
    ("tinh", "Tỉnh, thành phố", "Province"),
    ("so", "Sở, ban, ngành", "Provincial department"),
    ("huyen", "Huyện", "District"),
    ("xa", "Xã, phường, đặc khu", "Commune"),
    ("nganh_doc_tw", "Ngành dọc Trung ương", "Central vertical sector"),
    ("nganh_doc_tinh", "Ngành dọc cấp tỉnh", "Provincial vertical sector"),
    ("nganh_doc_huyen", "Ngành dọc cấp huyện", "District vertical sector"),
];

/// A unit level as people name it ("xa" → "Xã, phường, đặc khu"); a level
/// the platform does not know is shown as it was typed.
pub fn level_label(level: &str) -> Text {
    match level {
        "trung_uong" => Text::fixed("Trung ương", "Central government"),
        "don_vi" => Text::fixed("Đơn vị", "Unit"),
        _ => LEVELS
            .iter()
            .find(|(code, ..)| *code == level)
            .map_or_else(|| Text::new(level.to_owned(), level.to_owned()), |(_, vi, en)| Text::fixed(vi, en)),
    }
}

/// Levels joined for a sentence ("Tỉnh, thành phố hoặc Sở, ban, ngành").
pub fn levels_text(levels: &[String]) -> Text {
    let labels: Vec<Text> = levels.iter().map(|l| level_label(l)).collect();
    let join = |pick: fn(&Text) -> &str, or: &str| labels.iter().map(pick).collect::<Vec<_>>().join(or);
    Text::new(join(|t| &t.vi, " hoặc "), join(|t| &t.en, " or "))
}

#[cfg(test)]
mod level_tests {
    use super::*;

    #[test]
    fn levels_are_named_in_words() {
        assert_eq!(level_label("xa").vi, "Xã, phường, đặc khu");
        assert_eq!(level_label("nganh_doc_tw").en, "Central vertical sector");
        assert_eq!(level_label("khac").vi, "khac");
        let both = levels_text(&["tinh".to_owned(), "so".to_owned()]);
        assert_eq!(both.vi, "Tỉnh, thành phố hoặc Sở, ban, ngành");
    }
}

/// Units in the order of their tree: each unit right after its parent, and
/// siblings by name — the order people scan a list of units in.
pub fn sort_as_tree<T>(items: &mut [T], unit: impl Fn(&T) -> &Unit) {
    let names: std::collections::HashMap<UnitId, String> =
        items.iter().map(|i| (unit(i).id, unit(i).name.as_str().to_lowercase())).collect();
    let key = |i: &T| -> Vec<(String, UnitId)> {
        let path = unit(i).path.ids();
        path.into_iter().map(|id| (names.get(&id).cloned().unwrap_or_default(), id)).collect()
    };
    items.sort_by_cached_key(key);
}
