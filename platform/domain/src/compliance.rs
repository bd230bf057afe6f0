//! Compliance figures (Circular 01/2020 Art. 17.2.đ): how many reports were
//! assigned, sent on time, sent late, still missing, rejected, corrected. The
//! counting rules; the use case that gathers the rows is in the app.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::clock::vietnam_date;
use crate::format;
use crate::ids::{TenantId, UnitId};
use crate::report::Status;
use crate::text::Locale;
use crate::unit::UnitPath;

/// One assigned report, as the compliance figures see it.
#[derive(Debug, Clone)]
pub struct ComplianceRow {
    pub report_id: i64,
    pub tenant: TenantId,
    pub unit_id: UnitId,
    pub unit_path: UnitPath,
    pub regime: String,
    pub form: String,
    pub status: Status,
    pub closes_on: NaiveDate,
    pub sent_at: Option<DateTime<Utc>>,
    pub rejected: bool,
    pub corrected: bool,
}

/// The counts of a set of reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Summary {
    pub assigned: u64,
    pub on_time: u64,
    pub late: u64,
    pub missing: u64,
    /// Rejected by the receiving unit at least once (a leader's or a clerk's
    /// return of the unit's own draft does not count).
    pub rejected: u64,
    /// Asked for a correction at least once.
    pub corrected: u64,
}

/// The dashboard's lines in the order asked for: "on_time" (the best share
/// first), "late" or "missing" (the most first), else by name.
pub fn sort_lines<T>(lines: &mut [(String, Summary, T)], sort: Option<&str>) {
    match sort {
        Some("on_time") => lines.sort_by(|a, b| b.1.on_time_percent().total_cmp(&a.1.on_time_percent())),
        Some("late") => lines.sort_by_key(|x| std::cmp::Reverse(x.1.late)),
        Some("missing") => lines.sort_by_key(|x| std::cmp::Reverse(x.1.missing)),
        _ => lines.sort_by(|a, b| a.0.cmp(&b.0)),
    }
}

/// Whether a report was sent by its deadline (a day in Viet Nam, UTC+7); None while not sent.
pub fn on_time(row: &ComplianceRow) -> Option<bool> {
    row.sent_at.map(|t| vietnam_date(t) <= row.closes_on)
}

impl Summary {
    pub fn add(&mut self, row: &ComplianceRow) {
        self.assigned += 1;
        match on_time(row) {
            Some(true) => self.on_time += 1,
            Some(false) => self.late += 1,
            None => self.missing += 1,
        }
        self.rejected += u64::from(row.rejected);
        self.corrected += u64::from(row.corrected);
    }

    /// Share sent on time, in percent of those assigned.
    pub fn on_time_percent(&self) -> f64 {
        if self.assigned == 0 { 0.0 } else { self.on_time as f64 * 100.0 / self.assigned as f64 }
    }
}

/// The figures of a subtree: the total, one line per unit below the chosen
/// one (for drill-down), and every report.
pub struct Compliance {
    pub unit: UnitId,
    pub total: Summary,
    pub children: Vec<(UnitId, String, Summary)>,
    pub rows: Vec<ComplianceRow>,
    pub names: HashMap<UnitId, String>,
}

/// The columns of one report's line in the exports.
pub const REPORT_COLUMNS: [&str; 7] =
    ["Đơn vị", "Biểu mẫu", "Hạn gửi", "Thời gian gửi", "Tình trạng", "Bị từ chối", "Đính chính"];

/// One report's line of the exports (CSV and Excel), in Vietnamese.
pub fn report_line(c: &Compliance, r: &ComplianceRow) -> [String; 7] {
    let state = match on_time(r) {
        Some(true) => "Đúng hạn",
        Some(false) => "Trễ hạn",
        None => "Chưa gửi",
    };
    [
        c.names.get(&r.unit_id).cloned().unwrap_or_default(),
        r.form.clone(),
        format::date(r.closes_on, Locale::Vi),
        r.sent_at.map(|s| format::moment(s, Locale::Vi)).unwrap_or_default(),
        state.to_owned(),
        if r.rejected { "có" } else { "" }.to_owned(),
        if r.corrected { "có" } else { "" }.to_owned(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn row(closes: (i32, u32, u32), sent: Option<(i32, u32, u32, u32)>, rejected: bool) -> ComplianceRow {
        ComplianceRow {
            report_id: 1,
            tenant: TenantId(1),
            unit_id: UnitId(2),
            unit_path: UnitPath::root(UnitId(1)).child(UnitId(2)),
            regime: "R".into(),
            form: "F".into(),
            status: Status::Sent,
            closes_on: NaiveDate::from_ymd_opt(closes.0, closes.1, closes.2).unwrap(),
            sent_at: sent.map(|(y, m, d, h)| chrono::Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()),
            rejected,
            corrected: false,
        }
    }

    #[test]
    fn deadlines_are_days_in_viet_nam() {
        // 16:59 UTC on the 17th is 23:59 in Hà Nội: on time; 17:00 UTC is the 18th there: late.
        assert_eq!(on_time(&row((2026, 12, 17), Some((2026, 12, 17, 16)), false)), Some(true));
        assert_eq!(on_time(&row((2026, 12, 17), Some((2026, 12, 17, 17)), false)), Some(false));
        assert_eq!(on_time(&row((2026, 12, 17), None, false)), None);
    }

    #[test]
    fn summaries_count_each_kind() {
        let mut s = Summary::default();
        for r in [
            row((2026, 12, 17), Some((2026, 12, 1, 3)), true),
            row((2026, 12, 17), Some((2026, 12, 20, 3)), false),
            row((2026, 12, 17), None, false),
        ] {
            s.add(&r);
        }
        assert_eq!(s, Summary { assigned: 3, on_time: 1, late: 1, missing: 1, rejected: 1, corrected: 0 });
        assert!((s.on_time_percent() - 100.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn dashboard_lines_sort_as_asked() {
        let line = |name: &str, on_time: u64, late: u64| {
            (name.to_owned(), Summary { assigned: on_time + late, on_time, late, ..Summary::default() }, ())
        };
        let mut lines = vec![line("Xã B", 1, 3), line("Xã A", 4, 0), line("Xã C", 2, 2)];
        let names = |l: &[(String, Summary, ())]| l.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
        sort_lines(&mut lines, None);
        assert_eq!(names(&lines), ["Xã A", "Xã B", "Xã C"]);
        sort_lines(&mut lines, Some("late"));
        assert_eq!(names(&lines), ["Xã B", "Xã C", "Xã A"]);
        sort_lines(&mut lines, Some("on_time"));
        assert_eq!(names(&lines), ["Xã A", "Xã C", "Xã B"]);
    }
}
