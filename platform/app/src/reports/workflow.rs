//! Workflow steps: submit, approve, reject, send, accept, corrections, reopen — each
//! checked against the status, the caller's role at the right unit, and its comment.

use baocao_domain::ids::UserId;
use baocao_domain::report::{Action, Notify, ReportKind, Role, step_for};
use baocao_domain::text::{Invalid, Text};
use baocao_storage::{NotificationDraft, ReportRow};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::App;
use crate::Caller;
use crate::error::Error;

use super::*;

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct TransitionInput {
    /// submit, approve, reject, send, accept, request_correction, approve_correction, reopen
    pub action: String,
    #[serde(default)]
    pub comment: Option<String>,
    /// For approve: the official (a sender of the unit) to forward to.
    #[serde(default)]
    pub forward_to: Option<i64>,
}

pub async fn transition(app: &App, who: &Caller, id: i64, input: TransitionInput) -> Result<ReportRow, Error> {
    let Some(action) = Action::parse(&input.action) else {
        return Err(Error::invalid(
            "action",
            "unknown_action",
            format!("Thao tác \"{}\" không tồn tại.", input.action),
            format!("There is no action \"{}\".", input.action),
        ));
    };
    let report = for_write(app, who, id).await?;
    let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > 2000) {
        return Err(Error::invalid(
            "comment",
            "too_long",
            "Ý kiến tối đa 2000 ký tự.",
            "A comment has at most 2000 characters.",
        ));
    }
    // Which move, and whose, before whether the comment is there: an actor
    // who may not act at all is told so first.
    let step = step_for(report.status, action, Some("-"))
        .map_err(|r| Error::Conflict(Invalid::new("action", "transition_not_allowed", r.text())))?;
    let at = if step.role.at_receiver() { &report.receiver_path } else { &report.unit_path };
    let grant = app.authz.check_role(who.user.id, step.role, at).await?;
    let step = step_for(report.status, action, comment)
        .map_err(|r| Error::Invalid(vec![Invalid::new("comment", "comment_required", r.text())]))?;
    if action == Action::Submit && report.kind == ReportKind::Numeric && report.cells.is_empty() {
        return Err(Error::invalid(
            "action",
            "empty_report",
            "Báo cáo chưa có số liệu, chưa thể trình.",
            "The report has no data yet and cannot be submitted.",
        ));
    }
    let senders = app.authz.holders(Role::Send, &report.unit_path).await;
    let forward_to = match (action, input.forward_to) {
        (Action::Approve, Some(u)) if senders.contains(&UserId(u)) => Some(UserId(u)),
        (Action::Approve, Some(_)) => {
            return Err(Error::invalid(
                "forward_to",
                "not_a_sender",
                "Người được chuyển phải là văn thư gửi báo cáo của đơn vị.",
                "Forward to one of the unit's senders.",
            ));
        }
        _ => None,
    };
    let Notify::Role(role) = step.notify;
    let recipients = match (action, forward_to) {
        (Action::Approve, Some(u)) => vec![u],
        _ if role.at_receiver() => app.authz.holders(role, &report.receiver_path).await,
        _ => app.authz.holders(role, &report.unit_path).await,
    };
    let acting_unit = app.store.unit_unscoped(grant.unit()).await?;
    let unit = app.store.unit_unscoped(report.unit_id).await?;
    let title = report_title(&report.form, &report.period, &unit);
    let mut text = message(app.clock.now(), &title, &action.past(), who, &acting_unit);
    if let Some(c) = comment {
        text = Text::new(format!("{}. Ý kiến: {c}", text.vi), format!("{}. Comment: {c}", text.en));
    }
    let draft = NotificationDraft {
        users: recipients.clone(),
        kind: action.as_str().to_owned(),
        text: Some(text),
        sender: Some(who.user.id),
        sender_unit: Some(acting_unit.id),
    };
    let saved = app
        .store
        .transition(&grant, &who.actor(), id, baocao_storage::Move { step, comment, forward_to }, &draft)
        .await?;
    announce(app, recipients).await;
    Ok(saved)
}

/// Users who may receive a leader's forward: the senders of the report's unit.
pub async fn senders(app: &App, report: &ReportRow) -> Result<Vec<(UserId, String)>, Error> {
    let mut out = Vec::new();
    for id in app.authz.holders(Role::Send, &report.unit_path).await {
        if let Ok(user) = app.store.user_unscoped(id).await {
            out.push((id, user.full_name.as_str().to_owned()));
        }
    }
    Ok(out)
}
