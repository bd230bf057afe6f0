//! The outbox: mails written with the event that causes them, delivered by
//! a job. A delivery claims a few due rows (skipping rows another instance
//! holds, on PostgreSQL), sends them and marks each sent, or due again later,
//! or failed after the last try. A claim that is never settled (the instance
//! died) expires and the mail is tried again.

use baocao_domain::ids::UserId;
use baocao_domain::mail::{self, MailKind};
use baocao_domain::text::{Locale, Text};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, LockBehavior, LockType, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::{job_runs, outbox, users};
use crate::error::StoreError;
use crate::{Page, Store};

/// One mail in the outbox, as operators and the delivery job see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    pub id: i64,
    pub user_id: Option<UserId>,
    pub to: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub locale: Locale,
    pub link: Option<String>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn mail_row(m: outbox::Model) -> OutboxMail {
    OutboxMail {
        id: m.id,
        user_id: m.user_id.map(UserId),
        to: m.to_address,
        kind: m.kind,
        subject: m.subject,
        body: m.body,
        locale: if m.locale == "en" { Locale::En } else { Locale::Vi },
        link: m.link,
        state: m.state,
        attempts: m.attempts,
        next_attempt_at: m.next_attempt_at,
        last_error: m.last_error,
        created_at: m.created_at,
        sent_at: m.sent_at,
    }
}

/// A mail to write: to a user (the address and language are theirs) about an event.
#[derive(Debug, Clone)]
pub struct MailDraft {
    pub kind: MailKind,
    pub users: Vec<UserId>,
    pub text: Text,
    pub link: Option<String>,
    /// Written once: a second draft with the same key is dropped (reminders).
    pub dedup_key: Option<String>,
}

