//! What the platform's operators see of the background work: each job's last
//! run, and the cluster lock that makes a job run on one instance at a time.

use baocao_storage::{ClusterLock, JobRun};
use chrono::{DateTime, Utc};

use crate::App;
use crate::Caller;
use crate::error::Error;

/// Records a run of a job (its last run shows on the operator's page).
pub async fn record_run(
    app: &App, job: &str, instance: &str, started: DateTime<Utc>, outcome: Result<(), String>,
) -> Result<(), Error> {
    Ok(app.store.record_job_run(job, instance, started, outcome).await?)
}

/// The PostgreSQL advisory lock `key`, if free (None on other backends).
pub async fn try_cluster_lock(app: &App, key: i64) -> Result<Option<ClusterLock>, Error> {
    Ok(app.store.try_cluster_lock(key).await?)
}

/// Whether the platform keeps its data in PostgreSQL (the lock above works).
pub fn on_postgres(app: &App) -> bool {
    app.store.backend_name() == "postgres"
}

/// Every job's last run, for the platform's operators.
pub async fn job_runs(app: &App, who: &Caller) -> Result<Vec<JobRun>, Error> {
    crate::admin::check_operator(app, who).await?;
    Ok(app.store.job_runs().await?)
}
