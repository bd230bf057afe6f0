//! Blob bytes in the database (attachments): every instance of a cluster
//! reads what another wrote. A blob is stored in parts of at most
//! [`PART_BYTES`], all written in one transaction, so a reader sees the whole
//! blob or none of it.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::Store;
use crate::entity::blobs;
use crate::error::StoreError;

/// The largest part: well under PostgreSQL's and SQLite's limits for one value.
pub const PART_BYTES: usize = 1024 * 1024;

impl Store {
    /// Stores `bytes` under `key`, replacing what was there.
    pub async fn put_blob(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        blobs::Entity::delete_many().filter(blobs::Column::Key.eq(key)).exec(&tx).await?;
        for (part, chunk) in bytes.chunks(PART_BYTES).enumerate() {
            // Parts of a mebibyte: i32 numbers them past any attachment's size limit.
            let part = i32::try_from(part).unwrap_or(i32::MAX);
            blobs::ActiveModel { key: Set(key.to_owned()), part: Set(part), bytes: Set(chunk.to_vec()) }
                .insert(&tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The bytes under `key`; None when there is no such blob.
    pub async fn blob(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let parts = blobs::Entity::find()
            .filter(blobs::Column::Key.eq(key))
            .order_by_asc(blobs::Column::Part)
            .all(self.db())
            .await?;
        if parts.is_empty() {
            return Ok(None);
        }
        Ok(Some(parts.into_iter().flat_map(|p| p.bytes).collect()))
    }

    /// Removes the blob under `key`; whether there was one.
    pub async fn delete_blob(&self, key: &str) -> Result<bool, StoreError> {
        let gone = blobs::Entity::delete_many().filter(blobs::Column::Key.eq(key)).exec(self.db()).await?;
        Ok(gone.rows_affected > 0)
    }
}
