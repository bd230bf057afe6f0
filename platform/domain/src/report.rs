//! The life of a report (domain.md §3) as one state machine without I/O.
//!
//! A report is one (form, unit, period). It is filled at its unit, approved
//! by the unit's leader, sent by the unit's clerk to the receiving unit, and
//! checked there. Every move is an [`Action`] taken in a [`Role`]; the web
//! layer checks that the caller holds the role at the right unit, and storage
//! applies the move in one transaction. The steps where a digital signature
//! will be required are marked by [`Step::signature`], so requiring one there
//! later needs no change to the machine.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::{Invalid, Text};

/// Where a report stands. The API names are stable (`new`, `draft`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Assigned, nothing saved yet.
    New,
    /// Being filled at the reporting unit.
    Draft,
    /// Submitted to the unit's leader.
    Submitted,
    /// Approved by the leader (or submitted where nobody approves), waiting for the clerk to send it.
    UnitApproved,
    /// Sent to the receiving unit, waiting for its check.
    Sent,
    /// Accepted by the receiving unit.
    Accepted,
    /// Sent back with a comment, by the leader, the clerk or the receiver; editable like a draft.
    Rejected,
    /// The reporting unit asked to correct an accepted report; the receiver decides.
    CorrectionRequested,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::New,
        Status::Draft,
        Status::Submitted,
        Status::UnitApproved,
        Status::Sent,
        Status::Accepted,
        Status::Rejected,
        Status::CorrectionRequested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::UnitApproved => "unit_approved",
            Status::Sent => "sent",
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::CorrectionRequested => "correction_requested",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The label of the handbook's screens.
    pub fn label(self) -> Text {
        match self {
            Status::New => Text::fixed("Mới giao", "New"),
            Status::Draft => Text::fixed("Đang nhập liệu", "Draft"),
            Status::Submitted => Text::fixed("Chờ lãnh đạo duyệt", "Submitted to the leader"),
            // Also where the unit has no leader's approval: say what waits, not who approved.
            Status::UnitApproved => Text::fixed("Chờ văn thư gửi", "Waiting to be sent"),
            Status::Sent => Text::fixed("Đã gửi", "Sent"),
            Status::Accepted => Text::fixed("Đã được duyệt", "Accepted"),
            Status::Rejected => Text::fixed("Bị từ chối", "Rejected"),
            Status::CorrectionRequested => Text::fixed("Chờ duyệt yêu cầu đính chính", "Correction requested"),
        }
    }

    /// Whether the reporting unit may change the content.
    pub fn editable(self) -> bool {
        matches!(self, Status::New | Status::Draft | Status::Rejected)
    }

    /// Whether the report has left the reporting unit (counts as sent for deadlines).
    pub fn sent(self) -> bool {
        matches!(self, Status::Sent | Status::Accepted | Status::CorrectionRequested)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acts. Each role is a report action of `policies/policy.csv`, held at
/// the reporting unit, except [`Role::Check`], held at the receiving unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Data entry (nhập liệu): fills, submits, asks for corrections.
    Enter,
    /// The unit's leader (duyệt cấp đơn vị).
    Approve,
    /// The clerk who signs as the organisation and sends (gửi, văn thư).
    Send,
    /// The receiving unit's aggregator (kiểm tra, tổng hợp).
    Check,
    /// Aggregating the accepted reports sent to a unit into its own report
    /// (tổng hợp); not a workflow step, held at the receiving unit.
    Aggregate,
}

impl Role {
    /// The action of `report` in the policy that grants this role.
    pub fn policy_action(self) -> &'static str {
        match self {
            Role::Enter => "enter",
            Role::Approve => "approve",
            Role::Send => "send",
            Role::Check => "check",
            Role::Aggregate => "aggregate",
        }
    }

    /// Whether the role is held at the receiving unit rather than the reporting one.
    pub fn at_receiver(self) -> bool {
        matches!(self, Role::Check | Role::Aggregate)
    }
}

