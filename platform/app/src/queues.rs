//! Each role's own work: what waits for the caller in each queue
//! ([`Queue`]), with counts and overdue reports, and the menu of what the
//! caller's groups allow — the same for the pages and the API.

use baocao_authz::Scope;
use baocao_authz::perms::{
    AggregateReports, ApproveReports, AssignReports, CheckReports, EnterReports, ManageRegimes, ManageUnits,
    ManageUsers, ReadAudit, ReadReports, SendReports,
};
use baocao_domain::queue::Queue;
use baocao_domain::report::Role;
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
}

impl Menu {
    /// Whether any administration page is the caller's.
    pub fn administers(&self) -> bool {
        self.units || self.users || self.regimes || self.audit
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
    let mut out = Vec::with_capacity(Queue::ALL.len());
    for queue in Queue::ALL {
        let q = query(queue, app, 1, 1);
        let (allowed, count, overdue) = match queue.role() {
            Role::Enter => counts(app, &crate::admin::scope::<EnterReports>(app, who).await?, &q).await?,
            Role::Approve => counts(app, &crate::admin::scope::<ApproveReports>(app, who).await?, &q).await?,
            Role::Send => counts(app, &crate::admin::scope::<SendReports>(app, who).await?, &q).await?,
            Role::Check => counts(app, &crate::admin::scope::<CheckReports>(app, who).await?, &q).await?,
            Role::Aggregate => counts(app, &crate::admin::scope::<AggregateReports>(app, who).await?, &q).await?,
        };
        out.push(QueueSummary { queue, allowed, count, overdue });
    }
    Ok(out)
}

async fn counts<P>(app: &App, scope: &Scope<P>, q: &QueueQuery) -> Result<(bool, u64, u64), Error> {
    if scope.own_units().is_empty() {
        return Ok((false, 0, 0));
    }
    let (count, overdue) = app.store.queue_counts(scope, q).await?;
    Ok((true, count, overdue))
}

/// The reports waiting in one queue for the caller, the nearest deadline first.
pub async fn reports(
    app: &App, who: &Caller, queue: Queue, page: u64, per_page: u64,
) -> Result<Page<ReportRow>, Error> {
    let q = query(queue, app, page, per_page);
    Ok(match queue.role() {
        Role::Enter => app.store.queue(&crate::admin::scope::<EnterReports>(app, who).await?, &q).await?,
        Role::Approve => app.store.queue(&crate::admin::scope::<ApproveReports>(app, who).await?, &q).await?,
        Role::Send => app.store.queue(&crate::admin::scope::<SendReports>(app, who).await?, &q).await?,
        Role::Check => app.store.queue(&crate::admin::scope::<CheckReports>(app, who).await?, &q).await?,
        Role::Aggregate => app.store.queue(&crate::admin::scope::<AggregateReports>(app, who).await?, &q).await?,
    })
}

/// The menu of the caller's groups. One read of the caller's memberships;
/// the rest is the authoriser's memory.
pub async fn menu(app: &App, who: &Caller) -> Result<Menu, Error> {
    let memberships = app.authz.memberships(who.user.id).await;
    let ids: Vec<_> = memberships.iter().map(|m| m.unit).collect();
    let paths = app.store.unit_paths_unscoped(&ids).await?;
    let user = who.user.id;
    let mut queues = Vec::new();
    for queue in Queue::ALL {
        let own = match queue.role() {
            Role::Enter => app.authz.scope::<EnterReports>(user, &paths).await.own_units(),
            Role::Approve => app.authz.scope::<ApproveReports>(user, &paths).await.own_units(),
            Role::Send => app.authz.scope::<SendReports>(user, &paths).await.own_units(),
            Role::Check => app.authz.scope::<CheckReports>(user, &paths).await.own_units(),
            Role::Aggregate => app.authz.scope::<AggregateReports>(user, &paths).await.own_units(),
        };
        if !own.is_empty() {
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
    })
}
