//! Structured logs (tracing) and Prometheus metrics.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use tracing_subscriber::EnvFilter;

use crate::LogSettings;

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init_tracing(settings: &LogSettings) {
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let result = if settings.format == "json" {
        tracing_subscriber::fmt().with_env_filter(filter).json().with_current_span(false).try_init()
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).compact().try_init()
    };
    // Already installed (several apps in one test process): keep the first.
    let _ = result;
}

/// The metrics of one application instance, on its own registry so that
/// several instances in one process (tests) do not collide.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_duration: HistogramVec,
    pub logins: IntCounterVec,
    /// Background job runs by job and outcome (ok, failed), and their duration.
    pub job_runs: IntCounterVec,
    pub job_duration: HistogramVec,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("baocao".to_owned()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route and status"),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["method", "route"],
        )?;
        let logins = IntCounterVec::new(Opts::new("logins_total", "Sign-in attempts by outcome"), &["outcome"])?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        registry.register(Box::new(logins.clone()))?;
        let job_runs =
            IntCounterVec::new(Opts::new("job_runs_total", "Background job runs by outcome"), &["job", "outcome"])?;
        let job_duration = HistogramVec::new(
            HistogramOpts::new("job_duration_seconds", "Background job run time")
                .buckets(vec![0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0]),
            &["job"],
        )?;
        registry.register(Box::new(job_runs.clone()))?;
        registry.register(Box::new(job_duration.clone()))?;
        Ok(Metrics { registry, http_requests, http_duration, logins, job_runs, job_duration })
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let encoder = prometheus::TextEncoder::new();
        encoder.encode_to_string(&self.registry.gather()).unwrap_or_default()
    }
}
