//! A cluster-wide lock on PostgreSQL: a transaction-scoped advisory lock,
//! held while the transaction is open and released when it ends (also when
//! the holder's connection dies, so a crashed instance never keeps it).

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait};

use crate::Store;
use crate::error::StoreError;

/// A held lock; [`ClusterLock::release`] ends it.
pub struct ClusterLock {
    tx: DatabaseTransaction,
}

impl ClusterLock {
    pub async fn release(self) -> Result<(), StoreError> {
        self.tx.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Takes the advisory lock `key` if nobody holds it; None when another
    /// holder has it. PostgreSQL only: other backends answer None.
    pub async fn try_cluster_lock(&self, key: i64) -> Result<Option<ClusterLock>, StoreError> {
        if self.db().get_database_backend() != DbBackend::Postgres {
            return Ok(None);
        }
        let tx = self.db().begin().await?;
        let sql = "SELECT pg_try_advisory_xact_lock($1) AS held";
        let row = tx.query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [key.into()])).await?;
        let held = row.map(|r| r.try_get::<bool>("", "held")).transpose()?.unwrap_or(false);
        if held {
            return Ok(Some(ClusterLock { tx }));
        }
        tx.rollback().await?;
        Ok(None)
    }
}
