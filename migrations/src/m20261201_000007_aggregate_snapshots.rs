//! What an aggregate was made of: each source report's cells as they were
//! when they were aggregated, so that after a correction a reader sees the
//! value that was summed beside the value now (not the new value labelled
//! with the old version). Null for aggregates made before this.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AggregateSources {
    Table,
    Cells,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(AggregateSources::Cells).text().null().to_owned();
        manager.alter_table(Table::alter().table(AggregateSources::Table).add_column(column).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::alter().table(AggregateSources::Table).drop_column(AggregateSources::Cells).to_owned();
        manager.alter_table(table).await
    }
}
