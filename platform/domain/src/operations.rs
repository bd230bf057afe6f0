//! The background jobs in words, for the operators' page (the API keeps the names).

use crate::text::Text;

/// A job's name as operators read it ("reminders" → "Nhắc hạn và báo quá hạn").
pub fn job_label(name: &str) -> Text {
    let (vi, en) = match name {
        "outbox" => ("Gửi thư điện tử", "Mail delivery"),
        "reminders" => ("Báo mở nhập liệu, nhắc hạn và báo quá hạn", "Entry openings, reminders and overdue notices"),
        "expiry" => {
            ("Xóa chữ ký chờ và mã đặt lại đã hết hạn", "Removal of expired pending signatures and reset codes")
        }
        _ => ("Công việc nền khác", "Other background job"),
    };
    Text::fixed(vi, en)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_builtin_job_has_words() {
        for name in ["outbox", "reminders", "expiry"] {
            assert_ne!(super::job_label(name).vi, "Công việc nền khác", "{name}");
        }
    }
}
