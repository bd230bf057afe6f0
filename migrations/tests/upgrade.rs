//! Upgrading a database that holds data: each data migration is run on rows
//! written the way the earlier schema wrote them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use baocao_migrations::Migrator;
use sea_orm_migration::MigratorTrait;
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

async fn one(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(DbBackend::Sqlite, sql)).await.unwrap();
}

/// A meetings report assigned under the code the first built-in regime used.
const OLD_REPORT: &str = "INSERT INTO reports (tenant_id, unit_id, unit_path, receiver_id, receiver_path, regime_code, \
    regime_version, form_code, kind, period_type, period_year, period_number, data_from, data_to, opens_on, closes_on, \
    reopened, status, version, cells, rows_added, content_sha256, assigned_at, updated_at) \
    SELECT t.id, u.id, u.path, u.id, u.path, 'TT01-III', 1, 'III.01a/VPCP/TH', 'numeric', 'year', 2025, 1, \
    '2024-12-15', '2025-12-14', '2024-12-15', '2025-12-17', 0, 'draft', 1, '[]', '[]', '', \
    '2025-01-02 00:00:00', '2025-01-02 00:00:00' FROM tenants t JOIN units u ON u.tenant_id = t.id LIMIT 1";

#[tokio::test]
async fn an_upgrade_renames_old_meetings_reports_and_seeds_the_catalogues() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Migrator::up(&db, Some(7)).await.unwrap();
    exec(&db, "INSERT INTO tenants (code, name, kind, created_at) VALUES ('hungyen', 'UBND tỉnh Hưng Yên', 'province', '2025-01-01 00:00:00')").await;
    exec(&db, "INSERT INTO units (tenant_id, code, name, kind, level, path, valid_from, created_at, updated_at) \
        VALUES (1, 'hungyen', 'UBND tỉnh Hưng Yên', 'UBND tỉnh', 'tinh', '/1/', '2020-12-15', '2025-01-01 00:00:00', '2025-01-01 00:00:00')").await;
    exec(&db, OLD_REPORT).await;

    Migrator::up(&db, None).await.unwrap();
    assert_eq!(one(&db, "SELECT form_code FROM reports").await, ["III.01a/VPCP/KSTT"], "the handbook's code");
    let seeded = one(&db, "SELECT items FROM catalogue_versions WHERE name = 'linh_vuc_tthc' AND version = 1").await;
    let items: Vec<serde_json::Value> = serde_json::from_str(&seeded[0]).unwrap();
    assert_eq!((items.len(), &items[0]["name"]), (21, &serde_json::json!("Công an")));
    assert!(one(&db, "SELECT approval FROM approval_rules").await.is_empty(), "no rule: the groups decide");
    let rule =
        one(&db, "SELECT CAST(require_identity AS TEXT) || '/' || COALESCE(reminder_days, '-') FROM tenants").await;
    assert_eq!(rule, ["0/-"], "an existing tenant keeps passwords and the platform's reminder days");

    // And back to the seventh migration, past the meetings rename: it is undone, the new tables go.
    let steps = u32::try_from(Migrator::migrations().len()).unwrap() - 7;
    Migrator::down(&db, Some(steps)).await.unwrap();
    assert_eq!(one(&db, "SELECT form_code FROM reports").await, ["III.01a/VPCP/TH"]);
    let tables = one(
        &db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND (name LIKE '%catalogue%' OR name IN ('identities', 'blobs'))",
    )
    .await;
    assert!(tables.is_empty(), "{tables:?}");
}
