//! Mail that must not be lost, and the background jobs' last runs.
//!
//! `outbox`: each mail is written in the transaction of the event that causes
//! it, then delivered by a job that claims rows (`sending` until
//! `claimed_until`), retries with backoff and gives up as `failed` with the
//! last error; `dedup_key` keeps a reminder from being written twice.
//! `job_runs`: one row per job, for operators. Users get a language for mails
//! and the list of mails they turned off.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    UserId,
    ToAddress,
    Kind,
    Subject,
    Body,
    Locale,
    Link,
    DedupKey,
    State,
    Attempts,
    NextAttemptAt,
    ClaimedUntil,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Name,
    Runs,
    Failures,
    LastStartedAt,
    LastFinishedAt,
    LastOk,
    LastError,
    Instance,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Locale,
    MailOff,
}

fn outbox() -> TableCreateStatement {
    let text = |c: Outbox| ColumnDef::new(c).string().not_null().to_owned();
    let moment = |c: Outbox| ColumnDef::new(c).timestamp_with_time_zone().null().to_owned();
    Table::create()
        .table(Outbox::Table)
        .col(ColumnDef::new(Outbox::Id).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Outbox::UserId).big_integer().null())
        .col(text(Outbox::ToAddress))
        .col(text(Outbox::Kind))
        .col(text(Outbox::Subject))
        .col(ColumnDef::new(Outbox::Body).text().not_null())
        .col(ColumnDef::new(Outbox::Locale).string().not_null().default("vi"))
        .col(ColumnDef::new(Outbox::Link).string().null())
        .col(ColumnDef::new(Outbox::DedupKey).string().null().unique_key())
        .col(text(Outbox::State))
        .col(ColumnDef::new(Outbox::Attempts).integer().not_null().default(0))
        .col(ColumnDef::new(Outbox::NextAttemptAt).timestamp_with_time_zone().not_null())
        .col(moment(Outbox::ClaimedUntil))
        .col(ColumnDef::new(Outbox::LastError).text().null())
        .col(ColumnDef::new(Outbox::CreatedAt).timestamp_with_time_zone().not_null())
        .col(moment(Outbox::SentAt))
        .to_owned()
}

fn job_runs() -> TableCreateStatement {
    let moment = |c: JobRuns| ColumnDef::new(c).timestamp_with_time_zone().null().to_owned();
    Table::create()
        .table(JobRuns::Table)
        .col(ColumnDef::new(JobRuns::Name).string().not_null().primary_key())
        .col(ColumnDef::new(JobRuns::Runs).big_integer().not_null().default(0))
        .col(ColumnDef::new(JobRuns::Failures).big_integer().not_null().default(0))
        .col(moment(JobRuns::LastStartedAt))
        .col(moment(JobRuns::LastFinishedAt))
        .col(ColumnDef::new(JobRuns::LastOk).boolean().null())
        .col(ColumnDef::new(JobRuns::LastError).text().null())
        .col(ColumnDef::new(JobRuns::Instance).string().null())
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(outbox()).await?;
        let due = Index::create()
            .name("ix_outbox_state_due")
            .table(Outbox::Table)
            .col(Outbox::State)
            .col(Outbox::NextAttemptAt)
            .to_owned();
        manager.create_index(due).await?;
        manager.create_table(job_runs()).await?;
        let locale = ColumnDef::new(Users::Locale).string().not_null().default("vi").to_owned();
        manager.alter_table(Table::alter().table(Users::Table).add_column(locale).to_owned()).await?;
        // The mails a user turned off, comma-separated kinds ("assigned,overdue").
        let off = ColumnDef::new(Users::MailOff).string().not_null().default("").to_owned();
        manager.alter_table(Table::alter().table(Users::Table).add_column(off).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::MailOff).to_owned()).await?;
        manager.alter_table(Table::alter().table(Users::Table).drop_column(Users::Locale).to_owned()).await?;
        manager.drop_table(Table::drop().table(JobRuns::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Outbox::Table).to_owned()).await
    }
}
