//! Persistence of baocao on sea-orm. One implementation serves SQLite (the
//! embedded default) and PostgreSQL (production); the backend is chosen once,
//! from the database URL, in [`Store::connect`].
//!
//! Every function that reads or writes tenant data takes the caller's
//! [`Grant`](baocao_authz::Grant) or [`Scope`](baocao_authz::Scope): the
//! owner of the data is part of the signature, so an unchecked query cannot
//! be written by accident. Writes that touch several rows run in one
//! transaction together with their audit entry.

mod aggregates;
mod approvals;
mod attachments;
mod audit;
mod blobs;
mod catalogues;
mod cells;
mod compliance;
mod convert;
mod entity;
mod error;
mod expiry;
mod identities;
mod locks;
mod notifications;
mod opening;
mod outbox;
mod recent;

mod regimes;
mod reports;
mod resets;
mod signatures;
mod tenants;
mod together;
mod units;
mod users;

use std::time::Duration;

use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::user::User;
use baocao_migrations::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

pub use aggregates::{AggregationInput, Candidate, SourceRef};
pub use approvals::ApprovalRule;
pub use attachments::{Attachment, NewAttachment};
pub use audit::{Actor, AuditEntry};
pub use baocao_domain::numbers::NumberGrid;
pub use catalogues::{CatalogueVersion, NewCatalogueVersion};
pub use cells::StoredCells;
pub use compliance::{ComplianceQuery, ComplianceRow};
pub use error::StoreError;
pub use expiry::Expired;
pub use locks::ClusterLock;
pub use notifications::{NotificationDraft, NotificationQuery, NotificationRow, NotificationState};
pub use outbox::{JobRun, MailDraft, MailPreferences, OutboxMail};
pub use recent::RECENT;
pub use regimes::{NewRegimePlugin, RegimePluginRow};
pub use reports::{
    AddedRow, HistoryEntry, Keyword, Move, NewContent, NewReport, QueueQuery, ReportCell, ReportQuery, ReportRow,
    SectionEdit, Stale, content_hash,
};
pub use resets::ResetOutcome;
pub use signatures::{
    DocumentWrite, KeyOwner, NewSignatureImage, PendingSignature, ReportDocument, SignatureImage, SigningKeyRow,
    SigningPolicy,
};
pub use tenants::{Tenant, TenantSettings};
pub use units::{NewTenant, UnitChanges, UnitWithTenant};
pub use users::{LoginRecord, MembershipView, NewAccount, UserQuery, UserRecord};

/// A page of results.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Rows before a page, never past what the database takes as an offset
/// (callers check the page number; this keeps a bad one from panicking).
pub(crate) fn offset(page: u64, per_page: u64) -> u64 {
    page.saturating_sub(1).saturating_mul(per_page).min(i64::MAX as u64)
}

#[derive(Clone)]
pub struct Store {
    db: DatabaseConnection,
    /// Users as a request's session finds them ([`Store::user_of_session`]).
    users: std::sync::Arc<recent::Recent<UserId, User>>,
    /// Units' paths and names as requests find them ([`Store::unit_paths_unscoped`]).
    units: std::sync::Arc<recent::Recent<UnitId, units::KnownUnit>>,
    /// Reports opened and list pages read at the same moment, read together.
    readings: std::sync::Arc<opening::Readings>,
}

impl Store {
    /// Connects to `sqlite://…` (creating the file if missing) or
    /// `postgres://…`, keeping up to `pool_size` connections (none: 8 on
    /// SQLite, 16 on PostgreSQL).
    pub async fn connect(url: &str, pool_size: Option<u32>) -> Result<Self, StoreError> {
        let url = if url.starts_with("sqlite:") && !url.contains("mode=") {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}mode=rwc")
        } else {
            url.to_owned()
        };
        let mut options = ConnectOptions::new(url);
        // Per connection, so set on the pool's options rather than by a PRAGMA
        // that reaches one connection: writers wait for each other (up to 10 s)
        // instead of failing, and foreign keys are enforced.
        options.map_sqlx_sqlite_opts(|o| o.busy_timeout(Duration::from_secs(10)).foreign_keys(true));
        options
            .max_connections(pool_size.unwrap_or(if options.get_url().starts_with("sqlite:") { 8 } else { 16 }).max(1))
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            // A ping on every checkout doubles the round trips of a short
            // query; only a connection idle long enough for the server, a
            // proxy or a firewall to have dropped it is tried first.
            .test_before_acquire_if_idle_for(Duration::from_secs(30))
            .sqlx_logging(false);
        let db = Database::connect(options).await?;
        if db.get_database_backend() == DbBackend::Sqlite {
            // WAL lets readers proceed while one writer commits; foreign keys
            // are off by default in SQLite and must be asked for.
            db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
        }
        let (users, units) = (recent::Recent::new(recent::RECENT), recent::Recent::new(recent::RECENT));
        // Clones of the store share what it keeps, so one clone's write is seen by all.
        Ok(Store { db, users: users.into(), units: units.into(), readings: Default::default() })
    }

    pub fn backend_name(&self) -> &'static str {
        match self.db.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        baocao_migrations::Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// The migrations this version knows that the database lacks, read
    /// without writing anything; an error when the database holds one this
    /// version does not know (a newer release migrated it).
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        let pending = baocao_migrations::Migrator::get_pending_migrations_read_only(&self.db).await?;
        Ok(pending.iter().map(|m| m.name().to_owned()).collect())
    }

    /// For `/readyz`: the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let backend = self.db.get_database_backend();
        self.db.query_one_raw(Statement::from_string(backend, "SELECT 1")).await?;
        Ok(())
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begins a transaction that will write. On SQLite it takes the write
    /// lock at `BEGIN IMMEDIATE`, waiting up to the busy timeout for another
    /// writer to finish: a deferred transaction that read first and then
    /// tried to write would fail at once with "database is locked" instead
    /// of waiting, and the loser of two concurrent saves would get an error
    /// rather than its stale-version answer. PostgreSQL ignores the mode.
    pub(crate) async fn begin_write(&self) -> Result<DatabaseTransaction, DbErr> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        };
        self.db.begin_with_options(options).await
    }
}
