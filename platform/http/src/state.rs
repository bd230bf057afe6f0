//! What every handler shares: the application, and what only the web needs
//! (sessions, metrics, the anonymous-session budget).

use std::sync::Arc;
use std::time::Duration;

use baocao_app::App;
use baocao_config::Metrics;
use baocao_identity::session::SessionStore;
use baocao_identity::throttle::AttemptLimiter;

use crate::error::WebError;

/// New anonymous sessions one client address may open per minute (at least;
/// twice the sign-in attempts allowed when that is more): a person
/// reloads the sign-in page a few times; a script fetching it in a loop is
/// what this stops.
pub const ANONYMOUS_SESSIONS_PER_MINUTE: usize = 60;

pub struct AppState {
    pub app: Arc<App>,
    pub sessions: Arc<dyn SessionStore>,
    pub metrics: Metrics,
    /// Anonymous sessions (sign-in form, captcha) made per client address and minute.
    pub anonymous_sessions: AttemptLimiter,
    /// Set when the instance begins to stop: the event streams end, so
    /// browsers reconnect to another instance.
    shutdown: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    pub fn new(app: Arc<App>, sessions: Arc<dyn SessionStore>, metrics: Metrics) -> Self {
        let per_minute = ANONYMOUS_SESSIONS_PER_MINUTE.max(app.settings().auth.attempts_per_minute * 2);
        // Per instance: a page reloaded on one instance and then another is one person, not an attack.
        let counters = Arc::new(baocao_identity::throttle::MemoryCounters::default());
        let anonymous_sessions =
            AttemptLimiter::new("anonymous_session", per_minute, Duration::from_secs(60), counters);
        let shutdown = Arc::new(tokio::sync::watch::Sender::new(false));
        AppState { app, sessions, metrics, anonymous_sessions, shutdown }
    }

    /// The instance is stopping: ends the event streams (requests in flight finish).
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Resolves once the instance begins to stop.
    pub fn stopping(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut stopping = self.shutdown.subscribe();
        async move {
            // An error means the state is gone, which is a stop too.
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    }

    pub fn settings(&self) -> &baocao_config::Settings {
        self.app.settings()
    }

    /// A client may open a new anonymous session (the sign-in page, a captcha)
    /// only so often: every one is stored until it expires.
    pub async fn anonymous_session_allowed(&self, req: &actix_web::HttpRequest) -> Result<(), WebError> {
        match req.peer_addr() {
            Some(peer) => {
                self.anonymous_sessions.attempt(peer.ip()).await.map_err(|wait| {
                    WebError::App(baocao_app::Error::TooManyAttempts { seconds: wait.as_secs().max(1) })
                })
            }
            None => Ok(()),
        }
    }

    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.settings().auth.session_minutes * 60)
    }
}
