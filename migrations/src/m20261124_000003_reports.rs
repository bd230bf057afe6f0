//! The life of a report: receiving-unit configuration, reports (one per form,
//! unit and period) with their content, narrative sections, attachments, the
//! history of every save and transition, and in-app notifications.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Receivers {
    Table,
    Id,
    TenantId,
    RegimeCode,
    UnitId,
    ReceiverId,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    TenantId,
    UnitId,
    UnitPath,
    ReceiverId,
    ReceiverPath,
    RegimeCode,
    RegimeVersion,
    FormCode,
    Kind,
    PeriodType,
    PeriodYear,
    PeriodNumber,
    DataFrom,
    DataTo,
    OpensOn,
    ClosesOn,
    Reopened,
    Status,
    Version,
    Cells,
    RowsAdded,
    ContentSha256,
    ForwardTo,
    LastComment,
    AssignedBy,
    AssignedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum ReportSections {
    Table,
    Id,
    ReportId,
    Section,
    Html,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReportHistory {
    Table,
    Id,
    ReportId,
    At,
    ActorId,
    ActorName,
    ActorUnitId,
    Action,
    FromStatus,
    ToStatus,
    Comment,
    Version,
    ContentSha256,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    ReportId,
    Kind,
    MessageVi,
    MessageEn,
    SenderId,
    SenderUnitId,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Attachments {
    Table,
    Id,
    ReportId,
    FileName,
    ContentType,
    Size,
    Sha256,
    StorageKey,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

fn fk(
    name: &str, from_table: impl IntoIden, from: impl IntoIden, to_table: impl IntoIden, to: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from_table, from).to(to_table, to).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Receivers::Table)
                    .col(ColumnDef::new(Receivers::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Receivers::TenantId).big_integer().not_null())
                    // "*" applies to every regime the unit reports under.
                    .col(ColumnDef::new(Receivers::RegimeCode).string().not_null())
                    .col(ColumnDef::new(Receivers::UnitId).big_integer().not_null())
                    .col(ColumnDef::new(Receivers::ReceiverId).big_integer().not_null())
                    .foreign_key(&mut fk(
                        "fk_receivers_tenant",
                        Receivers::Table,
                        Receivers::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_receivers_unit",
                        Receivers::Table,
                        Receivers::UnitId,
                        Units::Table,
                        Units::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_receivers_receiver",
                        Receivers::Table,
                        Receivers::ReceiverId,
                        Units::Table,
                        Units::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_receivers_unit_regime")
                    .table(Receivers::Table)
                    .col(Receivers::UnitId)
                    .col(Receivers::RegimeCode)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .col(ColumnDef::new(Reports::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Reports::TenantId).big_integer().not_null())
                    .col(ColumnDef::new(Reports::UnitId).big_integer().not_null())
                    // The unit's path when assigned: subtree filters are one LIKE.
                    .col(ColumnDef::new(Reports::UnitPath).string().not_null())
                    .col(ColumnDef::new(Reports::ReceiverId).big_integer().not_null())
                    .col(ColumnDef::new(Reports::ReceiverPath).string().not_null())
                    .col(ColumnDef::new(Reports::RegimeCode).string().not_null())
                    .col(ColumnDef::new(Reports::RegimeVersion).integer().not_null())
                    .col(ColumnDef::new(Reports::FormCode).string().not_null())
                    .col(ColumnDef::new(Reports::Kind).string().not_null())
                    .col(ColumnDef::new(Reports::PeriodType).string().not_null())
                    .col(ColumnDef::new(Reports::PeriodYear).integer().not_null())
                    .col(ColumnDef::new(Reports::PeriodNumber).integer().not_null())
                    .col(ColumnDef::new(Reports::DataFrom).date().not_null())
                    .col(ColumnDef::new(Reports::DataTo).date().not_null())
                    .col(ColumnDef::new(Reports::OpensOn).date().not_null())
                    .col(ColumnDef::new(Reports::ClosesOn).date().not_null())
                    .col(ColumnDef::new(Reports::Reopened).boolean().not_null().default(false))
                    .col(ColumnDef::new(Reports::Status).string().not_null())
                    .col(ColumnDef::new(Reports::Version).integer().not_null())
                    // The cells, computed and validated, as JSON [[row, {col: value}], …].
                    .col(ColumnDef::new(Reports::Cells).text().not_null())
                    // Rows the unit added: JSON [{"code","title","catalogue"}].
                    .col(ColumnDef::new(Reports::RowsAdded).text().not_null())
                    .col(ColumnDef::new(Reports::ContentSha256).string().not_null())
                    .col(ColumnDef::new(Reports::ForwardTo).big_integer().null())
                    .col(ColumnDef::new(Reports::LastComment).text().null())
                    .col(ColumnDef::new(Reports::AssignedBy).big_integer().null())
                    .col(ColumnDef::new(Reports::AssignedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Reports::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Reports::SentAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut fk(
                        "fk_reports_tenant",
                        Reports::Table,
                        Reports::TenantId,
                        Tenants::Table,
                        Tenants::Id,
                    ))
                    .foreign_key(&mut fk("fk_reports_unit", Reports::Table, Reports::UnitId, Units::Table, Units::Id))
                    .foreign_key(&mut fk(
                        "fk_reports_receiver",
                        Reports::Table,
                        Reports::ReceiverId,
                        Units::Table,
                        Units::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_reports_forward_to",
                        Reports::Table,
                        Reports::ForwardTo,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_reports_assigned_by",
                        Reports::Table,
                        Reports::AssignedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        // Assignment is idempotent: one report per form, unit and period.
        manager
            .create_index(
                Index::create()
                    .name("ux_reports_form_unit_period")
                    .table(Reports::Table)
                    .col(Reports::UnitId)
                    .col(Reports::RegimeCode)
                    .col(Reports::FormCode)
                    .col(Reports::PeriodType)
                    .col(Reports::PeriodYear)
                    .col(Reports::PeriodNumber)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reports_path")
                    .table(Reports::Table)
                    .col(Reports::UnitPath)
                    .col(Reports::Id)
                    .to_owned(),
            )
            .await?;
        // Lists are ordered newest period first; this index lets a page stop early.
        manager
            .create_index(
                Index::create()
                    .name("ix_reports_period")
                    .table(Reports::Table)
                    .col(Reports::PeriodYear)
                    .col(Reports::PeriodNumber)
                    .col(Reports::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_reports_receiver")
                    .table(Reports::Table)
                    .col(Reports::ReceiverId)
                    .col(Reports::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReportSections::Table)
                    .col(ColumnDef::new(ReportSections::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(ReportSections::ReportId).big_integer().not_null())
                    .col(ColumnDef::new(ReportSections::Section).string().not_null())
                    .col(ColumnDef::new(ReportSections::Html).text().not_null())
                    .col(ColumnDef::new(ReportSections::UpdatedBy).big_integer().null())
                    .col(ColumnDef::new(ReportSections::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut fk(
                        "fk_sections_report",
                        ReportSections::Table,
                        ReportSections::ReportId,
                        Reports::Table,
                        Reports::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_sections_user",
                        ReportSections::Table,
                        ReportSections::UpdatedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_sections_report_section")
                    .table(ReportSections::Table)
                    .col(ReportSections::ReportId)
                    .col(ReportSections::Section)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReportHistory::Table)
                    .col(ColumnDef::new(ReportHistory::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(ReportHistory::ReportId).big_integer().not_null())
                    .col(ColumnDef::new(ReportHistory::At).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ReportHistory::ActorId).big_integer().null())
                    .col(ColumnDef::new(ReportHistory::ActorName).string().not_null())
                    .col(ColumnDef::new(ReportHistory::ActorUnitId).big_integer().null())
                    .col(ColumnDef::new(ReportHistory::Action).string().not_null())
                    .col(ColumnDef::new(ReportHistory::FromStatus).string().not_null())
                    .col(ColumnDef::new(ReportHistory::ToStatus).string().not_null())
                    .col(ColumnDef::new(ReportHistory::Comment).text().null())
                    .col(ColumnDef::new(ReportHistory::Version).integer().not_null())
                    .col(ColumnDef::new(ReportHistory::ContentSha256).string().not_null())
                    .foreign_key(&mut fk(
                        "fk_history_report",
                        ReportHistory::Table,
                        ReportHistory::ReportId,
                        Reports::Table,
                        Reports::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_history_actor",
                        ReportHistory::Table,
                        ReportHistory::ActorId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_history_actor_unit",
                        ReportHistory::Table,
                        ReportHistory::ActorUnitId,
                        Units::Table,
                        Units::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_history_report")
                    .table(ReportHistory::Table)
                    .col(ReportHistory::ReportId)
                    .col(ReportHistory::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notifications::Table)
                    .col(ColumnDef::new(Notifications::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Notifications::UserId).big_integer().not_null())
                    .col(ColumnDef::new(Notifications::ReportId).big_integer().null())
                    .col(ColumnDef::new(Notifications::Kind).string().not_null())
                    .col(ColumnDef::new(Notifications::MessageVi).text().not_null())
                    .col(ColumnDef::new(Notifications::MessageEn).text().not_null())
                    .col(ColumnDef::new(Notifications::SenderId).big_integer().null())
                    .col(ColumnDef::new(Notifications::SenderUnitId).big_integer().null())
                    .col(ColumnDef::new(Notifications::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Notifications::ReadAt).timestamp_with_time_zone().null())
                    .foreign_key(&mut fk(
                        "fk_notifications_user",
                        Notifications::Table,
                        Notifications::UserId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_notifications_report",
                        Notifications::Table,
                        Notifications::ReportId,
                        Reports::Table,
                        Reports::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_notifications_sender",
                        Notifications::Table,
                        Notifications::SenderId,
                        Users::Table,
                        Users::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_notifications_sender_unit",
                        Notifications::Table,
                        Notifications::SenderUnitId,
                        Units::Table,
                        Units::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notifications_user")
                    .table(Notifications::Table)
                    .col(Notifications::UserId)
                    .col(Notifications::ReadAt)
                    .col(Notifications::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Attachments::Table)
                    .col(ColumnDef::new(Attachments::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(Attachments::ReportId).big_integer().not_null())
                    .col(ColumnDef::new(Attachments::FileName).string().not_null())
                    .col(ColumnDef::new(Attachments::ContentType).string().not_null())
                    .col(ColumnDef::new(Attachments::Size).big_integer().not_null())
                    .col(ColumnDef::new(Attachments::Sha256).string().not_null())
                    // Where the bytes are, relative to the configured directory.
                    .col(ColumnDef::new(Attachments::StorageKey).string().not_null())
                    .col(ColumnDef::new(Attachments::UploadedBy).big_integer().null())
                    .col(ColumnDef::new(Attachments::UploadedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut fk(
                        "fk_attachments_report",
                        Attachments::Table,
                        Attachments::ReportId,
                        Reports::Table,
                        Reports::Id,
                    ))
                    .foreign_key(&mut fk(
                        "fk_attachments_user",
                        Attachments::Table,
                        Attachments::UploadedBy,
                        Users::Table,
                        Users::Id,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attachments_report")
                    .table(Attachments::Table)
                    .col(Attachments::ReportId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Attachments::Table.into_iden(),
            Notifications::Table.into_iden(),
            ReportHistory::Table.into_iden(),
            ReportSections::Table.into_iden(),
            Reports::Table.into_iden(),
            Receivers::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