/// A move of the workflow. The API names are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Trình lãnh đạo.
    Submit,
    /// Duyệt cấp đơn vị (the leader; may sign personally and pick the clerk).
    Approve,
    /// Từ chối, with a mandatory comment: by the leader, by the clerk who
    /// refuses to send, by the receiver, or on a correction request.
    Reject,
    /// Ký số và gửi.
    Send,
    /// Duyệt at the receiving unit.
    Accept,
    /// Yêu cầu đính chính.
    RequestCorrection,
    /// Duyệt yêu cầu đính chính.
    ApproveCorrection,
    /// The receiver reopens entry after the period closed (mở lại kỳ nhập liệu).
    Reopen,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Submit,
        Action::Approve,
        Action::Reject,
        Action::Send,
        Action::Accept,
        Action::RequestCorrection,
        Action::ApproveCorrection,
        Action::Reopen,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Send => "send",
            Action::Accept => "accept",
            Action::RequestCorrection => "request_correction",
            Action::ApproveCorrection => "approve_correction",
            Action::Reopen => "reopen",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The button's label and the verb of notifications ("đã được … bởi").
    pub fn label(self) -> Text {
        match self {
            Action::Submit => Text::fixed("Trình lãnh đạo", "Submit to the leader"),
            Action::Approve => Text::fixed("Duyệt", "Approve"),
            Action::Reject => Text::fixed("Từ chối", "Reject"),
            Action::Send => Text::fixed("Ký số và gửi", "Sign and send"),
            Action::Accept => Text::fixed("Duyệt báo cáo", "Accept"),
            Action::RequestCorrection => Text::fixed("Yêu cầu đính chính", "Request a correction"),
            Action::ApproveCorrection => Text::fixed("Duyệt yêu cầu đính chính", "Approve the correction"),
            Action::Reopen => Text::fixed("Mở lại nhập liệu", "Reopen entry"),
        }
    }

    /// The participle of notifications: "Báo cáo X đã được <past> bởi …".
    pub fn past(self) -> Text {
        match self {
            Action::Submit => Text::fixed("trình lãnh đạo", "submitted to the leader"),
            Action::Approve => Text::fixed("lãnh đạo duyệt", "approved by the leader"),
            Action::Reject => Text::fixed("từ chối", "rejected"),
            Action::Send => Text::fixed("gửi", "sent"),
            Action::Accept => Text::fixed("duyệt", "accepted"),
            Action::RequestCorrection => Text::fixed("yêu cầu đính chính", "the subject of a correction request"),
            Action::ApproveCorrection => Text::fixed("chấp thuận đính chính", "cleared for correction"),
            Action::Reopen => Text::fixed("mở lại để nhập liệu", "reopened for entry"),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a signature will attach (the digital-signature issue): the leader
/// signs personally, the clerk signs as the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    Personal,
    Organisation,
}

/// Who must be told about a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notify {
    /// Whoever holds this role at the reporting unit (or the receiver, for [`Role::Check`]).
    Role(Role),
}

/// One allowed move: where it leads and what it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub from: Status,
    pub action: Action,
    pub to: Status,
    pub role: Role,
    pub comment_required: bool,
    pub signature: Option<Signature>,
    pub notify: Notify,
}

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{action} is not possible while the report is {status}")]
    NotNow { status: Status, action: Action },
    #[error("{action} needs a comment")]
    CommentRequired { action: Action },
}

impl Refusal {
    pub fn text(&self) -> Text {
        match self {
            Refusal::NotNow { status, action } => Text::new(
                format!(
                    "Không thể thực hiện \"{}\" khi báo cáo đang ở trạng thái \"{}\".",
                    action.label().vi,
                    status.label().vi
                ),
                format!("\"{}\" is not possible while the report is \"{}\".", action.label().en, status.label().en),
            ),
            Refusal::CommentRequired { action } => Text::new(
                format!("Cần nhập lý do khi \"{}\".", action.label().vi),
                format!("\"{}\" needs a comment.", action.label().en),
            ),
        }
    }
}

const fn step(from: Status, action: Action, to: Status, role: Role, notify: Role) -> Step {
    Step { from, action, to, role, comment_required: false, signature: None, notify: Notify::Role(notify) }
}

