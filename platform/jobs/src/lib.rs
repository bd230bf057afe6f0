//! The background jobs of baocao. A job has a name, a schedule (every so
//! often) and a run function over the application; before each run the
//! instance takes the job's cluster-wide lease, so a run happens on one
//! instance only however many run `baocao serve` or `baocao worker`. Each run
//! is counted and timed at `/metrics` and recorded as the job's last run for
//! operators.

pub mod lease;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use baocao_app::App;
use baocao_config::Metrics;
use baocao_config::Settings;
use chrono::Utc;

pub use lease::{Lease, LocalLease, PostgresLease, RedisLease};

/// What a run reports for the log, or why it failed.
pub type RunResult = Result<String, String>;
type Run = for<'a> fn(&'a App) -> Pin<Box<dyn Future<Output = RunResult> + Send + 'a>>;

pub struct Job {
    pub name: &'static str,
    pub every: Duration,
    pub run: Run,
}

fn deliver_outbox(app: &App) -> Pin<Box<dyn Future<Output = RunResult> + Send + '_>> {
    Box::pin(async move {
        let done = baocao_app::outbox::deliver(app).await.map_err(|e| e.public().1.en.into_owned())?;
        Ok(format!("sent {}, to retry {}, failed {}", done.sent, done.retried, done.failed))
    })
}

fn write_reminders(app: &App) -> Pin<Box<dyn Future<Output = RunResult> + Send + '_>> {
    Box::pin(async move {
        let written = baocao_app::reminders::write_due(app).await.map_err(|e| e.public().1.en.into_owned())?;
        Ok(format!("opened {}, reminders {}, overdue notices {}", written.opened, written.reminders, written.overdue))
    })
}

fn remove_expired(app: &App) -> Pin<Box<dyn Future<Output = RunResult> + Send + '_>> {
    Box::pin(async move {
        let gone = baocao_app::reminders::remove_expired(app).await.map_err(|e| e.public().1.en.into_owned())?;
        Ok(format!("pending signatures {}, reset codes {}", gone.pending_signatures, gone.reset_codes))
    })
}

/// The jobs every instance runs (each on one instance at a time).
pub fn builtin(settings: &Settings) -> Vec<Job> {
    let every = |seconds: u64| Duration::from_secs(seconds.max(1));
    vec![
        Job { name: "outbox", every: every(settings.jobs.outbox_seconds), run: deliver_outbox },
        Job { name: "reminders", every: every(settings.jobs.reminder_seconds), run: write_reminders },
        Job { name: "expiry", every: Duration::from_secs(3600), run: remove_expired },
    ]
}

/// The lease the cluster shares: Redis when configured, else PostgreSQL,
/// else this process alone.
pub async fn lease_for(app: Arc<App>) -> anyhow::Result<Arc<dyn Lease>> {
    let redis = &app.settings().redis;
    if let Some(url) = &redis.url {
        return Ok(Arc::new(RedisLease::connect(url, &redis.prefix).await?));
    }
    if baocao_app::operations::on_postgres(&app) {
        return Ok(Arc::new(PostgresLease::new(app)));
    }
    Ok(Arc::new(LocalLease::default()))
}

/// Runs jobs on their schedules until the task is aborted.
pub struct Scheduler {
    app: Arc<App>,
    lease: Arc<dyn Lease>,
    metrics: Metrics,
    instance: String,
}

impl Scheduler {
    pub fn new(app: Arc<App>, lease: Arc<dyn Lease>, metrics: Metrics) -> Self {
        let instance = format!("{}-{}", hostname(), std::process::id());
        Scheduler { app, lease, metrics, instance }
    }

    /// One task per job, each ticking on its own schedule.
    pub fn spawn(self, jobs: Vec<Job>) -> Vec<tokio::task::JoinHandle<()>> {
        let this = Arc::new(self);
        jobs.into_iter()
            .map(|job| {
                let this = this.clone();
                tokio::spawn(async move {
                    let mut tick = tokio::time::interval(job.every);
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tick.tick().await;
                        this.run_once(&job).await;
                    }
                })
            })
            .collect()
    }

    /// Runs `job` now if this instance gets its lease; whether it ran.
    pub async fn run_once(&self, job: &Job) -> bool {
        // The lease outlives a slow run by a margin; runs are short.
        let ttl = job.every.max(Duration::from_secs(60)) * 2;
        let held = match self.lease.acquire(job.name, ttl).await {
            Ok(Some(held)) => held,
            Ok(None) => return false,
            Err(error) => {
                tracing::warn!(job = job.name, %error, "the job's lease could not be taken");
                return false;
            }
        };
        let (started, clock) = (Utc::now(), Instant::now());
        let outcome = (job.run)(&self.app).await;
        self.observe(job.name, clock.elapsed(), outcome.is_ok());
        match &outcome {
            Ok(summary) => tracing::debug!(job = job.name, fence = held.fencing_token(), %summary, "job ran"),
            Err(error) => tracing::error!(job = job.name, %error, "job failed"),
        }
        let recorded = outcome.map(|_| ());
        if let Err(error) =
            baocao_app::operations::record_run(&self.app, job.name, &self.instance, started, recorded).await
        {
            tracing::warn!(job = job.name, error = %error.public().1.en, "recording the job's run failed");
        }
        held.release().await;
        true
    }

    fn observe(&self, job: &str, took: Duration, ok: bool) {
        let outcome = if ok { "ok" } else { "failed" };
        self.metrics.job_runs.with_label_values(&[job, outcome]).inc();
        self.metrics.job_duration.with_label_values(&[job]).observe(took.as_secs_f64());
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "baocao".to_owned())
}
