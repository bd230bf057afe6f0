//! The compliance dashboard ("Thống kê tình hình gửi báo cáo") over the
//! caller's subtree, its CSV and Excel exports, and the public page of national on-time
//! figures per ministry and province (no sign-in; counts only).

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_domain::format;
use baocao_domain::queue::{overdue_days, overdue_label};
use maud::html;
use serde::Deserialize;

use baocao_app::compliance::{self, Summary};
use baocao_http::api::compliance::{ComplianceParams, filter_of};
use baocao_http::locale::{self, t};
use baocao_http::page::PagePrincipal;
use baocao_http::page::{InLocale, PageResult, html_page, layout, query_with};
use baocao_http::params::Params;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/compliance", web::get().to(dashboard))
        .route("/compliance.csv", web::get().to(csv))
        .route("/compliance.xlsx", web::get().to(xlsx))
        .route("/public/compliance", web::get().to(public));
}

#[derive(Debug, Deserialize)]
struct DashboardParams {
    regime: Option<String>,
    form: Option<String>,
    period: Option<String>,
    unit: Option<i64>,
    /// name (default), on_time, late, missing.
    sort: Option<String>,
}

impl DashboardParams {
    fn filter(&self) -> ComplianceParams {
        ComplianceParams {
            regime: self.regime.clone(),
            form: self.form.clone(),
            period: self.period.clone(),
            unit: self.unit,
        }
    }
}

async fn dashboard(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, params: Params<DashboardParams>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let filter = filter_of(&params.filter()).in_locale(l)?;
    let c = compliance::figures(&state.app, &who, filter).await.in_locale(l)?;
    let today = state.app.today();
    let unit_name = c.names.get(&c.unit).cloned().unwrap_or_default();
    let mut lines: Vec<_> = c.children.iter().map(|(id, name, s)| (name.clone(), *s, Some(id.0))).collect();
    baocao_domain::compliance::sort_lines(&mut lines, params.sort.as_deref());
    let chart_lines: Vec<(String, Summary)> = lines.iter().map(|(n, s, _)| (n.clone(), *s)).collect();
    let head = |label: &str, key: &str| html! { th { a href={ "?" (query_with(&req, &[("sort", key.to_owned())])) } { (label) } } };
    let body = html! {
        h1 { (t(l, "Thống kê tình hình gửi báo cáo", "Reporting compliance")) " — " (unit_name) }
        form.card.filters method="get" {
            div.grid4 {
                div { label for="regime" { (t(l, "Chế độ báo cáo", "Regime")) } input #regime type="text" name="regime" value=(params.regime.clone().unwrap_or_default()); }
                div { label for="form" { (t(l, "Mã biểu mẫu", "Form code")) } input #form type="text" name="form" value=(params.form.clone().unwrap_or_default()); }
                div { label for="period" { (t(l, "Kỳ báo cáo (vd. 2026, 2026-Q1)", "Period (e.g. 2026, 2026-Q1)")) } input #period type="text" name="period" value=(params.period.clone().unwrap_or_default()); }
                @if let Some(u) = params.unit { input type="hidden" name="unit" value=(u); }
            }
            div.actions { button type="submit" { (t(l, "Xem", "Show")) } a.button.secondary href={ "/compliance.csv?" (req.query_string()) } { (t(l, "Tải CSV", "Download CSV")) } a.button.secondary href={ "/compliance.xlsx?" (req.query_string()) } { (t(l, "Tải Excel", "Download Excel")) } }
        }
        div.card.summary {
            p {
                (t(l, "Được giao: ", "Assigned: ")) strong #assigned { (c.total.assigned) } " · "
                (t(l, "Gửi đúng hạn: ", "On time: ")) strong #on-time { (c.total.on_time) } " · "
                (t(l, "Gửi trễ hạn: ", "Late: ")) strong #late { (c.total.late) } " · "
                (t(l, "Chưa gửi: ", "Missing: ")) strong #missing { (c.total.missing) } " · "
                (t(l, "Bị từ chối: ", "Rejected: ")) strong { (c.total.rejected) } " · "
                (t(l, "Đính chính: ", "Corrected: ")) strong { (c.total.corrected) }
            }
            @if !chart_lines.is_empty() { (compliance::chart(&chart_lines, t(l, "Tỷ lệ gửi đúng hạn theo đơn vị", "On-time share by unit"))) }
        }
        table.compliance {
            thead { tr {
                (head(t(l, "Đơn vị", "Unit"), "name")) th { (t(l, "Được giao", "Assigned")) }
                (head(t(l, "Đúng hạn (%)", "On time (%)"), "on_time")) (head(t(l, "Trễ hạn", "Late"), "late")) (head(t(l, "Chưa gửi", "Missing"), "missing"))
                th { (t(l, "Bị từ chối", "Rejected")) } th { (t(l, "Đính chính", "Corrected")) }
            } }
            tbody {
                @for (name, s, id) in &lines {
                    tr {
                        td { @if let Some(id) = id { a href={ "?" (query_with(&req, &[("unit", id.to_string())])) } { (name) } } @else { (name) } }
                        td { (s.assigned) } td { (s.on_time) " (" (format::number(s.on_time_percent(), 1, l)) "%)" } td { (s.late) } td { (s.missing) } td { (s.rejected) } td { (s.corrected) }
                    }
                }
            }
        }
        h2 { (t(l, "Chi tiết từng báo cáo", "Each report")) }
        table.compliance-reports {
            thead { tr { th { (t(l, "Đơn vị", "Unit")) } th { (t(l, "Biểu mẫu", "Form")) } th { (t(l, "Hạn gửi", "Deadline")) } th { (t(l, "Thời gian gửi", "Sent")) } th { (t(l, "Tình trạng", "State")) } } }
            tbody {
                @for r in &c.rows {
                    tr {
                        td { (c.names.get(&r.unit_id).cloned().unwrap_or_default()) }
                        td { a href={ "/reports/" (r.report_id) } { (r.form) } }
                        td {
                            (format::date(r.closes_on, l))
                            @if r.sent_at.is_none() { @if let Some(days) = overdue_days(r.closes_on, today) { " " span.overdue { (overdue_label(days).get(l)) } } }
                        }
                        td { (r.sent_at.map(|s| format::moment(s, l)).unwrap_or_default()) }
                        td { (match compliance::on_time(r) { Some(true) => t(l, "Đúng hạn", "On time"), Some(false) => t(l, "Trễ hạn", "Late"), None => t(l, "Chưa gửi", "Not sent") }) }
                    }
                }
            }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Thống kê gửi báo cáo", "Compliance"), Some(&who), body)))
}

/// Every report's line as CSV (UTF-8 with a byte-order mark, so Excel reads the diacritics).
async fn csv(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, params: Params<DashboardParams>,
) -> Result<HttpResponse, baocao_http::page::PageError> {
    let l = locale::of(&req);
    let filter = filter_of(&params.filter()).in_locale(l)?;
    let c = compliance::figures(&state.app, &who.0, filter).await.in_locale(l)?;
    let out = compliance::csv(&c);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"thong-ke-gui-bao-cao.csv\""))
        .body(out))
}

/// The figures per unit below and every report's line as an Excel workbook.
async fn xlsx(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, params: Params<DashboardParams>,
) -> Result<HttpResponse, baocao_http::page::PageError> {
    let l = locale::of(&req);
    let filter = filter_of(&params.filter()).in_locale(l)?;
    let c = compliance::figures(&state.app, &who.0, filter).await.in_locale(l)?;
    let filters = [("chế độ", &params.regime), ("biểu mẫu", &params.form), ("kỳ", &params.period)];
    let bytes = compliance::workbook(&c, &filters).in_locale(l)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, baocao_app::reports::XLSX_CONTENT_TYPE))
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"thong-ke-gui-bao-cao.xlsx\""))
        .body(bytes))
}

