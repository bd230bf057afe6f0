//! Loading `policies/`: the group catalogue (groups.toml), the Casbin model
//! (model.conf) and the policy rules (policy.csv). The files are compiled
//! into the binary so that the product runs with no configuration; an
//! operator can point `authz.policies_dir` at a copy to change them.

use std::collections::BTreeMap;
use std::path::Path;

use baocao_domain::group::{GroupCode, GroupDef};
use baocao_domain::text::Text;
use baocao_domain::unit::TenantKind;
use serde::Deserialize;

use crate::PolicyError;

const MODEL: &str = include_str!("../../../policies/model.conf");
const POLICY: &str = include_str!("../../../policies/policy.csv");
const GROUPS: &str = include_str!("../../../policies/groups.toml");

/// The three policy texts.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub model: String,
    pub policy: String,
    pub groups: String,
}

impl PolicySet {
    /// The policies shipped with this build.
    pub fn builtin() -> Self {
        PolicySet { model: MODEL.to_owned(), policy: POLICY.to_owned(), groups: GROUPS.to_owned() }
    }

    /// The policies in a directory holding model.conf, policy.csv and groups.toml.
    pub fn from_dir(dir: &Path) -> Result<Self, PolicyError> {
        Ok(PolicySet {
            model: std::fs::read_to_string(dir.join("model.conf"))?,
            policy: std::fs::read_to_string(dir.join("policy.csv"))?,
            groups: std::fs::read_to_string(dir.join("groups.toml"))?,
        })
    }

    /// The `p` rules of policy.csv, each as its fields after "p".
    pub(crate) fn rules(&self) -> Result<Vec<Vec<String>>, PolicyError> {
        let mut rules = Vec::new();
        for (n, line) in self.policy.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<String> = line.split(',').map(|f| f.trim().to_owned()).collect();
            if fields.len() != 5 || fields[0] != "p" {
                return Err(PolicyError::Catalogue(format!(
                    "policy.csv line {}: expected `p, group, object, action, reach`",
                    n + 1
                )));
            }
            if fields[4] != "unit" && fields[4] != "subtree" {
                return Err(PolicyError::Catalogue(format!(
                    "policy.csv line {}: reach must be unit or subtree",
                    n + 1
                )));
            }
            rules.push(fields[1..].to_vec());
        }
        Ok(rules)
    }
}

#[derive(Deserialize)]
struct GroupsFile {
    group: Vec<GroupRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupRow {
    code: String,
    tenant_kinds: Vec<TenantKind>,
    ordinal: u32,
    scope: String,
    levels: Vec<String>,
    name_vi: String,
    name_en: String,
    description_vi: String,
    description_en: String,
}

/// The predefined groups, by code.
#[derive(Debug, Clone)]
pub struct GroupCatalogue {
    groups: BTreeMap<GroupCode, GroupDef>,
}

impl GroupCatalogue {
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let file: GroupsFile = toml::from_str(text).map_err(|e| PolicyError::Catalogue(e.to_string()))?;
        let mut groups = BTreeMap::new();
        for row in file.group {
            let code = GroupCode::parse(&row.code).map_err(|e| PolicyError::Catalogue(format!("{}: {e}", row.code)))?;
            if row.tenant_kinds.is_empty() {
                return Err(PolicyError::Catalogue(format!("{}: tenant_kinds is empty", row.code)));
            }
            let def = GroupDef {
                code: code.clone(),
                tenant_kinds: row.tenant_kinds,
                scope: row.scope,
                levels: row.levels,
                ordinal: row.ordinal,
                name: Text::new(row.name_vi, row.name_en),
                description: Text::new(row.description_vi, row.description_en),
            };
            if groups.insert(code, def).is_some() {
                return Err(PolicyError::Catalogue(format!("{}: defined twice", row.code)));
            }
        }
        Ok(GroupCatalogue { groups })
    }

    pub fn get(&self, code: &GroupCode) -> Option<&GroupDef> {
        self.groups.get(code)
    }

    /// Every group, ordered by tenant kind and then as in the handbook.
    pub fn all(&self) -> Vec<&GroupDef> {
        let mut all: Vec<&GroupDef> = self.groups.values().collect();
        all.sort_by_key(|g| (g.tenant_kinds.first().map(|k| *k as u8), g.ordinal));
        all
    }

    /// The groups a tenant of this kind offers.
    pub fn for_tenant(&self, kind: TenantKind) -> Vec<&GroupDef> {
        self.all().into_iter().filter(|g| g.tenant_kinds.contains(&kind)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_has_the_handbook_groups() {
        let cat = GroupCatalogue::parse(GROUPS).unwrap();
        assert_eq!(cat.for_tenant(TenantKind::Ministry).len(), 9, "handbook §4.2.1 a) lists 9 groups for ministries");
        assert_eq!(cat.for_tenant(TenantKind::Province).len(), 21, "handbook §4.2.1 b) lists 21 groups for provinces");
        let commune_entry = cat.get(&GroupCode::parse("TINH_XA_NHAPLIEU").unwrap()).unwrap();
        assert_eq!(commune_entry.name.vi, "Nhập liệu cấp xã");
        assert!(commune_entry.grantable_at_level("xa"));
        assert!(!commune_entry.grantable_at_level("tinh"));
    }

    #[test]
    fn every_policy_rule_names_a_known_group() {
        let set = PolicySet::builtin();
        let cat = GroupCatalogue::parse(&set.groups).unwrap();
        let rules = set.rules().unwrap();
        assert!(rules.len() > 100);
        for rule in &rules {
            let code = GroupCode::parse(&rule[0]).unwrap();
            assert!(cat.get(&code).is_some(), "policy.csv names unknown group {}", rule[0]);
        }
        for group in cat.all() {
            assert!(rules.iter().any(|r| r[0] == group.code.as_str()), "group {} allows nothing", group.code.as_str());
        }
    }

    #[test]
    fn malformed_catalogue_is_refused() {
        assert!(GroupCatalogue::parse("[[group]]\ncode = \"x\"").is_err());
        let twice = format!(
            "{GROUPS}\n{}",
            GROUPS.split("# --- a)").next().unwrap_or_default().replace("# The predefined", "#")
        );
        assert!(GroupCatalogue::parse(&twice).is_err());
    }
}
