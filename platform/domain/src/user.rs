//! User accounts.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{TenantId, UnitId, UserId};
use crate::types::{Email, FullName, IdNumber, Phone, Username};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    /// Deleted in the interface: kept for the history of what the user did.
    Disabled,
}

impl UserStatus {
    /// The account's state as people name it.
    pub fn label(self) -> crate::text::Text {
        match self {
            UserStatus::Active => crate::text::Text::fixed("Đang hoạt động", "Active"),
            UserStatus::Disabled => crate::text::Text::fixed("Đã khóa", "Deactivated"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Disabled => "disabled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(UserStatus::Active),
            "disabled" => Some(UserStatus::Disabled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    /// The managing unit (cơ quan quản lý).
    pub unit_id: UnitId,
    pub username: Username,
    pub full_name: FullName,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    /// Sessions opened before this moment are void: a password change or
    /// reset signs the account out everywhere.
    pub password_changed_at: DateTime<Utc>,
}

/// The validated fields of a new or edited account (without its password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserProfile {
    pub full_name: FullName,
    pub email: Option<Email>,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
}
