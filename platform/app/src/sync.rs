//! Keeping this instance in step with changes made on any instance: group
//! memberships (the authoriser) and regime plugins (the registry) are
//! reloaded when the event bus says they changed.

use std::collections::HashMap;
use std::sync::Arc;

use baocao_bus::Event;
use baocao_domain::ids::UserId;
use tokio::sync::broadcast::error::RecvError;

use crate::App;

/// Follows the event bus on a task of its own until the bus closes. The
/// subscription is taken before this returns, so no later event is missed.
pub fn spawn(app: Arc<App>) -> tokio::task::JoinHandle<()> {
    let events = app.bus.subscribe();
    tokio::spawn(follow(app, events))
}

async fn follow(app: Arc<App>, mut events: tokio::sync::broadcast::Receiver<Event>) {
    loop {
        match events.recv().await {
            Ok(Event::MembershipsChanged { user_id }) => reload_memberships(&app, UserId(user_id)).await,
            Ok(Event::RegimeChanged { id }) => crate::regimes::reload(&app, id).await,
            // Browsers subscribe to the bus themselves (server-sent events).
            Ok(Event::Notified { .. }) => {}
            Err(RecvError::Lagged(missed)) => {
                // Too far behind to know what changed: reload everything.
                tracing::warn!(missed, "event bus lagged; reloading all memberships and regimes");
                reload_everything(&app).await;
            }
            Err(RecvError::Closed) => break,
        }
    }
}

async fn reload_memberships(app: &App, user: UserId) {
    match app.store.all_memberships_of(user).await {
        Ok(rows) => {
            if let Err(error) = app.authz.replace_memberships(user, &rows).await {
                tracing::error!(%error, "reloading memberships failed");
            }
        }
        Err(error) => tracing::error!(%error, "reading memberships failed"),
    }
}

async fn reload_everything(app: &App) {
    if let Ok(all) = app.store.all_memberships().await {
        let mut by_user: HashMap<UserId, Vec<_>> = HashMap::new();
        for (user, m) in all {
            by_user.entry(user).or_default().push(m);
        }
        for (user, rows) in by_user {
            if let Err(error) = app.authz.replace_memberships(user, &rows).await {
                tracing::error!(%error, %user, "reloading memberships failed");
            }
        }
    }
    if let Err(error) = crate::regimes::load_all(app).await {
        tracing::error!(%error, "reloading regime plugins failed");
    }
}
