//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use baocao_authz::Authorizer;
use baocao_bus::EventBus;
use baocao_config::{Metrics, Settings};
use baocao_identity::session::SessionStore;
use baocao_identity::throttle::{AttemptLimiter, LockoutPolicy};
use baocao_plugins::Registry;
use baocao_storage::Store;

pub struct AppState {
    pub settings: Settings,
    pub store: Store,
    pub authz: Arc<Authorizer>,
    pub sessions: Arc<dyn SessionStore>,
    pub bus: Arc<dyn EventBus>,
    pub metrics: Metrics,
    pub limiter: AttemptLimiter,
    pub lockout: LockoutPolicy,
    /// The regime plugins loaded on this instance.
    pub regimes: Arc<Registry>,
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
        let lockout = LockoutPolicy {
            threshold: auth.lockout_threshold,
            first_lock: Duration::from_secs(auth.lockout_seconds),
            max_lock: Duration::from_secs(3600),
            captcha_after: auth.api_captcha_after,
        };
        let limiter = AttemptLimiter::new(auth.attempts_per_minute.max(1), Duration::from_secs(60));
        AppState { settings, store, authz, sessions, bus, metrics, limiter, lockout, regimes }
    }

    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.settings.auth.session_minutes * 60)
    }
}
