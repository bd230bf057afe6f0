//! Search without diacritics: each unit keeps its name folded (lower case, no
//! tone or vowel marks, đ as d) beside the name, so that "minh quang" finds
//! "UBND xã Minh Quang" with a plain `LIKE` on SQLite and PostgreSQL alike.
//! The storage layer keeps it in step on every write of a name.

use baocao_domain::search::fold;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::FromQueryResult;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Units {
    Table,
    Id,
    Name,
    SearchName,
}

#[derive(FromQueryResult)]
struct NamedUnit {
    id: i64,
    name: String,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Units::SearchName).text().not_null().default("").to_owned();
        manager.alter_table(Table::alter().table(Units::Table).add_column(column).to_owned()).await?;
        let db = manager.get_connection();
        let select = Query::select().columns([Units::Id, Units::Name]).from(Units::Table).to_owned();
        let units = NamedUnit::find_by_statement(db.get_database_backend().build(&select)).all(db).await?;
        for unit in units {
            let update = Query::update()
                .table(Units::Table)
                .value(Units::SearchName, fold(&unit.name))
                .and_where(Expr::col(Units::Id).eq(unit.id))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Units::Table).drop_column(Units::SearchName).to_owned()).await
    }
}