/// Writes the mails of `draft` in the caller's transaction: one per user
/// who has an address and is active.
pub(crate) async fn enqueue(db: &impl ConnectionTrait, draft: &MailDraft) -> Result<(), StoreError> {
    if draft.users.is_empty() {
        return Ok(());
    }
    let recipients = users::Entity::find()
        .filter(users::Column::Id.is_in(draft.users.iter().map(|u| u.0)))
        .filter(users::Column::Status.eq("active"))
        .all(db)
        .await?;
    let now = Utc::now();
    let rows: Vec<outbox::ActiveModel> = recipients
        .into_iter()
        .filter(|u| draft.kind.always_sent() || !u.mail_off.split(',').any(|k| k == draft.kind.as_str()))
        .filter_map(|u| {
            let to = u.email.filter(|e| !e.trim().is_empty())?;
            let locale = if u.locale == "en" { Locale::En } else { Locale::Vi };
            let key = draft.dedup_key.as_ref().map(|k| format!("{k}:{}", u.id));
            Some(outbox::ActiveModel {
                user_id: Set(Some(u.id)),
                to_address: Set(to),
                kind: Set(draft.kind.as_str().to_owned()),
                subject: Set(mail::subject(draft.kind, locale)),
                body: Set(draft.text.get(locale).to_owned()),
                locale: Set(locale.code().to_owned()),
                link: Set(draft.link.clone()),
                dedup_key: Set(key),
                state: Set("pending".to_owned()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                created_at: Set(now),
                ..Default::default()
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let skip_duplicates = OnConflict::column(outbox::Column::DedupKey).do_nothing().to_owned();
    outbox::Entity::insert_many(rows).on_conflict(skip_duplicates).exec_without_returning(db).await?;
    Ok(())
}

impl Store {
    /// Writes mails outside any other change (reminders, resets).
    pub async fn enqueue_mail(&self, draft: &MailDraft) -> Result<(), StoreError> {
        let tx = self.begin_write().await?;
        enqueue(&tx, draft).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims up to `limit` due mails for `lease`: pending ones whose time
    /// has come, and ones whose earlier claim expired.
    pub async fn claim_mails(&self, limit: u64, lease: Duration) -> Result<Vec<OutboxMail>, StoreError> {
        let tx = self.begin_write().await?;
        let now = Utc::now();
        let due = Condition::any()
            .add(Condition::all().add(outbox::Column::State.eq("pending")).add(outbox::Column::NextAttemptAt.lte(now)))
            .add(Condition::all().add(outbox::Column::State.eq("sending")).add(outbox::Column::ClaimedUntil.lt(now)));
        let mut query = outbox::Entity::find().filter(due).order_by_asc(outbox::Column::Id).limit(limit);
        if tx.get_database_backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let rows = query.all(&tx).await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        use sea_orm::sea_query::ExprTrait as _;
        outbox::Entity::update_many()
            .col_expr(outbox::Column::State, Expr::value("sending"))
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(Some(now + lease)))
            .col_expr(outbox::Column::Attempts, Expr::col(outbox::Column::Attempts).add(1))
            .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| OutboxMail { attempts: r.attempts + 1, ..mail_row(r) }).collect())
    }

    /// The server accepted the mail.
    pub async fn mail_sent(&self, id: i64) -> Result<(), StoreError> {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::State, Expr::value("sent"))
            .col_expr(outbox::Column::SentAt, Expr::value(Some(Utc::now())))
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None))
            .filter(outbox::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// Delivery failed: due again at `retry_at`, or failed for good when None.
    pub async fn mail_not_sent(&self, id: i64, error: &str, retry_at: Option<DateTime<Utc>>) -> Result<(), StoreError> {
        let state = if retry_at.is_some() { "pending" } else { "failed" };
        outbox::Entity::update_many()
            .col_expr(outbox::Column::State, Expr::value(state))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(retry_at.unwrap_or_else(Utc::now)))
            .col_expr(outbox::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(outbox::Column::LastError, Expr::value(Some(error.to_owned())))
            .filter(outbox::Column::Id.eq(id))
            .exec(self.db())
            .await?;
        Ok(())
    }

    /// The outbox for operators, newest first, optionally in one state.
    pub async fn outbox_page(
        &self, state: Option<&str>, page: u64, per_page: u64,
    ) -> Result<Page<OutboxMail>, StoreError> {
        let mut query = outbox::Entity::find();
        if let Some(state) = state {
            query = query.filter(outbox::Column::State.eq(state));
        }
        let total = query.clone().count(self.db()).await?;
        let rows = query
            .order_by_desc(outbox::Column::Id)
            .offset(crate::offset(page, per_page))
            .limit(per_page)
            .all(self.db())
            .await?;
        Ok(Page { items: rows.into_iter().map(mail_row).collect(), total, page, per_page })
    }
}

/// The last run of a background job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    pub name: String,
    pub runs: i64,
    pub failures: i64,
    pub last_started_at: Option<DateTime<Utc>>,
    pub last_finished_at: Option<DateTime<Utc>>,
    pub last_ok: Option<bool>,
    pub last_error: Option<String>,
    pub instance: Option<String>,
}

impl Store {
    /// Records a finished run of job `name` on `instance`.
    pub async fn record_job_run(
        &self, name: &str, instance: &str, started: DateTime<Utc>, outcome: Result<(), String>,
    ) -> Result<(), StoreError> {
        use sea_orm::sea_query::ExprTrait as _;
        let failed = i64::from(outcome.is_err());
        let row = job_runs::ActiveModel {
            name: Set(name.to_owned()),
            runs: Set(1),
            failures: Set(failed),
            last_started_at: Set(Some(started)),
            last_finished_at: Set(Some(Utc::now())),
            last_ok: Set(Some(outcome.is_ok())),
            last_error: Set(outcome.err()),
            instance: Set(Some(instance.to_owned())),
        };
        let upsert = OnConflict::column(job_runs::Column::Name)
            .value(job_runs::Column::Runs, Expr::col((job_runs::Entity, job_runs::Column::Runs)).add(1))
            .value(job_runs::Column::Failures, Expr::col((job_runs::Entity, job_runs::Column::Failures)).add(failed))
            .update_columns([
                job_runs::Column::LastStartedAt,
                job_runs::Column::LastFinishedAt,
                job_runs::Column::LastOk,
                job_runs::Column::LastError,
                job_runs::Column::Instance,
            ])
            .to_owned();
        job_runs::Entity::insert(row).on_conflict(upsert).exec_without_returning(self.db()).await?;
        Ok(())
    }

    /// Every job's last run, by name.
    pub async fn job_runs(&self) -> Result<Vec<JobRun>, StoreError> {
        let rows = job_runs::Entity::find().order_by_asc(job_runs::Column::Name).all(self.db()).await?;
        Ok(rows
            .into_iter()
            .map(|r| JobRun {
                name: r.name,
                runs: r.runs,
                failures: r.failures,
                last_started_at: r.last_started_at,
                last_finished_at: r.last_finished_at,
                last_ok: r.last_ok,
                last_error: r.last_error,
                instance: r.instance,
            })
            .collect())
    }
}

/// A user's choices about mail: the language, and the workflow mails turned off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPreferences {
    pub locale: Locale,
    pub off: Vec<MailKind>,
}

impl Store {
    pub async fn mail_preferences(&self, user: UserId) -> Result<MailPreferences, StoreError> {
        let row = users::Entity::find_by_id(user.0).one(self.db()).await?.ok_or(StoreError::NotFound("user"))?;
        let locale = if row.locale == "en" { Locale::En } else { Locale::Vi };
        Ok(MailPreferences { locale, off: row.mail_off.split(',').filter_map(MailKind::parse).collect() })
    }

    /// The user's own choices (security mails cannot be turned off).
    pub async fn set_mail_preferences(&self, user: UserId, prefs: &MailPreferences) -> Result<(), StoreError> {
        let off: Vec<&str> = prefs.off.iter().filter(|k| !k.always_sent()).map(|k| k.as_str()).collect();
        users::Entity::update_many()
            .col_expr(users::Column::Locale, Expr::value(prefs.locale.code()))
            .col_expr(users::Column::MailOff, Expr::value(off.join(",")))
            .filter(users::Column::Id.eq(user.0))
            .exec(self.db())
            .await?;
        Ok(())
    }
}
