//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use baocao_authz::Authorizer;
use baocao_bus::EventBus;
use baocao_config::{Metrics, Settings};
use baocao_identity::session::SessionStore;
use baocao_identity::throttle::{AttemptLimiter, SignInThrottle, ThrottlePolicy};
use baocao_plugins::Registry;
use baocao_storage::Store;

/// New anonymous sessions one client address may open per minute (at least;
/// twice the sign-in attempts allowed when that is more): a person
/// reloads the sign-in page a few times; a script fetching it in a loop is
/// what this stops.
pub const ANONYMOUS_SESSIONS_PER_MINUTE: usize = 60;

/// Password resets one address may attempt per minute (each costs a password hash).
pub const RESETS_PER_MINUTE: usize = 10;

pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub authz: Arc<Authorizer>,
    pub sessions: Arc<dyn SessionStore>,
    pub bus: Arc<dyn EventBus>,
    pub metrics: Metrics,
    pub limiter: AttemptLimiter,
    /// Per account and per (account, address) failures: captcha and waits, never a lock.
    pub throttle: SignInThrottle,
    /// Password-reset attempts per client address, and per code.
    pub reset_attempts: AttemptLimiter,
    pub reset_codes: AttemptLimiter<String>,
    /// The regime plugins loaded on this instance.
    pub regimes: Arc<Registry>,
    /// Anonymous sessions (sign-in form, captcha) made per client address and minute.
    pub anonymous_sessions: AttemptLimiter,
    /// Workbooks being read: a few heavy imports cannot take every core.
    pub imports: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    pub fn new(
        settings: Settings,
        store: Store,
        authz: Arc<Authorizer>,
        sessions: Arc<dyn SessionStore>,
        bus: Arc<dyn EventBus>,
        metrics: Metrics,
        regimes: Arc<Registry>,
    ) -> Self {
        let auth = &settings.auth;
        let throttle = SignInThrottle::new(ThrottlePolicy {
            captcha_after: auth.api_captcha_after.max(0) as u32,
            address_threshold: auth.lockout_threshold.max(1) as u32,
            first_wait: Duration::from_secs(auth.lockout_seconds),
            max_wait: Duration::from_secs(3600),
            memory: Duration::from_secs(3600),
        });
        let reset_attempts = AttemptLimiter::new(RESETS_PER_MINUTE.max(auth.attempts_per_minute / 3), Duration::from_secs(60));
        let reset_codes = AttemptLimiter::new(5, Duration::from_secs(60));
        let limiter = AttemptLimiter::new(auth.attempts_per_minute.max(1), Duration::from_secs(60));
        let imports = Arc::new(tokio::sync::Semaphore::new(settings.reports.import_concurrency.max(1)));
        let anonymous_sessions = AttemptLimiter::new(ANONYMOUS_SESSIONS_PER_MINUTE.max(auth.attempts_per_minute * 2), Duration::from_secs(60));
        AppState { settings, store, authz, sessions, bus, metrics, limiter, throttle, reset_attempts, reset_codes, regimes, imports, anonymous_sessions }
    }

    /// The limits of one workbook import.
    pub fn import_limits(&self) -> crate::workbook_guard::ImportLimits {
        let r = &self.settings.reports;
        crate::workbook_guard::ImportLimits {
            max_unpacked_bytes: r.import_max_unpacked_bytes,
            max_cells: r.import_max_cells,
            max_seconds: r.import_max_seconds,
        }
    }

    /// A client may open a new anonymous session (the sign-in page, a captcha)
    /// only so often: every one is stored until it expires.
    pub fn anonymous_session_allowed(&self, req: &actix_web::HttpRequest) -> Result<(), crate::error::AppError> {
        match req.peer_addr() {
            Some(peer) => self.anonymous_sessions.attempt(peer.ip()).map_err(|wait| crate::error::AppError::TooManyAttempts { seconds: wait.as_secs().max(1) }),
            None => Ok(()),
        }
    }

    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.settings.auth.session_minutes * 60)
    }
}
