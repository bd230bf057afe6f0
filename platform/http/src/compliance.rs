//! Compliance figures (Circular 01/2020 Art. 17.2.đ): how many reports were
//! assigned, sent on time, sent late, still missing, rejected, corrected —
//! over the caller's subtree, per unit below the chosen one (drill-down), and
//! for the public page per ministry and province (counts only).

use std::collections::HashMap;

use baocao_authz::perms::ReadReports;
use baocao_domain::format;
use baocao_domain::ids::{TenantId, UnitId};
use baocao_domain::report::Period;
use baocao_domain::text::Locale;
use baocao_storage::{ComplianceQuery, ComplianceRow};

use maud::{Markup, html};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::principal::Principal;
use crate::state::AppState;

/// The counts of a set of reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Summary {
    pub assigned: u64,
    pub on_time: u64,
    pub late: u64,
    pub missing: u64,
    /// Sent back at least once (by the leader, the clerk or the receiver).
    pub rejected: u64,
    /// Asked for a correction at least once.
    pub corrected: u64,
}

/// Whether a report was sent by its deadline (a day in Viet Nam, UTC+7); None while not sent.
pub fn on_time(row: &ComplianceRow) -> Option<bool> {
    row.sent_at.map(|t| (t + chrono::Duration::hours(7)).date_naive() <= row.closes_on)
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

pub struct Filter {
    pub regime: Option<String>,
    pub form: Option<String>,
    pub period: Option<Period>,
    pub unit: Option<UnitId>,
}

pub async fn figures(state: &AppState, who: &Principal, filter: Filter) -> Result<Compliance, AppError> {
    let scope = crate::admin::scope::<ReadReports>(state, who).await?;
    // The chosen unit, else where the caller works; its children are the drill-down lines.
    let unit = state.store.unit_for_check(filter.unit.unwrap_or(who.user.unit_id)).await?;
    if !scope.covers(&unit.path) && filter.unit.is_some() {
        return Err(AppError::NotFound("unit"));
    }
    let query = ComplianceQuery { regime: filter.regime, form: filter.form, period: filter.period, unit: Some(unit.path.clone()) };
    let rows = state.store.compliance_rows(&scope, &query).await?;
    let mut total = Summary::default();
    let mut by_child: HashMap<UnitId, Summary> = HashMap::new();
    let depth = unit.path.depth();
    for row in &rows {
        total.add(row);
        // The unit one level below the chosen one that this report falls under (or the unit itself).
        let child = row.unit_path.ids().get(depth).copied().unwrap_or(unit.id);
        by_child.entry(child).or_default().add(row);
    }
    let ids: Vec<UnitId> = by_child.keys().copied().chain(rows.iter().map(|r| r.unit_id)).chain([unit.id]).collect();
    let names = state.store.unit_names(&ids).await?;
    let mut children: Vec<(UnitId, String, Summary)> = by_child.into_iter().map(|(id, s)| (id, names.get(&id).cloned().unwrap_or_default(), s)).collect();
    children.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(Compliance { unit: unit.id, total, children, rows, names })
}

/// The public figures: per ministry and province, its reports to the Government Office.
pub async fn public(state: &AppState, period: Option<Period>, regime: Option<String>) -> Result<Vec<(String, Summary)>, AppError> {
    let root = state.store.unit_by_code("vpcp", "vpcp").await?.ok_or(AppError::NotFound("unit"))?;
    let query = ComplianceQuery { regime, form: None, period, unit: None };
    let rows = state.store.public_compliance_rows(root.id, &query).await?;
    let mut by_tenant: HashMap<TenantId, Summary> = HashMap::new();
    for row in &rows {
        by_tenant.entry(row.tenant).or_default().add(row);
    }
    let mut out = Vec::new();
    for (tenant, summary) in by_tenant {
        let name = state.store.tenant(tenant).await.map(|t| t.name).unwrap_or_default();
        out.push((name, summary));
    }
    out.sort_by(|a, b| b.1.on_time_percent().total_cmp(&a.1.on_time_percent()).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// The columns of one report's line in the exports.
pub const REPORT_COLUMNS: [&str; 7] = ["Đơn vị", "Biểu mẫu", "Hạn gửi", "Thời gian gửi", "Tình trạng", "Bị từ chối", "Đính chính"];

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

/// The figures as an .xlsx workbook: one sheet per unit below (counts and
/// the on-time share, with the total), one with every report.
pub fn workbook(c: &Compliance, title: &str) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let build = || -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let header = Format::new().set_bold().set_border(FormatBorder::Thin).set_text_wrap();
        let cell = Format::new().set_border(FormatBorder::Thin);
        let percent = Format::new().set_border(FormatBorder::Thin).set_num_format("0.0");
        let sheet = book.add_worksheet();
        sheet.set_name("Tổng hợp")?;
        sheet.write_string_with_format(0, 0, title, &bold)?;
        let columns = ["Đơn vị", "Được giao", "Gửi đúng hạn", "Gửi trễ hạn", "Chưa gửi", "Bị từ chối", "Đính chính", "Tỷ lệ đúng hạn (%)"];
        for (j, h) in columns.iter().enumerate() {
            sheet.write_string_with_format(2, j as u16, *h, &header)?;
        }
        let total_name = format!("Tổng cộng — {}", c.names.get(&c.unit).cloned().unwrap_or_default());
        let lines = c.children.iter().map(|(_, name, s)| (name.clone(), s)).chain([(total_name, &c.total)]);
        for (i, (name, s)) in lines.enumerate() {
            let row = 3 + i as u32;
            sheet.write_string_with_format(row, 0, &name, &cell)?;
            for (j, n) in [s.assigned, s.on_time, s.late, s.missing, s.rejected, s.corrected].into_iter().enumerate() {
                sheet.write_number_with_format(row, 1 + j as u16, n as f64, &cell)?;
            }
            sheet.write_number_with_format(row, 7, s.on_time_percent(), &percent)?;
        }
        sheet.set_column_width(0, 40)?;
        let detail = book.add_worksheet();
        detail.set_name("Chi tiết")?;
        for (j, h) in REPORT_COLUMNS.iter().enumerate() {
            detail.write_string_with_format(0, j as u16, *h, &header)?;
        }
        for (i, r) in c.rows.iter().enumerate() {
            for (j, text) in report_line(c, r).iter().enumerate() {
                detail.write_string_with_format(1 + i as u32, j as u16, text, &cell)?;
            }
        }
        detail.set_column_width(0, 40)?;
        detail.set_column_width(1, 20)?;
        detail.set_column_width(3, 18)?;
        book.save_to_buffer()
    };
    build().map_err(crate::xlsx::xlsx_error)
}

/// A horizontal stacked bar per line: on time, late, missing — drawn on the server.
pub fn chart(lines: &[(String, Summary)], title: &str) -> Markup {
    let height = 28 * lines.len() + 40;
    let width = 720.0;
    let label_width = 260.0;
    let bar = width - label_width - 60.0;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" width=(width) height=(height) viewBox={ "0 0 " (width) " " (height) } role="img" aria-label=(title) class="chart" {
            title { (title) }
            @for (i, (name, s)) in lines.iter().enumerate() {
                @let y = 10 + i * 28;
                @let total = s.assigned.max(1) as f64;
                @let w_on = bar * s.on_time as f64 / total;
                @let w_late = bar * s.late as f64 / total;
                @let w_missing = bar * s.missing as f64 / total;
                text x="0" y=(y + 15) font-size="12" { (name) }
                rect x=(label_width) y=(y) width=(w_on) height="18" fill="#2e7d32" { title { "Đúng hạn: " (s.on_time) } }
                rect x=(label_width + w_on) y=(y) width=(w_late) height="18" fill="#ef6c00" { title { "Trễ hạn: " (s.late) } }
                rect x=(label_width + w_on + w_late) y=(y) width=(w_missing) height="18" fill="#c62828" { title { "Chưa gửi: " (s.missing) } }
                text x=(label_width + bar + 6.0) y=(y + 15) font-size="12" { (format!("{:.0}%", s.on_time_percent())) }
            }
            @let legend = 10 + lines.len() * 28 + 8;
            rect x=(label_width) y=(legend) width="12" height="12" fill="#2e7d32" {}
            text x=(label_width + 16.0) y=(legend + 10) font-size="12" { "Đúng hạn" }
            rect x=(label_width + 100.0) y=(legend) width="12" height="12" fill="#ef6c00" {}
            text x=(label_width + 116.0) y=(legend + 10) font-size="12" { "Trễ hạn" }
            rect x=(label_width + 200.0) y=(legend) width="12" height="12" fill="#c62828" {}
            text x=(label_width + 216.0) y=(legend + 10) font-size="12" { "Chưa gửi" }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baocao_domain::report::Status;
    use baocao_domain::unit::UnitPath;
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
        for r in [row((2026, 12, 17), Some((2026, 12, 1, 3)), true), row((2026, 12, 17), Some((2026, 12, 20, 3)), false), row((2026, 12, 17), None, false)] {
            s.add(&r);
        }
        assert_eq!(s, Summary { assigned: 3, on_time: 1, late: 1, missing: 1, rejected: 1, corrected: 0 });
        assert!((s.on_time_percent() - 100.0 / 3.0).abs() < 1e-9);
    }
}
