use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pending_signatures")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub report_id: i64,
    pub user_id: i64,
    pub action: String,
    pub report_version: i32,
    pub field: String,
    pub prepared: Vec<u8>,
    pub contents_start: i64,
    pub contents_end: i64,
    pub signed_attributes: Vec<u8>,
    pub chain: String,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
