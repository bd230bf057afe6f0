//! What operators read about the background work: the outbox and the jobs.

use baocao_storage::{JobRun, OutboxMail, Page};
use serde::Serialize;
use utoipa::ToSchema;

/// A mail in the outbox (its body is left out: it is the recipient's).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxMailDto {
    pub id: i64,
    pub to: String,
    /// assigned, rejected, correction_requested, … password_reset.
    pub kind: String,
    pub subject: String,
    /// pending, sending, sent or failed.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

impl From<&OutboxMail> for OutboxMailDto {
    fn from(m: &OutboxMail) -> Self {
        OutboxMailDto {
            id: m.id,
            to: m.to.clone(),
            kind: m.kind.clone(),
            subject: m.subject.clone(),
            state: m.state.clone(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at.to_rfc3339(),
            last_error: m.last_error.clone(),
            created_at: m.created_at.to_rfc3339(),
            sent_at: m.sent_at.map(|t| t.to_rfc3339()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxPageDto {
    pub items: Vec<OutboxMailDto>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl From<&Page<OutboxMail>> for OutboxPageDto {
    fn from(p: &Page<OutboxMail>) -> Self {
        OutboxPageDto {
            items: p.items.iter().map(OutboxMailDto::from).collect(),
            total: p.total,
            page: p.page,
            per_page: p.per_page,
        }
    }
}

/// A background job's runs and its last one.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobRunDto {
    pub name: String,
    pub runs: i64,
    pub failures: i64,
    pub last_started_at: Option<String>,
    pub last_finished_at: Option<String>,
    pub last_ok: Option<bool>,
    pub last_error: Option<String>,
    /// The instance that ran it last.
    pub instance: Option<String>,
}

impl From<&JobRun> for JobRunDto {
    fn from(r: &JobRun) -> Self {
        JobRunDto {
            name: r.name.clone(),
            runs: r.runs,
            failures: r.failures,
            last_started_at: r.last_started_at.map(|t| t.to_rfc3339()),
            last_finished_at: r.last_finished_at.map(|t| t.to_rfc3339()),
            last_ok: r.last_ok,
            last_error: r.last_error.clone(),
            instance: r.instance.clone(),
        }
    }
}
