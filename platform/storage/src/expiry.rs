//! Removing what has expired: prepared signatures a token never completed,
//! and reset codes past their time (used ones are kept as a trace until then).

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::Store;
use crate::entity::{password_resets, pending_signatures};
use crate::error::StoreError;

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Expired {
    pub pending_signatures: u64,
    pub reset_codes: u64,
}

impl Store {
    /// Deletes prepared signatures and reset codes that expired before `now`.
    pub async fn remove_expired(&self, now: DateTime<Utc>) -> Result<Expired, StoreError> {
        let signatures = pending_signatures::Entity::delete_many()
            .filter(pending_signatures::Column::ExpiresAt.lt(now))
            .exec(self.db())
            .await?;
        let codes = password_resets::Entity::delete_many()
            .filter(password_resets::Column::ExpiresAt.lt(now))
            .exec(self.db())
            .await?;
        Ok(Expired { pending_signatures: signatures.rows_affected, reset_codes: codes.rows_affected })
    }
}
