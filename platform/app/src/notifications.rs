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

/// What a user's bell shows as it changes: `first`, then the unread count
/// again after every change that concerns the user on any instance; `None`
/// when nothing happened for `idle` (the front end keeps its connection
/// alive then). Ends when the event bus closes.
pub fn unread_counts(
    app: std::sync::Arc<App>, user: UserId, first: u64, idle: std::time::Duration,
) -> impl futures::Stream<Item = Option<u64>> {
    use tokio::sync::broadcast::error::RecvError;
    let events = app.bus.subscribe();
    futures::stream::unfold((app, events, Some(first)), move |(app, mut events, first)| async move {
        if let Some(n) = first {
            return Some((Some(n), (app, events, None)));
        }
        loop {
            match tokio::time::timeout(idle, events.recv()).await {
                Err(_) => return Some((None, (app, events, None))),
                Ok(Ok(Event::Notified { user_ids })) if user_ids.contains(&user.0) => {
                    let n = unread(&app, user).await.unwrap_or(0);
                    return Some((Some(n), (app, events, None)));
                }
                Ok(Ok(_)) | Ok(Err(RecvError::Lagged(_))) => continue,
                Ok(Err(RecvError::Closed)) => return None,
            }
        }
    })
}

/// The names a page of notifications shows: the units and the people who sent
/// them (and `also`, a sender the list is filtered by), by id.
pub async fn senders(
    app: &App, page: &Page<NotificationRow>, also: Option<UserId>,
) -> Result<(std::collections::HashMap<baocao_domain::ids::UnitId, String>, Vec<(i64, String)>), Error> {
    let units: Vec<_> = page.items.iter().filter_map(|n| n.sender_unit).collect();
    let unit_names = app.store.unit_names_unscoped(&units).await?;
    let mut people: Vec<(i64, String)> = Vec::new();
    for id in page.items.iter().filter_map(|n| n.sender).chain(also) {
        if !people.iter().any(|(s, _)| *s == id.0)
            && let Some(name) = crate::admin::user_name_unscoped(app, id).await
        {
            people.push((id.0, name));
        }
    }
    Ok((unit_names, people))
}
