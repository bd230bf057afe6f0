//! Entry windows that open, deadline reminders and overdue notices by mail,
//! and the sweep of what expired. Each unsent report whose
//! entry closes within its tenant's reminder days (else `jobs.reminder_days`), and each one past its close
//! date, is written to the outbox once (a key per report and close date), so
//! however often the job runs, and on however many instances, an official
//! gets one reminder and one notice per deadline.

use baocao_domain::mail::{self, MailKind};
use baocao_domain::report::Role;
use baocao_storage::MailDraft;
use chrono::Duration;

use crate::App;
use crate::error::Error;

/// Reports looked at per run: the next run takes the rest.
const PER_RUN: u64 = 500;

/// What one run wrote (before the outbox drops what it already has).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub reminders: usize,
    pub overdue: usize,
    pub opened: usize,
}

/// Writes the reminders and notices that are due today.
pub async fn write_due(app: &App) -> Result<Written, Error> {
    let today = app.clock.today();
    let platform_days = app.settings.jobs.reminder_days;
    let tenant_days = app.store.reminder_days_unscoped().await?;
    let ahead = i64::from(tenant_days.values().copied().chain([platform_days]).max().unwrap_or(platform_days));
    let mut written = Written::default();
    // Overdue: closed within the last month and still not sent.
    let since = today - Duration::days(31);
    for report in app.store.unsent_closing_unscoped(since, today - Duration::days(1), PER_RUN).await? {
        let days = (today - report.closes_on).num_days();
        written.overdue += write(app, &report, MailKind::Overdue, days).await?;
    }
    // Windows that opened in the last week (a report assigned before it opens).
    for report in app.store.opening_unscoped(today - Duration::days(7), today, PER_RUN).await? {
        if report.opens_on > report.assigned_at.date_naive() {
            written.opened += write(app, &report, MailKind::EntryOpened, 0).await?;
        }
    }
    for report in app.store.unsent_closing_unscoped(today, today + Duration::days(ahead), PER_RUN).await? {
        // Sent to the leader or the clerk already: the data-entry official is done.
        if !report.status.editable() {
            continue;
        }
        let days = (report.closes_on - today).num_days();
        if days > i64::from(tenant_days.get(&report.tenant).copied().unwrap_or(platform_days)) {
            continue;
        }
        written.reminders += write(app, &report, MailKind::DeadlineApproaching, days).await?;
    }
    Ok(written)
}

async fn write(
    app: &App, report: &baocao_domain::content::ReportRow, kind: MailKind, days: i64,
) -> Result<usize, Error> {
    let unit = app.store.unit_unscoped(report.unit_id).await?;
    let title = crate::reports::report_title(&report.form, &report.period, &unit);
    let text = match kind {
        MailKind::Overdue => mail::overdue_text(&title, report.closes_on, days),
        MailKind::EntryOpened => mail::opened_text(&title, report.closes_on),
        _ => mail::deadline_text(&title, report.closes_on, days),
    };
    let holders = match kind {
        MailKind::Overdue => overdue_recipients(app, report).await,
        _ => app.authz.holders(Role::Enter, &report.unit_path).await,
    };
    let count = holders.len();
    let draft = MailDraft {
        kind,
        users: holders,
        text,
        link: Some(format!("/reports/{}", report.id)),
        dedup_key: Some(format!("{}:{}:{}", kind.as_str(), report.id, report.closes_on)),
    };
    app.store.enqueue_mail(&draft).await?;
    Ok(count)
}

/// Who hears that a report is overdue: whoever holds it now (entry, the
/// leader, the clerk) at the reporting unit.
async fn overdue_recipients(app: &App, report: &baocao_domain::content::ReportRow) -> Vec<baocao_domain::ids::UserId> {
    let mut users = Vec::new();
    for role in [Role::Enter, Role::Approve, Role::Send] {
        users.extend(app.authz.holders(role, &report.unit_path).await);
    }
    users.sort();
    users.dedup();
    users
}

/// Removes prepared signatures and reset codes past their time.
pub async fn remove_expired(app: &App) -> Result<baocao_storage::Expired, Error> {
    Ok(app.store.remove_expired(app.clock.now()).await?)
}