/// Every move of the workflow. Anything not listed is refused.
pub const STEPS: [Step; 15] = {
    use Action as A;
    use Role as R;
    use Status as S;
    let mut reject_leader = step(S::Submitted, A::Reject, S::Rejected, R::Approve, R::Enter);
    reject_leader.comment_required = true;
    let mut refuse_to_send = step(S::UnitApproved, A::Reject, S::Rejected, R::Send, R::Enter);
    refuse_to_send.comment_required = true;
    let mut reject_receiver = step(S::Sent, A::Reject, S::Rejected, R::Check, R::Enter);
    reject_receiver.comment_required = true;
    let mut refuse_correction = step(S::CorrectionRequested, A::Reject, S::Accepted, R::Check, R::Enter);
    refuse_correction.comment_required = true;
    let mut ask_after_acceptance = step(S::Accepted, A::RequestCorrection, S::CorrectionRequested, R::Enter, R::Check);
    ask_after_acceptance.comment_required = true;
    let mut approve = step(S::Submitted, A::Approve, S::UnitApproved, R::Approve, R::Send);
    approve.signature = Some(Signature::Personal);
    let mut send = step(S::UnitApproved, A::Send, S::Sent, R::Send, R::Check);
    send.signature = Some(Signature::Organisation);
    [
        step(S::Draft, A::Submit, S::Submitted, R::Enter, R::Approve),
        step(S::Rejected, A::Submit, S::Submitted, R::Enter, R::Approve),
        approve,
        reject_leader,
        send,
        refuse_to_send,
        step(S::Sent, A::Accept, S::Accepted, R::Check, R::Enter),
        reject_receiver,
        // Not accepted yet: back to entry at once.
        step(S::Submitted, A::RequestCorrection, S::Draft, R::Enter, R::Approve),
        step(S::UnitApproved, A::RequestCorrection, S::Draft, R::Enter, R::Send),
        step(S::Sent, A::RequestCorrection, S::Draft, R::Enter, R::Check),
        // Accepted: the receiver decides.
        ask_after_acceptance,
        step(S::CorrectionRequested, A::ApproveCorrection, S::Draft, R::Check, R::Enter),
        refuse_correction,
        // A closed period: the receiver reopens entry; the status stays (see `reopen_allowed`).
        step(S::Draft, A::Reopen, S::Draft, R::Check, R::Enter),
    ]
};

/// Whether a unit's reports pass its leader's approval ("Duyệt cấp đơn vị").
/// A level where nobody may approve (a ministry's departments have no
/// approving group) skips the step, as may a tenant's rule for a regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    Required,
    Skipped,
}

impl Approval {
    /// A level without a rule: the groups decide.
    pub const DEFAULT_LABEL: Text =
        Text::fixed("Theo nhóm quyền của cấp (mặc định)", "As the level's groups allow (default)");

    pub fn as_str(self) -> &'static str {
        match self {
            Approval::Required => "required",
            Approval::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Approval> {
        [Approval::Required, Approval::Skipped].into_iter().find(|a| a.as_str() == s)
    }

    pub fn label(self) -> Text {
        match self {
            Approval::Required => Text::fixed("Có bước duyệt cấp đơn vị", "Unit-level approval"),
            Approval::Skipped => Text::fixed("Không qua duyệt cấp đơn vị", "No unit-level approval"),
        }
    }

    /// The move as this unit's chain takes it: without approval, submitting
    /// hands the report straight to the clerk who sends it.
    pub fn shape(self, step: Step) -> Step {
        match (self, step.action) {
            (Approval::Skipped, Action::Submit) => {
                Step { to: Status::UnitApproved, notify: Notify::Role(Role::Send), ..step }
            }
            _ => step,
        }
    }

    /// What the history records beside a submission that skipped approval.
    pub fn skipped_note() -> Text {
        Text::fixed(
            "Không qua bước duyệt cấp đơn vị (cấp đơn vị này không có lãnh đạo duyệt); chuyển thẳng văn thư gửi.",
            "Unit-level approval skipped (nobody approves at this level); handed straight to the sender.",
        )
    }
}

/// The move `action` from `status`, if the workflow has one. The comment is
/// checked here so that every caller enforces it alike.
pub fn step_for(status: Status, action: Action, comment: Option<&str>) -> Result<Step, Refusal> {
    // Reopen applies to every editable status; listed once above for Draft.
    let lookup = if action == Action::Reopen && status.editable() { Status::Draft } else { status };
    let found = STEPS
        .iter()
        .find(|s| s.from == lookup && s.action == action)
        .copied()
        .ok_or(Refusal::NotNow { status, action })?;
    let found = Step { from: status, to: if action == Action::Reopen { status } else { found.to }, ..found };
    if found.comment_required && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(Refusal::CommentRequired { action });
    }
    Ok(found)
}

