use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "regime_plugins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub sha256: String,
    pub size: i64,
    pub tenant_id: Option<i64>,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTimeUtc,
    pub enabled: bool,
    #[sea_orm(column_type = "VarBinary(StringLen::None)")]
    pub wasm: Vec<u8>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
