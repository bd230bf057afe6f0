use baocao_domain::text::{Invalid, Text};
use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing asked for does not exist.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The write would duplicate something unique (a username, a unit code).
    #[error("conflict: {0}")]
    Conflict(Invalid),
    /// The write breaks a rule that needs the stored data to check (a unit
    /// that still has children, a group granted at the wrong level …).
    #[error("refused: {0}")]
    Refused(Invalid),
    /// The writer's copy is older than the stored one (optimistic versioning).
    #[error("stale version; stored version is {}", .0.current_version)]
    Stale(Box<baocao_domain::content::Stale>),
    /// The grant presented is not the one this write needs (a bug in the caller's checks).
    #[error("the grant does not cover this write")]
    Forbidden,
    #[error("database error: {0}")]
    Db(DbErr),
    /// A stored row no longer satisfies the domain's rules.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The database could not be reached (down, restarting, out of
    /// connections, or SQLite still locked after waiting): the same request
    /// may succeed later, so callers answer "unavailable", not "failed".
    pub fn is_unavailable(&self) -> bool {
        let StoreError::Db(err) = self else { return false };
        if matches!(err, DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) {
            return true;
        }
        let text = err.to_string().to_ascii_lowercase();
        [
            "database is locked",
            "connection refused",
            "connection reset",
            "terminating connection",
            "broken pipe",
            "pool timed out",
            "connection closed",
        ]
        .iter()
        .any(|needle| text.contains(needle))
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        // A unique index that fires under a race is still a conflict for the user.
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return StoreError::Conflict(Invalid::new(
                "unique",
                "duplicate",
                Text::fixed("Dữ liệu đã tồn tại.", "This already exists."),
            ));
        }
        StoreError::Db(err)
    }
}

impl From<Invalid> for StoreError {
    fn from(err: Invalid) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}

pub(crate) fn refused(
    field: &'static str, code: &'static str, vi: impl Into<String>, en: impl Into<String>,
) -> StoreError {
    StoreError::Refused(Invalid::new(field, code, Text::new(vi.into(), en.into())))
}

pub(crate) fn conflict(
    field: &'static str, code: &'static str, vi: impl Into<String>, en: impl Into<String>,
) -> StoreError {
    StoreError::Conflict(Invalid::new(field, code, Text::new(vi.into(), en.into())))
}
