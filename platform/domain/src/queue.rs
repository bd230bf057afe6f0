//! Each role's own work, as the handbook names it ("Nghiệp vụ"): the reports
//! waiting for this person, by the step they wait for, with their deadline.

use chrono::NaiveDate;

use crate::report::{Role, Status};
use crate::text::Text;

/// A queue of reports waiting for one kind of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Nhập liệu báo cáo: assigned or returned reports the unit fills.
    Entry,
    /// Duyệt cấp đơn vị: submitted reports waiting for the unit's leader.
    Approval,
    /// Gửi báo cáo: approved reports waiting for the clerk to sign and send.
    Sending,
    /// Kiểm tra báo cáo gửi đến: reports sent to the caller's unit.
    Incoming,
    /// Tổng hợp báo cáo: the receiving unit's own reports, built from its senders'.
    Aggregation,
    /// Duyệt yêu cầu đính chính: accepted reports whose unit asks to correct them.
    Corrections,
}

impl Queue {
    pub const ALL: [Queue; 6] =
        [Queue::Entry, Queue::Approval, Queue::Sending, Queue::Incoming, Queue::Aggregation, Queue::Corrections];

    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Entry => "entry",
            Queue::Approval => "approval",
            Queue::Sending => "sending",
            Queue::Incoming => "incoming",
            Queue::Aggregation => "aggregation",
            Queue::Corrections => "corrections",
        }
    }

    pub fn parse(raw: &str) -> Option<Queue> {
        Queue::ALL.into_iter().find(|q| q.as_str() == raw)
    }

    /// The handbook's name of the work.
    pub fn label(self) -> Text {
        match self {
            Queue::Entry => Text::fixed("Nhập liệu báo cáo", "Report entry"),
            Queue::Approval => Text::fixed("Duyệt cấp đơn vị", "Unit approval"),
            Queue::Sending => Text::fixed("Gửi báo cáo", "Sending"),
            Queue::Incoming => Text::fixed("Kiểm tra báo cáo gửi đến", "Incoming reports"),
            Queue::Aggregation => Text::fixed("Tổng hợp báo cáo", "Aggregation"),
            Queue::Corrections => Text::fixed("Duyệt yêu cầu đính chính", "Correction requests"),
        }
    }

    /// The role that does this work.
    pub fn role(self) -> Role {
        match self {
            Queue::Entry => Role::Enter,
            Queue::Approval => Role::Approve,
            Queue::Sending => Role::Send,
            Queue::Incoming | Queue::Corrections => Role::Check,
            Queue::Aggregation => Role::Aggregate,
        }
    }

    /// The statuses of the reports that wait for this work.
    pub fn statuses(self) -> &'static [Status] {
        match self {
            Queue::Entry | Queue::Aggregation => &[Status::New, Status::Draft, Status::Rejected],
            Queue::Approval => &[Status::Submitted],
            Queue::Sending => &[Status::UnitApproved],
            Queue::Incoming => &[Status::Sent],
            Queue::Corrections => &[Status::CorrectionRequested],
        }
    }

    /// Whether the work is done at the receiving unit (else at the reporting one).
    pub fn at_receiver(self) -> bool {
        matches!(self, Queue::Incoming | Queue::Corrections)
    }
}

/// Days past the report's deadline on `today` (None while not overdue).
pub fn overdue_days(closes_on: NaiveDate, today: NaiveDate) -> Option<i64> {
    let days = (today - closes_on).num_days();
    (days > 0).then_some(days)
}

/// "Quá hạn 3 ngày" for a report 3 days past its deadline.
pub fn overdue_label(days: i64) -> Text {
    Text::new(format!("Quá hạn {days} ngày"), format!("{days} days overdue"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_each_queue_has_its_work() {
        for q in Queue::ALL {
            assert_eq!(Queue::parse(q.as_str()), Some(q));
            assert!(!q.statuses().is_empty());
        }
        assert_eq!(Queue::parse("khac"), None);
        assert_eq!(Queue::Incoming.role(), Role::Check);
        assert!(Queue::Corrections.at_receiver() && !Queue::Sending.at_receiver());
    }

    #[test]
    fn a_report_is_overdue_the_day_after_its_deadline() {
        let close = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
        assert_eq!(overdue_days(close, close), None);
        assert_eq!(overdue_days(close, close.succ_opt().unwrap()), Some(1));
        assert_eq!(overdue_label(3).vi, "Quá hạn 3 ngày");
    }
}
