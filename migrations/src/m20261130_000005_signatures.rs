//! Digital signatures: the PDF of a report as it was frozen at approval and
//! signed since, the keys the server holds (sealed), the signature images of
//! users, the signatures prepared for a token and not yet completed, and each
//! unit's signing policy (null: the platform's default).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ReportDocuments {
    Table,
    ReportId,
    Pdf,
    Sha256,
    ReportVersion,
    Fields,
    Checks,
    CheckedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Id,
    Owner,
    SealedKey,
    Chain,
    Subject,
    CommonName,
    Serial,
    NotBefore,
    NotAfter,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SignatureImages {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Png,
    Width,
    Height,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PendingSignatures {
    Table,
    Id,
    ReportId,
    UserId,
    Action,
    ReportVersion,
    Field,
    Prepared,
    ContentsStart,
    ContentsEnd,
    SignedAttributes,
    Chain,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    RequireOrganisationSignature,
    RequirePersonalSignature,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportDocuments::Table)
                    .col(ColumnDef::new(ReportDocuments::ReportId).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(ReportDocuments::Pdf).blob().not_null())
                    .col(ColumnDef::new(ReportDocuments::Sha256).string().not_null())
                    .col(ColumnDef::new(ReportDocuments::ReportVersion).integer().not_null())
                    .col(ColumnDef::new(ReportDocuments::Fields).text().not_null())
                    .col(ColumnDef::new(ReportDocuments::Checks).text().null())
                    .col(ColumnDef::new(ReportDocuments::CheckedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ReportDocuments::UpdatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_report_documents_report")
                            .from(ReportDocuments::Table, ReportDocuments::ReportId)
                            .to(Reports::Table, Reports::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(ColumnDef::new(SigningKeys::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(SigningKeys::Owner).string().not_null().unique_key())
                    .col(ColumnDef::new(SigningKeys::SealedKey).blob().not_null())
                    .col(ColumnDef::new(SigningKeys::Chain).text().not_null())
                    .col(ColumnDef::new(SigningKeys::Subject).string().not_null())
                    .col(ColumnDef::new(SigningKeys::CommonName).string().not_null())
                    .col(ColumnDef::new(SigningKeys::Serial).string().not_null())
                    .col(ColumnDef::new(SigningKeys::NotBefore).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SigningKeys::NotAfter).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(SigningKeys::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignatureImages::Table)
                    .col(ColumnDef::new(SignatureImages::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(SignatureImages::UserId).big_integer().not_null())
                    .col(ColumnDef::new(SignatureImages::Kind).string().not_null())
                    .col(ColumnDef::new(SignatureImages::Title).string().not_null())
                    .col(ColumnDef::new(SignatureImages::Png).blob().not_null())
                    .col(ColumnDef::new(SignatureImages::Width).integer().not_null())
                    .col(ColumnDef::new(SignatureImages::Height).integer().not_null())
                    .col(ColumnDef::new(SignatureImages::CreatedAt).timestamp_with_time_zone().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_signature_images_user")
                            .from(SignatureImages::Table, SignatureImages::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        pending(manager).await?;
        // SQLite adds one column per statement.
        for column in [Units::RequireOrganisationSignature, Units::RequirePersonalSignature] {
            manager
                .alter_table(
                    Table::alter().table(Units::Table).add_column(ColumnDef::new(column).boolean().null()).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Units::RequireOrganisationSignature, Units::RequirePersonalSignature] {
            manager.alter_table(Table::alter().table(Units::Table).drop_column(column).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(PendingSignatures::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SignatureImages::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(SigningKeys::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ReportDocuments::Table).to_owned()).await?;
        Ok(())
    }
}

/// Signatures prepared for a token: any instance can complete one until it expires.
async fn pending(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(PendingSignatures::Table)
                .col(ColumnDef::new(PendingSignatures::Id).string().not_null().primary_key())
                .col(ColumnDef::new(PendingSignatures::ReportId).big_integer().not_null())
                .col(ColumnDef::new(PendingSignatures::UserId).big_integer().not_null())
                .col(ColumnDef::new(PendingSignatures::Action).string().not_null())
                .col(ColumnDef::new(PendingSignatures::ReportVersion).integer().not_null())
                .col(ColumnDef::new(PendingSignatures::Field).string().not_null())
                .col(ColumnDef::new(PendingSignatures::Prepared).blob().not_null())
                .col(ColumnDef::new(PendingSignatures::ContentsStart).big_integer().not_null())
                .col(ColumnDef::new(PendingSignatures::ContentsEnd).big_integer().not_null())
                .col(ColumnDef::new(PendingSignatures::SignedAttributes).blob().not_null())
                .col(ColumnDef::new(PendingSignatures::Chain).text().not_null())
                .col(ColumnDef::new(PendingSignatures::ExpiresAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(PendingSignatures::CreatedAt).timestamp_with_time_zone().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_pending_signatures_report")
                        .from(PendingSignatures::Table, PendingSignatures::ReportId)
                        .to(Reports::Table, Reports::Id),
                )
                .to_owned(),
        )
        .await?;
    Ok(())
}
