//! Aggregation: which reports (and which version of each) a receiving unit's
//! report was computed from. It gives every aggregated cell its provenance and
//! tells when an aggregate is outdated (a source changed after it was made).
//!
//! Reports also keep their numbers in a compact binary grid (`numbers`) beside
//! the JSON cells, so that aggregating thousands of reports reads a few
//! kilobytes of floats per report instead of parsing JSON.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AggregateSources {
    Table,
    Id,
    ReportId,
    SourceId,
    SourceVersion,
    UnitId,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    Numbers,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A plain nullable column: SQLite can add it to the existing table.
        manager
            .alter_table(
                Table::alter()
                    .table(Reports::Table)
                    .add_column(ColumnDef::new(Reports::Numbers).blob().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AggregateSources::Table)
                    .col(ColumnDef::new(AggregateSources::Id).big_integer().not_null().auto_increment().primary_key())
                    .col(ColumnDef::new(AggregateSources::ReportId).big_integer().not_null())
                    .col(ColumnDef::new(AggregateSources::SourceId).big_integer().not_null())
                    .col(ColumnDef::new(AggregateSources::SourceVersion).integer().not_null())
                    .col(ColumnDef::new(AggregateSources::UnitId).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_aggregate_sources_report")
                            .from(AggregateSources::Table, AggregateSources::ReportId)
                            .to(Reports::Table, Reports::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_aggregate_sources_source")
                            .from(AggregateSources::Table, AggregateSources::SourceId)
                            .to(Reports::Table, Reports::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_aggregate_sources_unit")
                            .from(AggregateSources::Table, AggregateSources::UnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_aggregate_sources")
                    .table(AggregateSources::Table)
                    .col(AggregateSources::ReportId)
                    .col(AggregateSources::SourceId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AggregateSources::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Reports::Table).drop_column(Reports::Numbers).to_owned()).await
    }
}
