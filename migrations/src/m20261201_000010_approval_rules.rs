//! Which levels of a tenant's reporting chain have a leader's approval, per
//! regime. Without a rule a level follows the groups: where no group the
//! tenant offers at that level may approve (a ministry's departments, its
//! central vertical agency), the step is skipped. A rule makes it explicit.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApprovalRules {
    Table,
    Id,
    TenantId,
    RegimeCode,
    Level,
    Approval,
    SetBy,
    SetAt,
}

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
}

fn table() -> TableCreateStatement {
    let text = |c: ApprovalRules| ColumnDef::new(c).string().not_null().to_owned();
    Table::create()
        .table(ApprovalRules::Table)
        .col(ColumnDef::new(ApprovalRules::Id).big_integer().not_null().auto_increment().primary_key())
        .col(ColumnDef::new(ApprovalRules::TenantId).big_integer().not_null())
        .col(text(ApprovalRules::RegimeCode))
        .col(text(ApprovalRules::Level))
        .col(text(ApprovalRules::Approval))
        .col(text(ApprovalRules::SetBy))
        .col(ColumnDef::new(ApprovalRules::SetAt).timestamp_with_time_zone().not_null())
        .foreign_key(
            ForeignKey::create()
                .name("fk_approval_rules_tenant")
                .from(ApprovalRules::Table, ApprovalRules::TenantId)
                .to(Tenants::Table, Tenants::Id),
        )
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(table()).await?;
        let index = Index::create()
            .name("ux_approval_rules_tenant_regime_level")
            .table(ApprovalRules::Table)
            .col(ApprovalRules::TenantId)
            .col(ApprovalRules::RegimeCode)
            .col(ApprovalRules::Level)
            .unique()
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ApprovalRules::Table).to_owned()).await
    }
}
