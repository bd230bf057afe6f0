//! The use cases of baocao, independent of any front end. [`App`] holds what
//! they need (store, authoriser, event bus, regime runner, blob store, clock,
//! settings); every use case takes the [`App`] and the [`Caller`] and is a
//! function in the module named after what users do:
//!
//! - [`admin`]: units, users, group memberships;
//! - [`reports`]: assignment, reading, entry, narrative sections, workflow,
//!   attachments, receivers, aggregation, workbook import and download;
//! - [`regimes`]: the regime plugins a tenant uses, uploads, enabling;
//! - [`catalogues`], [`compliance`], [`notifications`], [`signin`];
//! - [`identities`]: sign-in through VNConnect and linking its identities;
//! - [`sync`]: keeping this instance in step with changes made on others.
//!
//! The web layer, the command line, the demo seed and background loops all
//! call these functions; none of them reaches storage or the authoriser
//! directly. Errors are one [`Error`] with stable codes.

pub mod admin;
pub mod blobs;
mod caller;
pub mod catalogues;
pub mod clock;
pub mod compliance;
pub mod demo;
mod error;
pub mod filters;
pub mod identities;
pub mod notifications;
pub mod operations;
pub mod outbox;
pub mod queues;
pub mod ranking;
pub mod regimes;
pub mod reminders;
pub mod reports;
pub mod signatures;
pub mod signin;
pub mod start;
pub mod sync;
pub mod tenants;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use baocao_authz::Authorizer;
use baocao_bus::EventBus;
use baocao_config::Settings;
use baocao_identity::throttle::{AttemptLimiter, Counters, SignInThrottle, ThrottlePolicy};
use baocao_plugins::{Registry, Runner};
use baocao_storage::Store;

pub use caller::Caller;
pub use error::{Error, SignInRefusal};

/// Read models the use cases answer with, for front ends to render.
pub mod views {
    pub use baocao_domain::content::{AddedRow, ReportRow};
    pub use baocao_plugins::abi::{CellType, Column, Form, Outline, Row, RowMode, Section, Text as RegimeText};
    pub use baocao_plugins::{Entry as RegimeEntry, Scope as RegimeScope};
    pub use baocao_storage::{
        Attachment, AuditEntry, Candidate, ClusterLock, HistoryEntry, JobRun, MembershipView, NotificationQuery,
        NotificationRow, NotificationState, OutboxMail, Page, ReportQuery, UnitWithTenant, UserQuery, UserRecord,
    };
}

/// Password resets one address may attempt per minute (each costs a password hash).
pub const RESETS_PER_MINUTE: usize = 10;

pub struct App {
    pub(crate) settings: Settings,
    pub(crate) store: Store,
    pub(crate) authz: Arc<Authorizer>,
    pub(crate) bus: Arc<dyn EventBus>,
    pub(crate) regimes: Runner,
    pub(crate) blobs: Arc<dyn blobs::BlobStore>,
    pub(crate) clock: Arc<dyn clock::Clock>,
    /// Sign-in attempts per client address.
    pub(crate) limiter: AttemptLimiter,
    /// Per account and per (account, address) failures: captcha and waits, never a lock.
    pub(crate) throttle: SignInThrottle,
    /// Password-reset attempts per client address, and per code.
    pub(crate) reset_attempts: AttemptLimiter,
    pub(crate) reset_codes: AttemptLimiter,
    /// Workbooks being read: a few heavy imports cannot take every core.
    pub(crate) imports: Arc<tokio::sync::Semaphore>,
    pub(crate) signing: signatures::Signing,
    /// The identity provider ("Đăng nhập với VNConnect"), when configured.
    pub(crate) oidc: Option<Arc<baocao_identity::oidc::Provider>>,
}

impl App {
    /// `counters` holds the sign-in throttle's counts: in Redis for a cluster.
    pub fn new(
        settings: Settings, store: Store, authz: Arc<Authorizer>, bus: Arc<dyn EventBus>, regimes: Arc<Registry>,
        counters: Arc<dyn Counters>,
    ) -> Self {
        let auth = &settings.auth;
        let throttle = SignInThrottle::new(
            ThrottlePolicy {
                captcha_after: auth.api_captcha_after.max(0) as u32,
                address_threshold: auth.lockout_threshold.max(1) as u32,
                first_wait: Duration::from_secs(auth.lockout_seconds),
                max_wait: Duration::from_secs(3600),
                memory: Duration::from_secs(3600),
            },
            counters.clone(),
        );
        let minute = Duration::from_secs(60);
        let resets = RESETS_PER_MINUTE.max(auth.attempts_per_minute / 3);
        let reset_attempts = AttemptLimiter::new("reset", resets, minute, counters.clone());
        let reset_codes = AttemptLimiter::new("reset_code", 5, minute, counters.clone());
        let limiter = AttemptLimiter::new("login", auth.attempts_per_minute.max(1), minute, counters);
        let imports = Arc::new(tokio::sync::Semaphore::new(settings.reports.import_concurrency.max(1)));
        let blobs = blobs::from_settings(&settings, &store);
        let signing = signatures::Signing::new(&settings.signing);
        // The settings were validated when loaded, so a provider that cannot be built is only logged.
        let oidc = baocao_identity::oidc::Provider::from_settings(&settings.auth.oidc)
            .inspect_err(|e| tracing::error!(error = %e, "identity provider not usable"))
            .ok()
            .flatten()
            .map(Arc::new);
        App {
            settings,
            store,
            authz,
            bus,
            regimes: Runner::new(regimes),
            blobs,
            clock: Arc::new(clock::SystemClock),
            limiter,
            throttle,
            reset_attempts,
            reset_codes,
            imports,
            signing,
            oidc,
        }
    }

    /// The same application with another clock (tests of deadlines).
    pub fn with_clock(self, clock: Arc<dyn clock::Clock>) -> Self {
        App { clock, ..self }
    }

    /// The same application with another blob store.
    pub fn with_blobs(self, blobs: Arc<dyn blobs::BlobStore>) -> Self {
        App { blobs, ..self }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether the database answers (readiness).
    pub async fn database_ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// Whether the event bus answers (readiness).
    pub async fn bus_ready(&self) -> bool {
        self.bus.ping().await.is_ok()
    }

    /// The database's kind, for the readiness report.
    pub fn database_backend(&self) -> &'static str {
        self.store.backend_name()
    }

    /// The event bus, for front ends that stream events to browsers.
    pub fn bus(&self) -> &Arc<dyn EventBus> {
        &self.bus
    }

    /// The store itself, past every use case: for the binary's wiring,
    /// operators' tools and tests. Front ends call use cases instead.
    pub fn store_unscoped(&self) -> &Store {
        &self.store
    }

    /// The authoriser itself: for the binary's wiring and tests.
    pub fn authz_unscoped(&self) -> &Arc<Authorizer> {
        &self.authz
    }

    /// The regime plugins this instance holds.
    pub fn regimes(&self) -> &Registry {
        self.regimes.registry()
    }

    /// Today in Viet Nam, by the application's clock (what deadlines are measured against).
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }
}
