//! Reading reports: lists within the caller's scopes, one report, and what the caller could do with it now.

use std::collections::HashMap;

use baocao_domain::report::{Role, Step};
use baocao_storage::{Page, ReportQuery, ReportRow};

use crate::App;
use crate::Caller;
use crate::error::Error;

use super::*;

pub async fn list(app: &App, who: &Caller, query: &ReportQuery) -> Result<Page<ReportRow>, Error> {
    let s = scopes(app, who).await?;
    Ok(app.store.reports(&s.read, &s.check, query).await?)
}

pub async fn get(app: &App, who: &Caller, id: i64) -> Result<ReportRow, Error> {
    let s = scopes(app, who).await?;
    Ok(app.store.report(&s.read, &s.check, id).await?)
}

/// A report as read to be shown, and if it is an aggregate, its state.
pub struct WithState {
    /// The report, its `cells` empty: they are in `cells`, as stored.
    pub report: ReportRow,
    pub cells: baocao_storage::StoredCells,
    pub aggregate: Option<AggregateState>,
}

/// A report to be shown and its state: one query unless it is an aggregate
/// (whose state needs the reports it was computed from). Its cells are left
/// as stored, for the answer to pass on without decoding them.
pub async fn get_with_state(app: &App, who: &Caller, id: i64) -> Result<WithState, Error> {
    let s = scopes(app, who).await?;
    let (report, cells, sources) = app.store.report_as_stored(&s.read, &s.check, id).await?;
    let aggregate = if sources == 0 { None } else { aggregate_state_in(app, &s, &report).await? };
    Ok(WithState { report, cells, aggregate })
}

/// The actions the caller could take on a report now (for buttons and links).
pub async fn allowed_actions(app: &App, who: &Caller, report: &ReportRow) -> Vec<Step> {
    let mut out = Vec::new();
    for step in baocao_domain::report::actions_from(report.status) {
        let at = if step.role.at_receiver() { &report.receiver_path } else { &report.unit_path };
        if app.authz.check_role(who.user.id, step.role, at).await.is_ok() {
            out.push(step);
        }
    }
    out
}

/// Whether the caller may edit the report's content now.
pub async fn may_edit(app: &App, who: &Caller, report: &ReportRow) -> bool {
    report.status.editable()
        && report.entry_window(app.clock.today()) == baocao_domain::report::EntryWindow::Open
        && app.authz.check_role(who.user.id, Role::Enter, &report.unit_path).await.is_ok()
}

/// Whether the caller may aggregate into this report (its unit's aggregator).
pub async fn may_aggregate(app: &App, who: &Caller, report: &ReportRow) -> bool {
    app.authz.check_role(who.user.id, Role::Aggregate, &report.unit_path).await.is_ok()
}

/// The saved sections of a narrative report, by section code.
pub async fn sections(app: &App, who: &Caller, id: i64) -> Result<HashMap<String, String>, Error> {
    let s = scopes(app, who).await?;
    Ok(app.store.report_sections(&s.read, &s.check, id).await?.into_iter().collect())
}

/// The report's history, oldest first.
pub async fn history(app: &App, who: &Caller, id: i64) -> Result<Vec<baocao_storage::HistoryEntry>, Error> {
    let s = scopes(app, who).await?;
    Ok(app.store.report_history(&s.read, &s.check, id).await?)
}

/// The files attached to a report.
pub async fn attachments(app: &App, who: &Caller, id: i64) -> Result<Vec<baocao_storage::Attachment>, Error> {
    let s = scopes(app, who).await?;
    Ok(app.store.attachments(&s.read, &s.check, id).await?)
}
