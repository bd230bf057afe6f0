//! The meetings form of Regime III is "III.01a/VPCP/KSTT" in the handbook
//! (§2.1, "Biểu số III.01a/VPCP/KSTT"); the built-in regime first called it
//! ".../VPCP/TH". Reports assigned under the old code take the right one, so
//! they still find their form in the regime.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Reports {
    Table,
    RegimeCode,
    FormCode,
}

const OLD: &str = "III.01a/VPCP/TH";
const NEW: &str = "III.01a/VPCP/KSTT";

async fn rename(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let update = Query::update()
        .table(Reports::Table)
        .value(Reports::FormCode, to)
        .and_where(Expr::col(Reports::RegimeCode).eq("TT01-III"))
        .and_where(Expr::col(Reports::FormCode).eq(from))
        .to_owned();
    manager.exec_stmt(update).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, OLD, NEW).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, NEW, OLD).await
    }
}
