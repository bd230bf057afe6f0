//! Predefined permission groups (nhóm người dùng) of the handbook, §4.2.1.
//! Their list and what each allows live in `policies/` as data; this module
//! only gives them a type.

use serde::{Deserialize, Serialize};

use crate::text::{Invalid, Text};
use crate::unit::TenantKind;

/// A group's code as written in `policies/groups.csv`, e.g. `TINH_XA_NHAPLIEU`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GroupCode(String);

impl GroupCode {
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let v = raw.trim();
        if (2..=64).contains(&v.len()) && v.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
            Ok(GroupCode(v.to_owned()))
        } else {
            Err(Invalid::new(
                "group",
                "invalid_group",
                Text::fixed("Mã nhóm người dùng không hợp lệ.", "Malformed group code."),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for GroupCode {
    type Error = Invalid;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        GroupCode::parse(&value)
    }
}

impl From<GroupCode> for String {
    fn from(value: GroupCode) -> Self {
        value.0
    }
}

/// One predefined group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDef {
    pub code: GroupCode,
    /// The kinds of tenant that offer the group.
    pub tenant_kinds: Vec<TenantKind>,
    /// The level the group is scoped to, e.g. "bo", "cuc_vu", "tinh", "huyen", "xa", "nganh_doc_tw".
    pub scope: String,
    /// Unit levels at which the group may be granted; empty means any level of the tenant.
    pub levels: Vec<String>,
    /// Number in the handbook's table, for display order.
    pub ordinal: u32,
    pub name: Text,
    pub description: Text,
}

impl GroupDef {
    pub fn grantable_at_level(&self, level: &str) -> bool {
        self.levels.is_empty() || self.levels.iter().any(|l| l == level)
    }
}
