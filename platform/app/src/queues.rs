//! Each role's own work: what waits for the caller in each queue
//! ([`Queue`]), with counts and overdue reports, and the menu of what the
//! caller's groups allow — the same for the pages and the API.

use baocao_authz::perms::{
    AssignReports, ManageRegimes, ManageTenants, ManageUnits, ManageUsers, ReadAudit, ReadReports,
};
use baocao_domain::queue::Queue;
use baocao_storage::{Page, QueueQuery, ReportRow};

use crate::{App, Caller, Error};

/// One queue for the caller: whether the caller's groups do this work at
/// all, how many reports wait, and how many of those are past their deadline.
#[derive(Debug, Clone, Copy)]
pub struct QueueSummary {
    pub queue: Queue,
    pub allowed: bool,
    pub count: u64,
    pub overdue: u64,
}

/// What the caller's groups allow, for the menu: the queues of its work,
/// then the other pages.
#[derive(Debug, Clone, Default)]
pub struct Menu {
    pub queues: Vec<Queue>,
    pub assign: bool,
    pub read_reports: bool,
    pub units: bool,
    pub users: bool,
    pub regimes: bool,
    pub audit: bool,
    /// The platform operator's page of background work (jobs, outbox).
    pub operations: bool,
}

impl Menu {
    /// Whether any administration page is the caller's.
    pub fn administers(&self) -> bool {
        self.units || self.users || self.regimes || self.audit || self.operations
    }
}

fn query(queue: Queue, app: &App, page: u64, per_page: u64) -> QueueQuery {
    QueueQuery {
        statuses: queue.statuses(),
        at_receiver: queue.at_receiver(),
        today: app.clock.today(),
        page,
        per_page,
    }
}

/// Every queue for the caller, in the handbook's order.
pub async fn summary(app: &App, who: &Caller) -> Result<Vec<QueueSummary>, Error> {
    let paths = crate::admin::membership_paths(app, who).await?;
    let mut out = Vec::with_capacity(Queue::ALL.len());
    for queue in Queue::ALL {
        let scope = app.authz.role_scope(who.user.id, queue.role(), &paths).await;
        let allowed = !scope.own_units().is_empty();
        let (count, overdue) =
            if allowed { app.store.queue_counts(&scope, &query(queue, app, 1, 1)).await? } else { (0, 0) };
        out.push(QueueSummary { queue, allowed, count, overdue });
    }
    Ok(out)
}

/// The reports waiting in one queue for the caller, the nearest deadline first.
pub async fn reports(
    app: &App, who: &Caller, queue: Queue, page: u64, per_page: u64,
) -> Result<Page<ReportRow>, Error> {
    let paths = crate::admin::membership_paths(app, who).await?;
    let scope = app.authz.role_scope(who.user.id, queue.role(), &paths).await;
    Ok(app.store.queue(&scope, &query(queue, app, page, per_page)).await?)
}

/// The menu of the caller's groups. One read of the caller's memberships;
/// the rest is the authoriser's memory.
pub async fn menu(app: &App, who: &Caller) -> Result<Menu, Error> {
    let paths = crate::admin::membership_paths(app, who).await?;
    let user = who.user.id;
    let mut queues = Vec::new();
    for queue in Queue::ALL {
        if !app.authz.role_scope(user, queue.role(), &paths).await.own_units().is_empty() {
            queues.push(queue);
        }
    }
    Ok(Menu {
        queues,
        assign: !app.authz.scope::<AssignReports>(user, &paths).await.is_empty(),
        read_reports: !app.authz.scope::<ReadReports>(user, &paths).await.is_empty(),
        units: !app.authz.scope::<ManageUnits>(user, &paths).await.is_empty(),
        users: !app.authz.scope::<ManageUsers>(user, &paths).await.is_empty(),
        regimes: !app.authz.scope::<ManageRegimes>(user, &paths).await.is_empty(),
        audit: !app.authz.scope::<ReadAudit>(user, &paths).await.is_empty(),
        operations: !app.authz.scope::<ManageTenants>(user, &paths).await.is_empty(),
    })
}