/// The actions possible from `status` (for buttons), whoever may take them.
pub fn actions_from(status: Status) -> Vec<Step> {
    let mut out: Vec<Step> = STEPS.iter().filter(|s| s.from == status).copied().collect();
    if status.editable() && status != Status::Draft {
        out.extend(step_for(status, Action::Reopen, None).ok());
    }
    out
}

/// How the history names a recorded action: a workflow step's label, or
/// one of the other things done to a report; `None` for a code it does not know.
pub fn history_label(code: &str) -> Option<Text> {
    if let Some(action) = Action::parse(code) {
        return Some(action.label());
    }
    let (vi, en) = match code {
        "assign" => ("Giao báo cáo", "Assigned"),
        "save" => ("Lưu số liệu", "Saved data"),
        "appraise" => ("Thẩm định", "Appraised"),
        "aggregate" => ("Tổng hợp số liệu", "Aggregated"),
        "save_section" => ("Lưu mục thuyết minh", "Saved a section"),
        "attach" => ("Đính kèm tập tin", "Attached a file"),
        "detach" => ("Xóa tập tin đính kèm", "Removed a file"),
        _ => return None,
    };
    Some(Text::fixed(vi, en))
}

/// Whether entry is open on `today`: until the close date, or after it when
/// the receiver reopened the report.
pub fn entry_open(closes_on: chrono::NaiveDate, reopened: bool, today: chrono::NaiveDate) -> bool {
    reopened || today <= closes_on
}

/// Where a day falls in a report's entry window ("thời gian mở nhập liệu").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryWindow {
    /// Entry opens on this day.
    NotYetOpen(chrono::NaiveDate),
    Open,
    /// Entry closed after this day (until the receiver reopens it).
    Closed(chrono::NaiveDate),
}

impl EntryWindow {
    /// The window of a report on `today`. A report the receiver reopened is open.
    pub fn of(
        opens_on: chrono::NaiveDate, closes_on: chrono::NaiveDate, reopened: bool, today: chrono::NaiveDate,
    ) -> Self {
        if today < opens_on && !reopened {
            EntryWindow::NotYetOpen(opens_on)
        } else if entry_open(closes_on, reopened, today) {
            EntryWindow::Open
        } else {
            EntryWindow::Closed(closes_on)
        }
    }

    /// Why entry is refused now, or None while the window is open.
    pub fn refusal(self) -> Option<Invalid> {
        use crate::format::date;
        use crate::text::Locale::{En, Vi};
        let (code, vi, en) = match self {
            EntryWindow::Open => return None,
            EntryWindow::NotYetOpen(day) => (
                "entry_not_open",
                format!("Chưa đến kỳ nhập liệu: báo cáo mở nhập liệu từ ngày {}.", date(day, Vi)),
                format!("Entry has not opened yet: it opens on {}.", date(day, En)),
            ),
            EntryWindow::Closed(day) => (
                "entry_closed",
                format!(
                    "Kỳ nhập liệu đã đóng ngày {}. Đề nghị đơn vị nhận báo cáo mở lại nếu cần nhập tiếp.",
                    date(day, Vi)
                ),
                format!("Entry closed on {}. Ask the receiving unit to reopen it.", date(day, En)),
            ),
        };
        Some(Invalid::new("period", code, Text::new(vi, en)))
    }
}

/// Why a report at `status` cannot be changed by its unit (its data, sections
/// or attachments), or None while it is editable. One text for every edit.
pub fn edit_refused(status: Status) -> Option<Invalid> {
    if status.editable() {
        return None;
    }
    let label = status.label();
    Some(Invalid::new(
        "status",
        "not_editable",
        Text::new(
            format!(
                "Báo cáo đang ở trạng thái \"{}\" nên không thể sửa. Hãy yêu cầu đính chính nếu cần sửa.",
                label.vi
            ),
            format!("The report is \"{}\" and cannot be edited. Request a correction to change it.", label.en),
        ),
    ))
}

