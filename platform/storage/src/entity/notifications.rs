use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub report_id: Option<i64>,
    pub kind: String,
    #[sea_orm(column_type = "Text")]
    pub message_vi: String,
    #[sea_orm(column_type = "Text")]
    pub message_en: String,
    pub sender_id: Option<i64>,
    pub sender_unit_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
