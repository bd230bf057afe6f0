//! Workflow steps: submit, approve, reject, send, accept, corrections, reopen — each
//! checked against the status, the caller's role at the right unit, and its comment.

use baocao_authz::RoleGrant;
use baocao_domain::ids::UserId;
use baocao_domain::report::{Action, Approval, Notify, ReportKind, Role, Step, step_for};
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
    /// For approve and send: sign in the same step ("Duyệt và ký số", "Ký số và gửi").
    #[serde(default)]
    pub signature: Option<crate::signatures::SignatureInput>,
}

/// A document already signed by a token or another tool, for the step it completes.
pub(crate) struct Signed {
    pub document: baocao_storage::DocumentWrite,
    pub completes: Option<String>,
}

pub async fn transition(app: &App, who: &Caller, id: i64, input: TransitionInput) -> Result<ReportRow, Error> {
    take_step(app, who, id, input, None).await
}

/// Whether the caller may take `action` on `report` now: 409 when the status
/// does not allow it, 403 without the role at the right unit.
pub(crate) async fn may_take(app: &App, who: &Caller, report: &ReportRow, action: Action) -> Result<RoleGrant, Error> {
    let step = step_for(report.status, action, Some("-"))
        .map_err(|r| Error::Conflict(Invalid::new("action", "transition_not_allowed", r.text())))?;
    let at = if step.role.at_receiver() { &report.receiver_path } else { &report.unit_path };
    Ok(app.authz.check_role(who.user.id, step.role, at).await?)
}

pub(crate) async fn take_step(
    app: &App, who: &Caller, id: i64, input: TransitionInput, signed: Option<Signed>,
) -> Result<ReportRow, Error> {
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
    let grant = may_take(app, who, &report, action).await?;
    let step = step_for(report.status, action, comment)
        .map_err(|r| Error::Invalid(vec![Invalid::new("comment", "comment_required", r.text())]))?;
    let (step, note) = chain_step(app, &report, step, comment).await?;
    let comment = note.as_deref().or(comment);
    if action == Action::Submit && report.kind == ReportKind::Numeric && report.cells.is_empty() {
        return Err(Error::invalid(
            "action",
            "empty_report",
            "Báo cáo chưa có số liệu, chưa thể trình.",
            "The report has no data yet and cannot be submitted.",
        ));
    }
    let forward_to = forward_target(app, &report, action, input.forward_to).await?;
    let (document, completes) = match signed {
        Some(s) => (Some(s.document), s.completes),
        None => (document_for(app, who, &report, action, input.signature.as_ref()).await?, None),
    };
    let (recipients, draft) =
        notice(app, who, &report, (action, step.notify, forward_to), comment, grant.unit()).await?;
    let saved = app
        .store
        .transition(
            &grant,
            &who.actor(),
            id,
            baocao_storage::Move {
                step,
                comment,
                forward_to,
                document: document.as_ref(),
                completes: completes.as_deref(),
            },
            &draft,
        )
        .await?;
    announce(app, recipients).await;
    Ok(saved)
}

/// The step as the unit's chain takes it: a submission where nobody approves
/// goes to the sender, and the history says why beside the official's comment.
async fn chain_step(
    app: &App, report: &ReportRow, step: Step, comment: Option<&str>,
) -> Result<(Step, Option<String>), Error> {
    if step.action != Action::Submit || super::approvals::approval_of(app, report).await? == Approval::Required {
        return Ok((step, None));
    }
    let note = Approval::skipped_note().vi.into_owned();
    let note = match comment {
        Some(c) => format!("{c}\n{note}"),
        None => note,
    };
    Ok((Approval::Skipped.shape(step), Some(note)))
}

/// Whom an approving leader forwards to: one of the unit's senders, or none.
async fn forward_target(
    app: &App, report: &ReportRow, action: Action, to: Option<i64>,
) -> Result<Option<UserId>, Error> {
    let senders = app.authz.holders(Role::Send, &report.unit_path).await;
    match (action, to) {
        (Action::Approve, Some(u)) if senders.contains(&UserId(u)) => Ok(Some(UserId(u))),
        (Action::Approve, Some(_)) => Err(Error::invalid(
            "forward_to",
            "not_a_sender",
            "Người được chuyển phải là văn thư gửi báo cáo của đơn vị.",
            "Forward to one of the unit's senders.",
        )),
        _ => Ok(None),
    }
}