/// Appraisal ("thẩm định") happens at the receiving unit between sending and
/// acceptance: why a report at `status` cannot be appraised, or None if it can.
pub fn appraisal_refused(status: Status) -> Option<Invalid> {
    if status == Status::Sent {
        return None;
    }
    let label = status.label();
    Some(Invalid::new(
        "status",
        "not_appraisable",
        Text::new(
            format!("Báo cáo đang ở trạng thái \"{}\"; chỉ thẩm định báo cáo đã gửi và chưa được duyệt.", label.vi),
            format!("The report is \"{}\"; only a sent report that is not accepted yet is appraised.", label.en),
        ),
    ))
}

/// A reporting period: its type, year and number within the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    #[serde(rename = "type")]
    pub kind: PeriodKind,
    pub year: i32,
    pub number: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    Month,
    Quarter,
    HalfYear,
    NineMonths,
    Year,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::HalfYear => "half_year",
            PeriodKind::NineMonths => "nine_months",
            PeriodKind::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodKind> {
        [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::HalfYear, PeriodKind::NineMonths, PeriodKind::Year]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The kind of period as people name it ("Quý").
    pub fn label(self) -> Text {
        match self {
            PeriodKind::Month => Text::fixed("Tháng", "Month"),
            PeriodKind::Quarter => Text::fixed("Quý", "Quarter"),
            PeriodKind::HalfYear => Text::fixed("6 tháng", "Half year"),
            PeriodKind::NineMonths => Text::fixed("9 tháng", "Nine months"),
            PeriodKind::Year => Text::fixed("Năm", "Year"),
        }
    }

    fn count(self) -> u32 {
        match self {
            PeriodKind::Month => 12,
            PeriodKind::Quarter => 4,
            PeriodKind::HalfYear => 2,
            PeriodKind::NineMonths | PeriodKind::Year => 1,
        }
    }
}

impl Period {
    /// A period with a number that exists in its year (quarter 1–4 …) and a plausible year.
    pub fn new(kind: PeriodKind, year: i32, number: u32) -> Result<Period, crate::Invalid> {
        if !(2000..=2100).contains(&year) {
            return Err(crate::Invalid::new(
                "period",
                "bad_year",
                Text::fixed("Năm báo cáo không hợp lệ.", "The reporting year is not valid."),
            ));
        }
        if number == 0 || number > kind.count() {
            return Err(crate::Invalid::new(
                "period",
                "bad_period_number",
                Text::new(
                    format!("Kỳ số {number} không tồn tại trong năm."),
                    format!("Period number {number} does not exist in a year."),
                ),
            ));
        }
        Ok(Period { kind, year, number })
    }

    /// The short key used in URLs and filters: `2026`, `2026-Q1`, `2026-H2`, `2026-M03`, `2026-9M`.
    pub fn key(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}", self.year),
            PeriodKind::Quarter => format!("{}-Q{}", self.year, self.number),
            PeriodKind::HalfYear => format!("{}-H{}", self.year, self.number),
            PeriodKind::Month => format!("{}-M{:02}", self.year, self.number),
            PeriodKind::NineMonths => format!("{}-9M", self.year),
        }
    }

    pub fn parse_key(key: &str) -> Option<Period> {
        let (year, rest) = match key.split_once('-') {
            Some((y, r)) => (y.parse().ok()?, Some(r)),
            None => (key.parse().ok()?, None),
        };
        let (kind, number) = match rest {
            None => (PeriodKind::Year, 1),
            Some("9M") => (PeriodKind::NineMonths, 1),
            Some(r) => {
                let (tag, n) = r.split_at_checked(1)?;
                let number = n.parse().ok()?;
                match tag {
                    "Q" => (PeriodKind::Quarter, number),
                    "H" => (PeriodKind::HalfYear, number),
                    "M" => (PeriodKind::Month, number),
                    _ => return None,
                }
            }
        };
        Period::new(kind, year, number).ok()
    }

    /// "Quý I năm 2026", "6 tháng đầu năm 2026", "Năm 2026" …
    pub fn label(&self) -> Text {
        const ROMAN: [&str; 5] = ["", "I", "II", "III", "IV"];
        let y = self.year;
        match self.kind {
            PeriodKind::Year => Text::new(format!("Năm {y}"), format!("Year {y}")),
            PeriodKind::Quarter => {
                let q = ROMAN.get(self.number as usize).copied().unwrap_or("");
                Text::new(format!("Quý {q} năm {y}"), format!("Q{} {y}", self.number))
            }
            PeriodKind::HalfYear if self.number == 1 => {
                Text::new(format!("6 tháng đầu năm {y}"), format!("First half of {y}"))
            }
            PeriodKind::HalfYear => Text::new(format!("6 tháng cuối năm {y}"), format!("Second half of {y}")),
            PeriodKind::NineMonths => Text::new(format!("9 tháng năm {y}"), format!("Nine months of {y}")),
            PeriodKind::Month => Text::new(format!("Tháng {:02}/{y}", self.number), format!("{y}-{:02}", self.number)),
        }
    }
}

