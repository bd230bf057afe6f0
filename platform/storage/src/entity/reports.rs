use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub tenant_id: i64,
    pub unit_id: i64,
    pub unit_path: String,
    pub receiver_id: i64,
    pub receiver_path: String,
    pub regime_code: String,
    pub regime_version: i32,
    pub form_code: String,
    pub kind: String,
    pub period_type: String,
    pub period_year: i32,
    pub period_number: i32,
    pub data_from: Date,
    pub data_to: Date,
    pub opens_on: Date,
    pub closes_on: Date,
    pub reopened: bool,
    pub status: String,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub cells: String,
    #[sea_orm(column_type = "Text")]
    pub rows_added: String,
    pub content_sha256: String,
    pub forward_to: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_comment: Option<String>,
    pub assigned_by: Option<i64>,
    pub assigned_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "VarBinary(StringLen::None)", nullable)]
    pub numbers: Option<Vec<u8>>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
