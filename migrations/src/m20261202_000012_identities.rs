//! Identities from the national identity platform (VNConnect, OpenID Connect).
//!
//! `identities`: one row per (issuer, subject) that ever signed in, with the
//! claims it last presented. `user_id` is empty while the identity waits for
//! an administrator to link it; linked, it signs in as that user. A user holds
//! at most one identity (unique `user_id`). `name_folded` is the name without
//! diacritics, lowercased, for the administrators' search.
//! `tenants.require_identity`: the tenant's users sign in through the
//! provider only. `tenants.reminder_days`: the tenant's own count of days
//! before a deadline that reminders go out (empty: the platform's).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    Issuer,
    Subject,
    FullName,
    NameFolded,
    IdNumber,
    Phone,
    Email,
    UserId,
    FirstSeenAt,
    LastSeenAt,
    LinkedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    RequireIdentity,
    ReminderDays,
}

fn identities() -> TableCreateStatement {
    let optional = |c: Identities| ColumnDef::new(c).string().null().to_owned();
    Table::create()
        .table(Identities::Table)
        .col(ColumnDef::new(Identities::Id).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(Identities::Issuer).string().not_null())
        .col(ColumnDef::new(Identities::Subject).string().not_null())
        .col(optional(Identities::FullName))
        .col(ColumnDef::new(Identities::NameFolded).string().not_null().default(""))
        .col(optional(Identities::IdNumber))
        .col(optional(Identities::Phone))
        .col(optional(Identities::Email))
        .col(ColumnDef::new(Identities::UserId).big_integer().null().unique_key())
        .col(ColumnDef::new(Identities::FirstSeenAt).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(Identities::LastSeenAt).timestamp_with_time_zone().not_null())
        .col(ColumnDef::new(Identities::LinkedAt).timestamp_with_time_zone().null())
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(identities()).await?;
        let subject = Index::create()
            .name("ux_identities_issuer_subject")
            .table(Identities::Table)
            .col(Identities::Issuer)
            .col(Identities::Subject)
            .unique()
            .to_owned();
        manager.create_index(subject).await?;
        let require = ColumnDef::new(Tenants::RequireIdentity).boolean().not_null().default(false).to_owned();
        manager.alter_table(Table::alter().table(Tenants::Table).add_column(require).to_owned()).await?;
        let days = ColumnDef::new(Tenants::ReminderDays).integer().null().to_owned();
        manager.alter_table(Table::alter().table(Tenants::Table).add_column(days).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Tenants::ReminderDays, Tenants::RequireIdentity] {
            manager.alter_table(Table::alter().table(Tenants::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(Identities::Table).to_owned()).await
    }
}
