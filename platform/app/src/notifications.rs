//! The bell: a user's notifications, read marks, and the unread count that
//! browsers follow live.

use baocao_bus::Event;
use baocao_domain::ids::UserId;
use baocao_storage::{NotificationQuery, NotificationRow, Page};

use crate::{App, Caller, Error};

/// One page of the caller's notifications, with how many are unread in all.
pub struct Inbox {
    pub page: Page<NotificationRow>,
    pub unread: u64,
}

pub async fn inbox(app: &App, who: &Caller, query: &NotificationQuery) -> Result<Inbox, Error> {
    let page = app.store.notifications(who.user.id, query).await?;
    let unread = app.store.unread_notifications(who.user.id).await?;
    Ok(Inbox { page, unread })
}

pub async fn unread(app: &App, user: UserId) -> Result<u64, Error> {
    Ok(app.store.unread_notifications(user).await?)
}

/// Marks every notification read; returns how many were unread.
pub async fn read_all(app: &App, who: &Caller) -> Result<u64, Error> {
    let marked = app.store.read_all_notifications(who.user.id).await?;
    announce(app, vec![who.user.id]).await;
    Ok(marked)
}

pub async fn read_one(app: &App, who: &Caller, id: i64) -> Result<(), Error> {
    app.store.read_notification(who.user.id, id).await?;
    announce(app, vec![who.user.id]).await;
    Ok(())
}

/// Tells every instance that these users have something new (the bell).
pub async fn announce(app: &App, users: Vec<UserId>) {
    let mut users: Vec<i64> = users.into_iter().map(|u| u.0).collect();
    users.sort_unstable();
    users.dedup();
    if users.is_empty() {
        return;
    }
    if let Err(error) = app.bus.publish(&Event::Notified { user_ids: users }).await {
        tracing::warn!(%error, "could not announce notifications; browsers will see them on their next poll");
    }
}
