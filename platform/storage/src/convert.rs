//! Rows to domain values. A row that fails the domain's validation is
//! reported as corrupt rather than silently passed on.

use baocao_domain::ids::{TenantId, UnitId, UserId};
use baocao_domain::types::{Code, Email, FullName, IdNumber, Phone, UnitKind, UnitName, Username};
use baocao_domain::unit::{Unit, UnitPath};
use baocao_domain::user::{User, UserStatus};

use crate::entity::{units, users};
use crate::error::StoreError;

pub(crate) fn unit(row: units::Model) -> Result<Unit, StoreError> {
    Ok(Unit {
        id: UnitId(row.id),
        tenant_id: TenantId(row.tenant_id),
        parent_id: row.parent_id.map(UnitId),
        code: Code::parse(&row.code, "code")?,
        name: UnitName::parse(&row.name)?,
        kind: UnitKind::parse(&row.kind)?,
        level: Code::parse(&row.level, "level")?,
        path: UnitPath::try_from(row.path)?,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
    })
}

pub(crate) fn user(row: &users::Model) -> Result<User, StoreError> {
    Ok(User {
        id: UserId(row.id),
        tenant_id: TenantId(row.tenant_id),
        unit_id: UnitId(row.unit_id),
        username: Username::parse(&row.username)?,
        full_name: FullName::parse(&row.full_name)?,
        email: row.email.as_deref().map(Email::parse).transpose()?,
        phone: row.phone.as_deref().map(Phone::parse).transpose()?,
        id_number: row.id_number.as_deref().map(IdNumber::parse).transpose()?,
        status: UserStatus::parse(&row.status)
            .ok_or_else(|| StoreError::Corrupt(format!("user {} status {}", row.id, row.status)))?,
        created_at: row.created_at,
        password_changed_at: row.password_changed_at,
    })
}
