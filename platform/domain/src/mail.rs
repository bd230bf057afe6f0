//! E-mail to officials: which events send one, what it says, and how often
//! delivery is retried. A mail is written to the outbox in the transaction of
//! the event that causes it and delivered later, so a mail server that is
//! down loses nothing.

use chrono::Duration;

use crate::text::{Locale, Text};

/// What a mail is about. Officials may turn off the workflow mails; the
/// security mails (password reset, user name, account linked) always go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Assigned,
    EntryOpened,
    Rejected,
    CorrectionRequested,
    CorrectionApproved,
    DeadlineApproaching,
    Overdue,
    PasswordReset,
    Username,
    AccountLinked,
}

impl MailKind {
    pub const ALL: [MailKind; 10] = [
        MailKind::Assigned,
        MailKind::EntryOpened,
        MailKind::Rejected,
        MailKind::CorrectionRequested,
        MailKind::CorrectionApproved,
        MailKind::DeadlineApproaching,
        MailKind::Overdue,
        MailKind::PasswordReset,
        MailKind::Username,
        MailKind::AccountLinked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Assigned => "assigned",
            MailKind::EntryOpened => "entry_opened",
            MailKind::Rejected => "rejected",
            MailKind::CorrectionRequested => "correction_requested",
            MailKind::CorrectionApproved => "correction_approved",
            MailKind::DeadlineApproaching => "deadline_approaching",
            MailKind::Overdue => "overdue",
            MailKind::PasswordReset => "password_reset",
            MailKind::Username => "username",
            MailKind::AccountLinked => "account_linked",
        }
    }

    pub fn parse(s: &str) -> Option<MailKind> {
        MailKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The mail a workflow event sends, if any (the notification's kind).
    pub fn of_event(event: &str) -> Option<MailKind> {
        match event {
            "assign" => Some(MailKind::Assigned),
            "reject" => Some(MailKind::Rejected),
            "request_correction" => Some(MailKind::CorrectionRequested),
            "approve_correction" => Some(MailKind::CorrectionApproved),
            _ => None,
        }
    }

    /// Security mails cannot be turned off.
    pub fn always_sent(self) -> bool {
        matches!(self, MailKind::PasswordReset | MailKind::Username | MailKind::AccountLinked)
    }

    /// The subject line, and the name of the mail in the user's settings.
    pub fn subject(self) -> Text {
        let (vi, en) = match self {
            MailKind::Assigned => ("Báo cáo mới được giao", "A report was assigned"),
            MailKind::EntryOpened => ("Đã mở kỳ nhập liệu", "Entry has opened"),
            MailKind::Rejected => ("Báo cáo bị từ chối", "A report was rejected"),
            MailKind::CorrectionRequested => ("Yêu cầu đính chính báo cáo", "A correction was requested"),
            MailKind::CorrectionApproved => ("Yêu cầu đính chính được chấp thuận", "A correction was approved"),
            MailKind::DeadlineApproaching => ("Sắp đến hạn gửi báo cáo", "A report deadline is near"),
            MailKind::Overdue => ("Báo cáo quá hạn", "A report is overdue"),
            MailKind::PasswordReset => ("Đặt lại mật khẩu", "Reset your password"),
            MailKind::Username => ("Tên đăng nhập của bạn", "Your user name"),
            MailKind::AccountLinked => ("Tài khoản được liên kết", "Your account was linked"),
        };
        Text::fixed(vi, en)
    }
}

/// The subject as sent: the system's name, then what happened.
pub fn subject(kind: MailKind, locale: Locale) -> String {
    let system = Text::fixed("Hệ thống báo cáo", "Reporting system");
    format!("[{}] {}", system.get(locale), kind.subject().get(locale))
}

/// The plain-text body: the message, the link to act on, and why the mail came.
pub fn body(message: &str, link: Option<&str>, locale: Locale) -> String {
    let footer = Text::fixed(
        "Thư này được gửi tự động từ Hệ thống thông tin báo cáo; vui lòng không trả lời. Bạn có thể tắt các thư thông báo nghiệp vụ trong trang Tài khoản.",
        "This mail was sent automatically by the reporting system; please do not reply. You can turn off workflow mails on your account page.",
    );
    let open = Text::fixed("Mở trên hệ thống:", "Open it in the system:");
    match link {
        Some(link) => format!("{message}\n\n{} {link}\n\n-- \n{}\n", open.get(locale), footer.get(locale)),
        None => format!("{message}\n\n-- \n{}\n", footer.get(locale)),
    }
}

/// "Báo cáo … hết hạn nhập liệu ngày …, còn N ngày": the deadline reminder.
pub fn deadline_text(title: &Text, closes_on: chrono::NaiveDate, days_left: i64) -> Text {
    let (vi_date, en_date) = (crate::format::date(closes_on, Locale::Vi), crate::format::date(closes_on, Locale::En));
    Text::new(
        format!("Báo cáo {} hết hạn nhập liệu ngày {vi_date} (còn {days_left} ngày) và chưa được gửi.", title.vi),
        format!("Report {} closes for entry on {en_date} ({days_left} days left) and has not been sent.", title.en),
    )
}

/// "Đã mở nhập liệu báo cáo … đến hết ngày …": a window that opened today.
pub fn opened_text(title: &Text, closes_on: chrono::NaiveDate) -> Text {
    let (vi_date, en_date) = (crate::format::date(closes_on, Locale::Vi), crate::format::date(closes_on, Locale::En));
    Text::new(
        format!("Đã mở nhập liệu báo cáo {}; hạn nhập liệu đến hết ngày {vi_date}.", title.vi),
        format!("Entry of report {} has opened; it closes on {en_date}.", title.en),
    )
}

/// "Báo cáo … đã quá hạn N ngày": the overdue notice.
pub fn overdue_text(title: &Text, closes_on: chrono::NaiveDate, days_over: i64) -> Text {
    let (vi_date, en_date) = (crate::format::date(closes_on, Locale::Vi), crate::format::date(closes_on, Locale::En));
    Text::new(
        format!("Báo cáo {} đã quá hạn {days_over} ngày (hạn nhập liệu {vi_date}) và chưa được gửi.", title.vi),
        format!("Report {} is {days_over} days overdue (entry closed on {en_date}) and has not been sent.", title.en),
    )
}

/// How many times delivery is tried before a mail is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

/// When to try again after the `attempts`-th failed try: `first` (30 s by
/// default), then doubling, at most an hour apart.
pub fn retry_after(attempts: i32, first: Duration) -> Duration {
    let doublings = (attempts - 1).clamp(0, 20);
    let seconds = first.num_seconds().max(1).saturating_mul(1_i64 << doublings);
    Duration::seconds(seconds.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_events_send_their_mail_and_security_mails_always_go() {
        assert_eq!(MailKind::of_event("assign"), Some(MailKind::Assigned));
        assert_eq!(MailKind::of_event("submit"), None, "the leader sees it in the queue");
        assert!(MailKind::PasswordReset.always_sent() && !MailKind::Assigned.always_sent());
        for kind in MailKind::ALL {
            assert_eq!(MailKind::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn a_mail_reads_in_the_users_language() {
        assert_eq!(subject(MailKind::Assigned, Locale::Vi), "[Hệ thống báo cáo] Báo cáo mới được giao");
        let text = body("Báo cáo III.01a đã được giao.", Some("https://baocao.gov.vn/reports/7"), Locale::Vi);
        assert!(text.starts_with("Báo cáo III.01a đã được giao.\n\nMở trên hệ thống: https://baocao.gov.vn/reports/7"));
        assert!(body("Assigned.", None, Locale::En).contains("please do not reply"));
    }

    #[test]
    fn reminders_name_the_date_the_vietnamese_way() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 17).unwrap();
        let title = Text::fixed("III.01a (Năm 2026)", "III.01a (Year 2026)");
        assert!(deadline_text(&title, day, 3).vi.contains("ngày 17/12/2026 (còn 3 ngày)"));
        assert!(overdue_text(&title, day, 2).en.contains("2 days overdue"));
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let first = Duration::seconds(30);
        assert_eq!(retry_after(1, first), Duration::seconds(30));
        assert_eq!(retry_after(2, first), Duration::seconds(60));
        assert_eq!(retry_after(8, first), Duration::seconds(3600));
        assert_eq!(retry_after(40, first), Duration::seconds(3600));
        assert_eq!(retry_after(1, Duration::seconds(1)), Duration::seconds(1));
    }
}