#[derive(Debug, Deserialize)]
struct PublicParams {
    period: Option<String>,
    regime: Option<String>,
}

/// National on-time figures per ministry and province, as the Government
/// Office publishes them: counts only, no report, unit or person.
async fn public(state: web::Data<AppState>, req: HttpRequest, params: Params<PublicParams>) -> PageResult {
    let l = locale::of(&req);
    let filter = filter_of(&ComplianceParams {
        regime: params.regime.clone(),
        form: None,
        period: params.period.clone(),
        unit: None,
    })
    .in_locale(l)?;
    let lines = compliance::public(&state.app, filter.period, filter.regime).await.in_locale(l)?;
    let body = html! {
        h1 { (t(l, "Tình hình gửi báo cáo đúng hạn của các bộ, ngành, địa phương", "On-time reporting of ministries and provinces")) }
        p.muted { (t(l, "Số liệu công khai theo Điều 17 Thông tư 01/2020/TT-VPCP: các báo cáo gửi Văn phòng Chính phủ.", "Published under Art. 17 of Circular 01/2020/TT-VPCP: reports sent to the Government Office.")) }
        @if lines.is_empty() { p { (t(l, "Chưa có số liệu.", "No figures yet.")) } }
        @else {
            (compliance::chart(&lines, t(l, "Tỷ lệ gửi đúng hạn", "On-time share")))
            table.compliance {
                thead { tr { th { (t(l, "Bộ, ngành, địa phương", "Ministry or province")) } th { (t(l, "Được giao", "Assigned")) } th { (t(l, "Đúng hạn", "On time")) } th { (t(l, "Trễ hạn", "Late")) } th { (t(l, "Chưa gửi", "Missing")) } th { (t(l, "Tỷ lệ đúng hạn", "On-time share")) } } }
                tbody {
                    @for (name, s) in &lines {
                        tr { td { (name) } td { (s.assigned) } td { (s.on_time) } td { (s.late) } td { (s.missing) } td { (format::number(s.on_time_percent(), 1, l)) "%" } }
                    }
                }
            }
        }
    };
    Ok(html_page(
        StatusCode::OK,
        layout(l, t(l, "Công khai tình hình gửi báo cáo", "Public reporting statistics"), None, body),
    ))
}
