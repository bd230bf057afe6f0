//! Tenants, the unit tree and its reorganisations, users, group memberships,
//! password-reset tokens and the audit log.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tenants {
    Table,
    Id,
    Code,
    Name,
    Kind,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    TenantId,
    ParentId,
    Code,
    Name,
    Kind,
    Level,
    Path,
    ValidFrom,
    ValidTo,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    TenantId,
    UnitId,
    Username,
    FullName,
    Email,
    Phone,
    IdNumber,
    Status,
    PasswordHash,
    FailedLogins,
    LockedUntil,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    GroupCode,
    UnitId,
    GrantedBy,
    GrantedAt,
}

#[derive(DeriveIden)]
enum Reorganisations {
    Table,
    Id,
    TenantId,
    Kind,
    EffectiveDate,
    Decision,
    ActorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum UnitSuccessors {
    Table,
    Id,
    PredecessorId,
    SuccessorId,
    ReorganisationId,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorUsername,
    TenantId,
    UnitPath,
    Action,
    Entity,
    EntityId,
    Before,
    After,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedBy,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().auto_increment().primary_key().to_owned()
}

fn reference<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn reference_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().null().to_owned()
}

fn moment<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().to_owned()
}

fn moment_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().to_owned()
}

fn fk(
    name: &str, from: (impl IntoIden, impl IntoIden), to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(id(Tenants::Id))
                    .col(text(Tenants::Code).unique_key())
                    .col(text(Tenants::Name))
                    .col(text(Tenants::Kind))
                    .col(moment(Tenants::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(id(Units::Id))
                    .col(reference(Units::TenantId))
                    .col(reference_null(Units::ParentId))
                    .col(text(Units::Code))
                    .col(text(Units::Name))
                    .col(text(Units::Kind))
                    .col(text(Units::Level))
                    .col(text(Units::Path))
                    .col(ColumnDef::new(Units::ValidFrom).date().not_null())
                    .col(ColumnDef::new(Units::ValidTo).date().null())
                    .col(moment(Units::CreatedAt))
                    .col(moment(Units::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_units_tenant",
                        (Units::Table, Units::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk("fk_units_parent", (Units::Table, Units::ParentId), (Units::Table, Units::Id)))
                    .index(Index::create().name("ux_units_tenant_code").col(Units::TenantId).col(Units::Code).unique())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_units_path").table(Units::Table).col(Units::Path).to_owned())
            .await?;
        manager
            .create_index(Index::create().name("ix_units_parent").table(Units::Table).col(Units::ParentId).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id))
                    .col(reference(Users::TenantId))
                    .col(reference(Users::UnitId))
                    .col(text(Users::Username).unique_key())
                    .col(text(Users::FullName))
                    .col(text_null(Users::Email))
                    .col(text_null(Users::Phone))
                    .col(text_null(Users::IdNumber))
                    .col(text(Users::Status))
                    .col(text(Users::PasswordHash))
                    .col(ColumnDef::new(Users::FailedLogins).integer().not_null().default(0))
                    .col(moment_null(Users::LockedUntil))
                    .col(moment(Users::PasswordChangedAt))
                    .col(moment(Users::CreatedAt))
                    .col(moment(Users::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_users_tenant",
                        (Users::Table, Users::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk("fk_users_unit", (Users::Table, Users::UnitId), (Units::Table, Units::Id)))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(Index::create().name("ix_users_unit").table(Users::Table).col(Users::UnitId).to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(id(Memberships::Id))
                    .col(reference(Memberships::UserId))
                    .col(text(Memberships::GroupCode))
                    .col(reference(Memberships::UnitId))
                    .col(reference_null(Memberships::GrantedBy))
                    .col(moment(Memberships::GrantedAt))
                    .foreign_key(&mut fk(
                        "fk_memberships_user",
                        (Memberships::Table, Memberships::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_memberships_unit",
                        (Memberships::Table, Memberships::UnitId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_memberships_granted_by",
                        (Memberships::Table, Memberships::GrantedBy),
                        (Users::Table, Users::Id),
                    ))
                    .index(
                        Index::create()
                            .name("ux_memberships_user_group_unit")
                            .col(Memberships::UserId)
                            .col(Memberships::GroupCode)
                            .col(Memberships::UnitId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_memberships_unit")
                    .table(Memberships::Table)
                    .col(Memberships::UnitId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Reorganisations::Table)
                    .col(id(Reorganisations::Id))
                    .col(reference(Reorganisations::TenantId))
                    .col(text(Reorganisations::Kind))
                    .col(ColumnDef::new(Reorganisations::EffectiveDate).date().not_null())
                    .col(text(Reorganisations::Decision))
                    .col(reference_null(Reorganisations::ActorId))
                    .col(moment(Reorganisations::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_reorg_tenant",
                        (Reorganisations::Table, Reorganisations::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_reorg_actor",
                        (Reorganisations::Table, Reorganisations::ActorId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UnitSuccessors::Table)
                    .col(id(UnitSuccessors::Id))
                    .col(reference(UnitSuccessors::PredecessorId))
                    .col(reference(UnitSuccessors::SuccessorId))
                    .col(reference(UnitSuccessors::ReorganisationId))
                    .foreign_key(&mut fk(
                        "fk_succ_pred",
                        (UnitSuccessors::Table, UnitSuccessors::PredecessorId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_succ_succ",
                        (UnitSuccessors::Table, UnitSuccessors::SuccessorId),
                        (Units::Table, Units::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_succ_reorg",
                        (UnitSuccessors::Table, UnitSuccessors::ReorganisationId),
                        (Reorganisations::Table, Reorganisations::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id(AuditLog::Id))
                    .col(moment(AuditLog::At))
                    .col(reference_null(AuditLog::ActorId))
                    .col(text(AuditLog::ActorUsername))
                    .col(reference_null(AuditLog::TenantId))
                    .col(text_null(AuditLog::UnitPath))
                    .col(text(AuditLog::Action))
                    .col(text(AuditLog::Entity))
                    .col(text(AuditLog::EntityId))
                    .col(ColumnDef::new(AuditLog::Before).text().null())
                    .col(ColumnDef::new(AuditLog::After).text().null())
                    .foreign_key(&mut fk(
                        "fk_audit_actor",
                        (AuditLog::Table, AuditLog::ActorId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_audit_tenant",
                        (AuditLog::Table, AuditLog::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_audit_path").table(AuditLog::Table).col(AuditLog::UnitPath).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordResets::Table)
                    .col(id(PasswordResets::Id))
                    .col(reference(PasswordResets::UserId))
                    .col(text(PasswordResets::TokenHash).unique_key())
                    .col(reference_null(PasswordResets::CreatedBy))
                    .col(moment(PasswordResets::ExpiresAt))
                    .col(moment_null(PasswordResets::UsedAt))
                    .col(moment(PasswordResets::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_reset_user",
                        (PasswordResets::Table, PasswordResets::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_reset_creator",
                        (PasswordResets::Table, PasswordResets::CreatedBy),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PasswordResets::Table.into_iden(),
            AuditLog::Table.into_iden(),
            UnitSuccessors::Table.into_iden(),
            Reorganisations::Table.into_iden(),
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Units::Table.into_iden(),
            Tenants::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
