//! The regime plugin registry: every uploaded module with its hash, version,
//! uploader and scope (national when `tenant_id` is null, else one tenant's).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RegimePlugins {
    Table,
    Id,
    Code,
    Version,
    Sha256,
    Size,
    TenantId,
    UploadedBy,
    UploadedAt,
    Enabled,
    Wasm,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(RegimePlugins::Table)
                    .col(ColumnDef::new(RegimePlugins::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(RegimePlugins::Code).string().not_null())
                    .col(ColumnDef::new(RegimePlugins::Version).integer().not_null())
                    .col(ColumnDef::new(RegimePlugins::Sha256).string().not_null().unique_key())
                    .col(ColumnDef::new(RegimePlugins::Size).big_integer().not_null())
                    .col(ColumnDef::new(RegimePlugins::TenantId).big_integer().null())
                    .col(ColumnDef::new(RegimePlugins::UploadedBy).big_integer().null())
                    .col(ColumnDef::new(RegimePlugins::UploadedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(RegimePlugins::Enabled).boolean().not_null())
                    .col(ColumnDef::new(RegimePlugins::Wasm).blob().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_regime_plugins_tenant")
                            .from(RegimePlugins::Table, RegimePlugins::TenantId)
                            .to(Tenants::Table, Tenants::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_regime_plugins_uploader")
                            .from(RegimePlugins::Table, RegimePlugins::UploadedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_regime_plugins_code")
                    .table(RegimePlugins::Table)
                    .col(RegimePlugins::Code)
                    .col(RegimePlugins::Version)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(RegimePlugins::Table).to_owned()).await
    }
}
