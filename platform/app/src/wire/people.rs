//! Units, users, groups and the audit trail on the wire.

use crate::views::{MembershipView, UnitWithTenant, UserRecord};
use baocao_domain::format;
use baocao_domain::text::Locale;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub tenant_id: i64,
    /// `root`, `ministry`, `province` or `sector`.
    pub tenant_kind: String,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub level: String,
    /// Ids from the root down to this unit, e.g. "/1/5/17/".
    pub path: String,
    /// yyyy-MM-dd.
    pub valid_from: String,
    pub valid_to: Option<String>,
    /// dd/MM/yyyy, as shown to users.
    pub valid_from_display: String,
}

impl From<&UnitWithTenant> for UnitDto {
    fn from(u: &UnitWithTenant) -> Self {
        let unit = &u.unit;
        UnitDto {
            id: unit.id.0,
            parent_id: unit.parent_id.map(|p| p.0),
            tenant_id: unit.tenant_id.0,
            tenant_kind: u.tenant_kind.as_str().to_owned(),
            code: unit.code.as_str().to_owned(),
            name: unit.name.as_str().to_owned(),
            kind: unit.kind.as_str().to_owned(),
            level: unit.level.as_str().to_owned(),
            path: unit.path.as_str().to_owned(),
            valid_from: unit.valid_from.to_string(),
            valid_to: unit.valid_to.map(|d| d.to_string()),
            valid_from_display: format::date(unit.valid_from, Locale::Vi),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipDto {
    pub group: String,
    pub unit_id: i64,
    pub unit_name: String,
}

impl From<&MembershipView> for MembershipDto {
    fn from(m: &MembershipView) -> Self {
        MembershipDto { group: m.group.as_str().to_owned(), unit_id: m.unit_id.0, unit_name: m.unit_name.clone() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
    /// `active` or `disabled`.
    pub status: String,
    pub tenant_id: i64,
    /// The managing unit.
    pub unit_id: i64,
    pub unit_name: String,
    pub groups: Vec<MembershipDto>,
}

impl From<&UserRecord> for UserDto {
    fn from(r: &UserRecord) -> Self {
        let u = &r.user;
        UserDto {
            id: u.id.0,
            username: u.username.as_str().to_owned(),
            full_name: u.full_name.as_str().to_owned(),
            email: u.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: u.phone.as_ref().map(|p| p.as_str().to_owned()),
            id_number: u.id_number.as_ref().map(|i| i.as_str().to_owned()),
            status: u.status.as_str().to_owned(),
            tenant_id: u.tenant_id.0,
            unit_id: u.unit_id.0,
            unit_name: r.unit_name.clone(),
            groups: r.groups.iter().map(MembershipDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupDto {
    pub code: String,
    /// Vietnamese name, as in the handbook.
    pub name: String,
    pub name_en: String,
    /// The level the group is scoped to (bo, cuc_vu, tinh, so, huyen, xa, nganh_doc_*, don_vi, trung_uong).
    pub scope: String,
    pub tenant_kinds: Vec<String>,
    /// Unit levels where the group may be granted; empty: any.
    pub levels: Vec<String>,
    pub description: String,
    pub ordinal: u32,
}

impl From<&baocao_domain::group::GroupDef> for GroupDto {
    fn from(g: &baocao_domain::group::GroupDef) -> Self {
        GroupDto {
            code: g.code.as_str().to_owned(),
            name: g.name.vi.to_string(),
            name_en: g.name.en.to_string(),
            scope: g.scope.clone(),
            tenant_kinds: g.tenant_kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            levels: g.levels.clone(),
            description: g.description.vi.to_string(),
            ordinal: g.ordinal,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    #[serde(flatten)]
    pub user: UserDto,
    /// Send this in `X-CSRF-Token` with state-changing calls authenticated by the cookie.
    pub csrf_token: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditDto {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}
