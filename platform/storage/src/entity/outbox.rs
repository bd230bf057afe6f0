use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub kind: String,
    pub subject: String,
    pub body: String,
    /// "vi" or "en": the language of the subject and body.
    pub locale: String,
    /// A path in the system the mail points to ("/reports/7"), joined to the public address when sent.
    pub link: Option<String>,
    pub dedup_key: Option<String>,
    /// pending, sending, sent or failed.
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub claimed_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