/// Whether a numeric form or a narrative outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Numeric,
    Narrative,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Numeric => "numeric",
            ReportKind::Narrative => "narrative",
        }
    }

    pub fn parse(s: &str) -> Option<ReportKind> {
        match s {
            "numeric" => Some(ReportKind::Numeric),
            "narrative" => Some(ReportKind::Narrative),
            _ => None,
        }
    }
}

#[cfg(test)]
mod approval_tests {
    use super::*;

    #[test]
    fn without_approval_a_submission_goes_to_the_sender() {
        let submit = step_for(Status::Draft, Action::Submit, None).unwrap();
        let skipped = Approval::Skipped.shape(submit);
        assert_eq!((skipped.to, skipped.notify), (Status::UnitApproved, Notify::Role(Role::Send)));
        assert_eq!(Approval::Required.shape(submit), submit, "the usual chain is untouched");
        let send = step_for(Status::UnitApproved, Action::Send, None).unwrap();
        assert_eq!(Approval::Skipped.shape(send), send, "only submitting changes");
        assert_eq!(Approval::parse("skipped"), Some(Approval::Skipped));
        assert_eq!(Approval::parse("bo qua"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_sent_report_is_appraised() {
        let open: Vec<Status> = Status::ALL.iter().copied().filter(|s| appraisal_refused(*s).is_none()).collect();
        assert_eq!(open, [Status::Sent]);
        let refusal = appraisal_refused(Status::Accepted).map(|r| r.code);
        assert_eq!(refusal, Some("not_appraisable"));
    }

    /// The expected outcome of every (status, action) pair, written out by
    /// hand from domain.md §3 rather than derived from `STEPS`.
    fn expected(status: Status, action: Action) -> Option<(Status, Role)> {
        use Action as A;
        use Status as S;
        match (status, action) {
            (S::Draft | S::Rejected, A::Submit) => Some((S::Submitted, Role::Enter)),
            (S::Submitted, A::Approve) => Some((S::UnitApproved, Role::Approve)),
            (S::Submitted, A::Reject) => Some((S::Rejected, Role::Approve)),
            (S::UnitApproved, A::Send) => Some((S::Sent, Role::Send)),
            (S::UnitApproved, A::Reject) => Some((S::Rejected, Role::Send)),
            (S::Sent, A::Accept) => Some((S::Accepted, Role::Check)),
            (S::Sent, A::Reject) => Some((S::Rejected, Role::Check)),
            (S::Submitted | S::UnitApproved | S::Sent, A::RequestCorrection) => Some((S::Draft, Role::Enter)),
            (S::Accepted, A::RequestCorrection) => Some((S::CorrectionRequested, Role::Enter)),
            (S::CorrectionRequested, A::ApproveCorrection) => Some((S::Draft, Role::Check)),
            (S::CorrectionRequested, A::Reject) => Some((S::Accepted, Role::Check)),
            (S::New | S::Draft | S::Rejected, A::Reopen) => Some((status, Role::Check)),
            _ => None,
        }
    }

    #[test]
    fn every_status_and_action_pair_matches_the_handbook() {
        for status in Status::ALL {
            for action in Action::ALL {
                let got = step_for(status, action, Some("lý do")).ok().map(|s| (s.to, s.role));
                assert_eq!(got, expected(status, action), "{status} + {action}");
            }
        }
    }

    #[test]
    fn rejections_need_a_comment() {
        for status in [Status::Submitted, Status::UnitApproved, Status::Sent, Status::CorrectionRequested] {
            assert_eq!(
                step_for(status, Action::Reject, None),
                Err(Refusal::CommentRequired { action: Action::Reject })
            );
            assert_eq!(
                step_for(status, Action::Reject, Some("   ")),
                Err(Refusal::CommentRequired { action: Action::Reject })
            );
        }
        assert!(step_for(Status::Draft, Action::Submit, None).is_ok(), "submitting needs no comment");
        assert!(
            step_for(Status::Accepted, Action::RequestCorrection, None).is_err(),
            "asking to correct an accepted report needs a reason"
        );
    }

    #[test]
    fn only_the_leader_and_the_clerk_steps_carry_a_signature() {
        for status in Status::ALL {
            for action in Action::ALL {
                let Ok(step) = step_for(status, action, Some("x")) else { continue };
                let expected = match action {
                    Action::Approve => Some(Signature::Personal),
                    Action::Send => Some(Signature::Organisation),
                    _ => None,
                };
                assert_eq!(step.signature, expected, "{status} + {action}");
            }
        }
    }

    #[test]
    fn a_full_journey_with_a_rejection_and_a_correction() {
        let mut s = Status::Draft;
        for (action, to) in [
            (Action::Submit, Status::Submitted),
            (Action::Approve, Status::UnitApproved),
            (Action::Send, Status::Sent),
            (Action::Reject, Status::Rejected),
            (Action::Submit, Status::Submitted),
            (Action::Approve, Status::UnitApproved),
            (Action::Send, Status::Sent),
            (Action::Accept, Status::Accepted),
            (Action::RequestCorrection, Status::CorrectionRequested),
            (Action::ApproveCorrection, Status::Draft),
        ] {
            s = step_for(s, action, Some("ghi chú")).unwrap().to;
            assert_eq!(s, to);
        }
    }

    #[test]
    fn only_entry_statuses_are_editable() {
        let editable: Vec<Status> = Status::ALL.into_iter().filter(|s| s.editable()).collect();
        assert_eq!(editable, vec![Status::New, Status::Draft, Status::Rejected]);
    }

    #[test]
    fn entry_opens_on_its_open_date() {
        let (open, close) = (
            chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            chrono::NaiveDate::from_ymd_opt(2026, 12, 22).unwrap(),
        );
        let day_before = open.pred_opt().unwrap();
        assert_eq!(EntryWindow::of(open, close, false, day_before), EntryWindow::NotYetOpen(open));
        assert_eq!(EntryWindow::of(open, close, false, open), EntryWindow::Open);
        assert_eq!(EntryWindow::of(open, close, false, close.succ_opt().unwrap()), EntryWindow::Closed(close));
        let refusal = EntryWindow::NotYetOpen(open).refusal().unwrap();
        assert_eq!(refusal.code, "entry_not_open");
        assert!(refusal.text.vi.contains("15/12/2026"), "{}", refusal.text.vi);
        assert!(EntryWindow::Open.refusal().is_none());
    }

    #[test]
    fn entry_closes_after_the_close_date_unless_reopened() {
        let close = chrono::NaiveDate::from_ymd_opt(2026, 12, 22).unwrap();
        assert!(entry_open(close, false, close));
        assert!(!entry_open(close, false, close.succ_opt().unwrap()));
        assert!(entry_open(close, true, close.succ_opt().unwrap()));
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Status::parse("approved"), None);
    }

    #[test]
    fn period_keys_round_trip_and_refuse_nonsense() {
        for (kind, number, key) in [
            (PeriodKind::Year, 1, "2026"),
            (PeriodKind::Quarter, 3, "2026-Q3"),
            (PeriodKind::HalfYear, 2, "2026-H2"),
            (PeriodKind::Month, 11, "2026-M11"),
            (PeriodKind::NineMonths, 1, "2026-9M"),
        ] {
            let p = Period::new(kind, 2026, number).unwrap();
            assert_eq!(p.key(), key);
            assert_eq!(Period::parse_key(key), Some(p));
        }
        assert!(Period::new(PeriodKind::Quarter, 2026, 5).is_err());
        assert!(Period::new(PeriodKind::Year, 2026, 0).is_err());
        assert_eq!(Period::parse_key("2026-Q0"), None);
        assert_eq!(Period::parse_key("2026-X1"), None);
        assert_eq!(Period::parse_key("abc"), None);
        assert_eq!(Period::new(PeriodKind::Quarter, 2026, 2).unwrap().label().vi, "Quý II năm 2026");
    }
}
