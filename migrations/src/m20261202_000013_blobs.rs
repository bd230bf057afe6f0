//! Attachment bytes in the database, so that every instance of a cluster
//! reads what any other wrote without a shared volume. A blob is split into
//! parts of at most 1 MiB (PostgreSQL `bytea`, SQLite `BLOB`), written in
//! one transaction and read back in order.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blobs {
    Table,
    Key,
    Part,
    Bytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(Blobs::Table)
            .col(ColumnDef::new(Blobs::Key).string().not_null())
            .col(ColumnDef::new(Blobs::Part).integer().not_null())
            .col(ColumnDef::new(Blobs::Bytes).blob().not_null())
            .primary_key(Index::create().col(Blobs::Key).col(Blobs::Part))
            .to_owned();
        manager.create_table(table).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Blobs::Table).to_owned()).await
    }
}
