//! Schema migrations of baocao. Each migration runs unchanged on SQLite and
//! PostgreSQL. SQLite cannot add a foreign key to an existing table, so every
//! foreign key is declared when its table is created.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_foundation;
mod m20261124_000002_regime_plugins;
mod m20261124_000003_reports;
mod m20261124_000004_aggregates;
mod m20261130_000005_signatures;
mod m20261201_000006_search;
mod m20261201_000007_aggregate_snapshots;
mod m20261201_000008_meetings_form_code;
mod m20261201_000009_catalogues;
mod m20261201_000010_approval_rules;
mod m20261201_000011_outbox;
mod m20261202_000012_identities;
mod m20261202_000013_blobs;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_foundation::Migration),
            Box::new(m20261124_000002_regime_plugins::Migration),
            Box::new(m20261124_000003_reports::Migration),
            Box::new(m20261124_000004_aggregates::Migration),
            Box::new(m20261130_000005_signatures::Migration),
            Box::new(m20261201_000006_search::Migration),
            Box::new(m20261201_000007_aggregate_snapshots::Migration),
            Box::new(m20261201_000008_meetings_form_code::Migration),
            Box::new(m20261201_000009_catalogues::Migration),
            Box::new(m20261201_000010_approval_rules::Migration),
            Box::new(m20261201_000011_outbox::Migration),
            Box::new(m20261202_000012_identities::Migration),
            Box::new(m20261202_000013_blobs::Migration),
        ]
    }
}