/// Who is told of the step, and what: the holders of the next role (or the
/// one the leader forwarded to), in the handbook's words, with the comment.
async fn notice(
    app: &App, who: &Caller, report: &ReportRow, (action, notify, forward_to): (Action, Notify, Option<UserId>),
    comment: Option<&str>, acting: baocao_domain::ids::UnitId,
) -> Result<(Vec<UserId>, NotificationDraft), Error> {
    let Notify::Role(role) = notify;
    let recipients = match (action, forward_to) {
        (Action::Approve, Some(u)) => vec![u],
        _ if role.at_receiver() => app.authz.holders(role, &report.receiver_path).await,
        _ => app.authz.holders(role, &report.unit_path).await,
    };
    let acting_unit = app.store.unit_unscoped(acting).await?;
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
    Ok((recipients, draft))
}

/// The document the step writes; accepting first checks the required signatures.
async fn document_for(
    app: &App, who: &Caller, report: &ReportRow, action: Action, signature: Option<&crate::signatures::SignatureInput>,
) -> Result<Option<baocao_storage::DocumentWrite>, Error> {
    if action == Action::Accept {
        crate::signatures::check_before_accept(app, report).await?;
    }
    crate::signatures::document_for_step(app, who, report, action, signature).await
}

/// Users who may receive a leader's forward: the unit's clerks ("văn thư"),
/// who send but do not enter data. A commune's data-entry official may also
/// send, but a leader forwarding for signature means the clerk.
pub async fn senders(app: &App, report: &ReportRow) -> Result<Vec<(UserId, String)>, Error> {
    let mut out = Vec::new();
    let entering = app.authz.holders(Role::Enter, &report.unit_path).await;
    let clerks = app.authz.holders(Role::Send, &report.unit_path).await.into_iter().filter(|id| !entering.contains(id));
    for id in clerks {
        if let Ok(user) = app.store.user_unscoped(id).await {
            out.push((id, user.full_name.as_str().to_owned()));
        }
    }
    Ok(out)
}

/// One step taken on several reports at once — accepting a batch of incoming
/// reports, sending a batch of approved ones — as the handbook's officials
/// do at a deadline.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BulkTransitionInput {
    pub action: String,
    pub ids: Vec<i64>,
    #[serde(default)]
    pub comment: Option<String>,
    /// For approve and send: each report signed with the same look and key.
    #[serde(default)]
    pub signature: Option<crate::signatures::SignatureInput>,
}

/// The most reports one bulk step takes: each is checked, signed and recorded
/// on its own, so a larger batch would hold the request too long.
pub const MAX_BULK: usize = 200;

/// Takes the step on each report in turn, each checked and recorded on its own
/// (its own transaction, history row and notifications): one refusal does not
/// stop the others. Answers one result per id, in the order given.
pub async fn bulk_transition(
    app: &App, who: &Caller, input: BulkTransitionInput,
) -> Result<Vec<(i64, Result<ReportRow, Error>)>, Error> {
    if input.ids.is_empty() || input.ids.len() > MAX_BULK {
        return Err(Error::invalid(
            "ids",
            "bad_batch",
            format!("Hãy chọn từ 1 đến {MAX_BULK} báo cáo."),
            format!("Pick between 1 and {MAX_BULK} reports."),
        ));
    }
    let mut out = Vec::with_capacity(input.ids.len());
    let mut seen = std::collections::HashSet::new();
    for id in input.ids.iter().copied().filter(|id| seen.insert(*id)) {
        let one = TransitionInput {
            action: input.action.clone(),
            comment: input.comment.clone(),
            forward_to: None,
            signature: input.signature.clone(),
        };
        let result = transition(app, who, id, one).await;
        if let Err(Error::Internal(source)) = &result {
            tracing::error!(report = id, error = format!("{source:#}"), "a step of a bulk transition failed");
        }
        out.push((id, result));
    }
    Ok(out)
}
