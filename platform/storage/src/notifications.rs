//! In-app notifications (the bell). Each is written in the transaction of the
//! step it tells about; delivery to open browsers goes over the event bus.

use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::text::Text;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde::Serialize;

use crate::entity::notifications;
use crate::error::StoreError;
use crate::{Page, Store};

/// A notification to write to several users.
#[derive(Debug, Clone, Default)]
pub struct NotificationDraft {
    pub users: Vec<UserId>,
    /// A stable code of the event: "assign", "submit", "send" …
    pub kind: String,
    pub text: Option<Text>,
    pub sender: Option<UserId>,
    pub sender_unit: Option<UnitId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotificationState {
    #[default]
    All,
    Unread,
    Read,
}

impl NotificationState {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all" => Some(NotificationState::All),
            "unread" => Some(NotificationState::Unread),
            "read" => Some(NotificationState::Read),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NotificationQuery {
    pub state: NotificationState,
    pub sender: Option<UserId>,
    pub sender_unit: Option<UnitId>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub page: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub report_id: Option<i64>,
    pub kind: String,
    pub message: Text,
    pub sender: Option<UserId>,
    pub sender_unit: Option<UnitId>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

/// The handbook pages notifications 25 at a time.
pub const PER_PAGE: u64 = 25;

pub(crate) async fn insert_notifications(
    db: &impl ConnectionTrait, report: Option<i64>, draft: &NotificationDraft,
) -> Result<(), StoreError> {
    let Some(text) = &draft.text else { return Ok(()) };
    let now = Utc::now();
    let mut users = draft.users.clone();
    users.sort();
    users.dedup();
    let rows: Vec<notifications::ActiveModel> = users
        .iter()
        // Nobody is told about their own act.
        .filter(|u| Some(**u) != draft.sender)
        .map(|u| notifications::ActiveModel {
            user_id: Set(u.0),
            report_id: Set(report),
            kind: Set(draft.kind.clone()),
            message_vi: Set(text.vi.to_string()),
            message_en: Set(text.en.to_string()),
            sender_id: Set(draft.sender.map(|s| s.0)),
            sender_unit_id: Set(draft.sender_unit.map(|s| s.0)),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        notifications::Entity::insert_many(rows).exec(db).await?;
    }
    // The events officials are also told of by mail: written here, in the
    // same transaction, so a step and its mails stand or fall together.
    if let Some(kind) = baocao_domain::mail::MailKind::of_event(&draft.kind) {
        let users: Vec<UserId> = users.into_iter().filter(|u| Some(*u) != draft.sender).collect();
        let link = report.map(|id| format!("/reports/{id}"));
        let mail = crate::outbox::MailDraft { kind, users, text: text.clone(), link, dedup_key: None };
        crate::outbox::enqueue(db, &mail).await?;
    }
    Ok(())
}

impl Store {
    /// A user's own notifications, newest first, 25 a page.
    pub async fn notifications(
        &self, user: UserId, q: &NotificationQuery,
    ) -> Result<Page<NotificationRow>, StoreError> {
        let mut query = notifications::Entity::find().filter(notifications::Column::UserId.eq(user.0));
        query = match q.state {
            NotificationState::All => query,
            NotificationState::Unread => query.filter(notifications::Column::ReadAt.is_null()),
            NotificationState::Read => query.filter(notifications::Column::ReadAt.is_not_null()),
        };
        if let Some(s) = q.sender {
            query = query.filter(notifications::Column::SenderId.eq(s.0));
        }
        if let Some(u) = q.sender_unit {
            query = query.filter(notifications::Column::SenderUnitId.eq(u.0));
        }
        if let Some(from) = q.from {
            query = query.filter(notifications::Column::CreatedAt.gte(from));
        }
        if let Some(to) = q.to {
            query = query.filter(notifications::Column::CreatedAt.lt(to));
        }
        let page = q.page.max(1);
        let total = query.clone().count(self.db()).await?;
        let rows = query
            .order_by_desc(notifications::Column::Id)
            .offset(crate::offset(page, PER_PAGE))
            .limit(PER_PAGE)
            .all(self.db())
            .await?;
        let items = rows
            .into_iter()
            .map(|n| NotificationRow {
                id: n.id,
                report_id: n.report_id,
                kind: n.kind,
                message: Text::new(n.message_vi, n.message_en),
                sender: n.sender_id.map(UserId),
                sender_unit: n.sender_unit_id.map(UnitId),
                created_at: n.created_at,
                read: n.read_at.is_some(),
            })
            .collect();
        Ok(Page { items, total, page, per_page: PER_PAGE })
    }

    pub async fn unread_notifications(&self, user: UserId) -> Result<u64, StoreError> {
        Ok(notifications::Entity::find()
            .filter(notifications::Column::UserId.eq(user.0))
            .filter(notifications::Column::ReadAt.is_null())
            .count(self.db())
            .await?)
    }

    /// Marks every unread notification of the user read; returns how many.
    pub async fn read_all_notifications(&self, user: UserId) -> Result<u64, StoreError> {
        let result = notifications::Entity::update_many()
            .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
            .filter(notifications::Column::UserId.eq(user.0))
            .filter(notifications::Column::ReadAt.is_null())
            .exec(self.db())
            .await?;
        Ok(result.rows_affected)
    }

    /// Marks one of the user's notifications read (another user's is "not found").
    pub async fn read_notification(&self, user: UserId, id: i64) -> Result<(), StoreError> {
        let result = notifications::Entity::update_many()
            .col_expr(notifications::Column::ReadAt, Expr::value(Utc::now()))
            .filter(notifications::Column::Id.eq(id))
            .filter(notifications::Column::UserId.eq(user.0))
            .exec(self.db())
            .await?;
        if result.rows_affected == 0 {
            return Err(StoreError::NotFound("notification"));
        }
        Ok(())
    }
}
