//! The report pages: the entry list ("Danh sách nhập liệu"), search and
//! status tracking ("Tra cứu báo cáo", "Theo dõi trạng thái báo cáo"),
//! assignment ("Giao báo cáo"), a report's page with the spreadsheet-like
//! editor or the narrative editor and the workflow buttons, its history,
//! its print view, and the notifications list.
//!
//! The grid works without JavaScript as a read-only table; `app.js` turns it
//! into the editor (keyboard navigation, paste from Excel, live recompute
//! through `/api/v1/reports/{id}/compute`, unsaved edits kept in the browser).

use baocao_domain::text::Localised as _;
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::views::{CellType, Form, Outline, RowMode};
use baocao_app::views::{Page, RegimeEntry, ReportRow, UnitWithTenant};
use baocao_domain::format;
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::layout::{DisplayRow, display_rows};
use baocao_domain::report::{Action, Period, PeriodKind, Status, Step};
use baocao_domain::text::Locale;
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use baocao_app::filters::{NotificationFilter, ReportFilter};
use baocao_app::reports::{self as service, AssignInput, Template, TransitionInput, Writing};
use baocao_http::api::reports::{notification_query, query_of};
use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::PagePrincipal;
use baocao_http::page::{InLocale, PageResult, csrf_field, form_caller, html_page, layout, redirect};
use baocao_http::params::Params;
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/reports", web::get().to(entry_list))
        .route("/reports/search", web::get().to(search))
        .route("/reports/assign", web::get().to(assign_form))
        .route("/reports/assign", web::post().to(assign))
        .route("/reports/{id}", web::get().to(report))
        .route("/reports/{id}/transition", web::post().to(transition))
        .route("/reports/{id}/aggregate", web::post().to(aggregate))
        .route("/reports/{id}/history", web::get().to(history))
        .route("/reports/{id}/print", web::get().to(print))
        .route("/notifications", web::get().to(notifications))
        .route("/notifications/read-all", web::post().to(read_all));
}

/// The list's link to a report: "Nhập liệu" while the unit can fill it now,
/// else "Xem" and why entry is not possible today.
fn open_link(r: &ReportRow, today: chrono::NaiveDate, l: Locale) -> String {
    match (r.status.editable(), r.entry_window(today).refusal()) {
        (true, None) => t(l, "Nhập liệu", "Enter").to_owned(),
        (true, Some(why)) => format!("{} ({})", t(l, "Xem", "View"), why.text.get(l)),
        (false, _) => t(l, "Xem", "View").to_owned(),
    }
}

fn status_badge(s: Status, l: Locale) -> Markup {
    html! { span class={ "badge status-" (s.as_str()) } { (s.label().get(l)) } }
}

/// The current filters on another page.
fn with_page(req: &HttpRequest, page: u64) -> String {
    format!("?{}", baocao_http::page::query_with(req, &[("page", page.to_string())]))
}

// ------------------------------------------------------------- the lists ---

#[derive(Clone, Copy, PartialEq, Eq)]
enum ListMode {
    Entry,
    Search,
}

async fn entry_list(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, params: Params<ReportFilter>,
) -> PageResult {
    report_list(&state, &req, who.0, params.into_inner(), ListMode::Entry).await
}

async fn search(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, params: Params<ReportFilter>,
) -> PageResult {
    report_list(&state, &req, who.0, params.into_inner(), ListMode::Search).await
}

async fn report_list(
    state: &AppState, req: &HttpRequest, who: Principal, params: ReportFilter, mode: ListMode,
) -> PageResult {
    let l = locale::of(req);
    let query = query_of(state, &who, &params).await.in_locale(l)?;
    let page = service::list(&state.app, &who, &query).await.in_locale(l)?;
    let ids: Vec<UnitId> = page.items.iter().flat_map(|r| [r.unit_id, r.receiver_id]).collect();
    let names = baocao_app::admin::unit_names_unscoped(&state.app, &ids).await.in_locale(l)?;
    let regimes = baocao_app::regimes::list(&state.app, &who, false).await.in_locale(l)?;
    let mut units = baocao_app::admin::visible_units(&state.app, &who).await.in_locale(l)?;
    units.sort_by(|a, b| a.unit.path.as_str().cmp(b.unit.path.as_str()));
    let titles = baocao_app::regimes::form_titles(&regimes);
    let title = match mode {
        ListMode::Entry => t(l, "Danh sách nhập liệu", "Data entry list"),
        ListMode::Search => t(l, "Tra cứu và theo dõi trạng thái báo cáo", "Search and track reports"),
    };
    let body = html! {
        h1 { (title) }
        (list_filters(req, &params, &units, &regimes, mode, l))
        (list_table(&page, &names, &titles, state.app.today(), l))
        (baocao_http::page::pager(page.page, page.total, page.per_page, |p| with_page(req, p), l))
    };
    Ok(html_page(StatusCode::OK, layout(l, title, Some(&who), body)))
}

/// The filter form of the entry list (and of search, with more fields).
fn list_filters(
    req: &HttpRequest, params: &ReportFilter, units: &[UnitWithTenant], regimes: &[RegimeEntry], mode: ListMode,
    l: Locale,
) -> Markup {
    html! {
        form.card.filters method="get" {
            div.grid4 {
                (baocao_http::page::filter_select("unit", t(l, "Đơn vị báo cáo", "Reporting unit"), units.iter().map(|u| (u.unit.id.0.to_string(), u.unit.name.as_str().to_owned())), params.unit.map(|u| u.to_string()).as_deref(), l))
                (baocao_http::page::filter_select("regime", t(l, "Chế độ báo cáo", "Regime"), regimes.iter().map(|e| (e.plugin.manifest.code.clone(), format!("{} — {}", e.plugin.manifest.code, e.plugin.manifest.name.get(l)))), params.regime.as_deref(), l))
                (baocao_http::page::filter_select("status", t(l, "Trạng thái", "Status"), Status::ALL.iter().map(|s| (s.as_str().to_owned(), s.label().get(l).to_owned())), params.status.as_deref(), l))
                div {
                    label for="period" { (t(l, "Kỳ báo cáo (vd. 2026, 2026-Q1)", "Period (e.g. 2026, 2026-Q1)")) }
                    input #period type="text" name="period" value=(params.period.clone().unwrap_or_default());
                }
                @if mode == ListMode::Search {
                    div {
                        label for="form" { (t(l, "Mã biểu mẫu", "Form code")) }
                        input #form type="text" name="form" value=(params.form.clone().unwrap_or_default());
                    }
                    (baocao_http::page::filter_select("kind", t(l, "Loại báo cáo", "Kind"), [("numeric", t(l, "Báo cáo số liệu", "Numeric")), ("narrative", t(l, "Báo cáo thuyết minh", "Narrative"))].map(|(v, n)| (v.to_owned(), n.to_owned())), params.kind.as_deref(), l))
                    div {
                        label.check { input type="checkbox" name="received" value="true" checked[params.received == Some(true)]; " " (t(l, "Chỉ báo cáo gửi đến đơn vị tôi", "Only reports sent to my units")) }
                    }
                }
                div {
                    label for="q" { (t(l, "Từ khóa", "Keyword")) }
                    input #q type="search" name="q" value=(params.q.clone().unwrap_or_default());
                }
            }
            div.actions { button type="submit" { (t(l, "Tìm kiếm", "Search")) } a.button.secondary href=(req.path()) { (t(l, "Xóa lọc", "Clear")) } }
        }
    }
}

/// One page of reports as a table, with links to enter, see the history and print.
fn list_table(
    page: &Page<ReportRow>, names: &HashMap<UnitId, String>, titles: &HashMap<(String, String), String>,
    today: chrono::NaiveDate, l: Locale,
) -> Markup {
    html! {
        p.muted { (t(l, "Tổng số: ", "Total: ")) (format::number(page.total as f64, 0, l)) }
        div.scroll {
            table.reports {
                thead { tr {
                    th { (t(l, "STT", "No.")) }
                    th { (t(l, "Mã biểu mẫu", "Form")) }
                    th { (t(l, "Tên báo cáo", "Title")) }
                    th { (t(l, "Đơn vị báo cáo", "Reporting unit")) }
                    th { (t(l, "Trạng thái", "Status")) }
                    th { (t(l, "Kỳ dữ liệu", "Data period")) }
                    th { (t(l, "Từ ngày – đến ngày", "From – to")) }
                    th { (t(l, "Mở – đóng nhập liệu", "Entry open – close")) }
                    th { (t(l, "Thao tác", "Actions")) }
                } }
                tbody {
                    @for (i, r) in page.items.iter().enumerate() {
                        tr {
                            td { ((page.page - 1) * page.per_page + i as u64 + 1) }
                            td { code { (r.form) } }
                            td { (titles.get(&(r.regime.clone(), r.form.clone())).cloned().unwrap_or_default()) }
                            td { (names.get(&r.unit_id).cloned().unwrap_or_default()) }
                            td { (status_badge(r.status, l)) }
                            td { (r.period.label().get(l)) }
                            td { (format::date(r.data_from, l)) " – " (format::date(r.data_to, l)) }
                            td { (format::date(r.opens_on, l)) " – " (format::date(r.closes_on, l)) @if r.reopened { " " span.badge { (t(l, "mở lại", "reopened")) } } }
                            td.links {
                                a href={ "/reports/" (r.id) } { (open_link(r, today, l)) }
                                " · " a href={ "/reports/" (r.id) "/history" } { (t(l, "Lịch sử", "History")) }
                                " · " a href={ "/reports/" (r.id) "/print" } { (t(l, "In", "Print")) }
                            }
                        }
                    }
                    @if page.items.is_empty() { tr { td colspan="9" .muted { (t(l, "Không có báo cáo nào.", "No reports.")) } } }
                }
            }
        }
    }
}

// ------------------------------------------------------------ assignment ---

#[derive(Debug, Deserialize)]
struct AssignQuery {
    regime: Option<String>,
}

async fn assign_form(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<AssignQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    assign_page(&state, l, &who, query.regime.as_deref(), None).await
}

async fn assign_page(
    state: &AppState, l: Locale, who: &Principal, regime: Option<&str>,
    outcome: Option<Result<Vec<(ReportRow, bool)>, WebError>>,
) -> PageResult {
    let regimes = baocao_app::regimes::list(&state.app, who, false).await.in_locale(l)?;
    let chosen = regime.and_then(|code| regimes.iter().find(|e| e.plugin.manifest.code == code));
    let mut units = baocao_app::admin::units_below_own(&state.app, who).await.in_locale(l)?;
    if let Some(e) = chosen {
        units.retain(|u| service::reports_here(&e.plugin.manifest, &u.unit));
    }
    let forms = match chosen {
        Some(e) => service::forms_offered(&state.app, who, &e.plugin.manifest).await.in_locale(l)?,
        None => Vec::new(),
    };
    let year = state.app.today().format("%Y").to_string();
    let body = html! {
        h1 { (t(l, "Giao báo cáo cho đơn vị cấp dưới", "Assign reports to lower units")) }
        @match &outcome {
            Some(Ok(list)) => {
                div.flash.ok role="status" {
                    (t(l, "Đã giao ", "Assigned ")) (list.iter().filter(|(_, c)| *c).count()) (t(l, " báo cáo mới; ", " new reports; "))
                    (list.iter().filter(|(_, c)| !*c).count()) (t(l, " báo cáo đã có từ trước.", " existed already."))
                }
            }
            Some(Err(e)) => { div.flash.error role="alert" { (e.public().1.get(l)) } (baocao_http::page::field_errors_list(e, l)) }
            None => {}
        }
        form.card method="get" {
            label for="regime" { (t(l, "Chế độ báo cáo", "Regime")) }
            select #regime name="regime" {
                option value="" { (t(l, "— Chọn chế độ —", "— Pick a regime —")) }
                @for e in &regimes { option value=(e.plugin.manifest.code) selected[regime == Some(e.plugin.manifest.code.as_str())] { (e.plugin.manifest.code) " — " (e.plugin.manifest.name.get(l)) } }
            }
            div.actions { button.secondary type="submit" { (t(l, "Chọn", "Choose")) } }
        }
        @if let Some(e) = chosen {
            form.card method="post" action="/reports/assign" {
                (csrf_field(who))
                input type="hidden" name="regime" value=(e.plugin.manifest.code);
                h2 { (t(l, "Biểu mẫu", "Forms")) }
                p.muted { (t(l, "Chọn các biểu mẫu cần giao; mỗi biểu mẫu chỉ dành cho những loại đơn vị chế độ quy định.", "Pick the forms to assign; each is for the kinds of unit the regime names.")) }
                @for f in &forms {
                    label.check { input type="checkbox" name="forms" value=(f.code); " " code { (f.code) } " " (f.title.get(l))
                        @if !f.unit_levels.is_empty() { " " span.muted { "(" (baocao_domain::unit::levels_text(&f.unit_levels).get(l)) ")" } } }
                }
                @for o in &e.plugin.manifest.outlines {
                    label.check { input type="checkbox" name="forms" value=(o.code); " " code { (o.code) } " " (o.title.get(l)) }
                }
                h2 { (t(l, "Kỳ báo cáo", "Period")) }
                div.grid4 {
                    div {
                        label for="period_type" { (t(l, "Loại kỳ", "Kind")) }
                        select #period_type name="period_type" {
                            @for p in &e.plugin.manifest.periods {
                                @let v = baocao_app::regimes::wire_name(p);
                                option value=(v) { (baocao_domain::report::PeriodKind::parse(&v).map_or(v.clone(), |k| k.label().get(l).to_owned())) }
                            }
                        }
                    }
                    div { label for="year" { (t(l, "Năm", "Year")) } input #year type="text" name="year" value=(year) inputmode="numeric"; }
                    div { label for="number" { (t(l, "Kỳ số (quý 1–4, nửa năm 1–2 …)", "Number (quarter 1–4 …)")) } input #number type="text" name="number" value="1" inputmode="numeric"; }
                    div { label for="opens_on" { (t(l, "Ngày mở nhập liệu (để trống: theo chế độ)", "Entry opens (blank: regime's)")) } input #opens_on type="text" name="opens_on" placeholder="dd/MM/yyyy"; }
                    div { label for="closes_on" { (t(l, "Ngày đóng nhập liệu (để trống: hạn gửi)", "Entry closes (blank: deadline)")) } input #closes_on type="text" name="closes_on" placeholder="dd/MM/yyyy"; }
                }
                h2 { (t(l, "Đơn vị được giao", "Units")) }
                p.muted { (t(l, "Chọn từng đơn vị, hoặc giao cho mọi đơn vị của một cấp.", "Pick units, or every unit of one level.")) }
                div {
                    label for="level" { (t(l, "Mọi đơn vị cấp", "Every unit of level")) }
                    select #level name="level" {
                        option value="" { (t(l, "— Theo danh sách chọn —", "— As picked below —")) }
                        @for lv in &e.plugin.manifest.reporting_levels { option value=(lv) { (baocao_domain::unit::level_label(lv).get(l)) } }
                    }
                }
                (unit_picks(&units, l))
                div.actions { button type="submit" { (t(l, "Giao báo cáo", "Assign")) } }
            }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Giao báo cáo", "Assign reports"), Some(who), body)))
}

/// The assignment form's units, in the tree's order: each to tick, or all at once.
fn unit_picks(units: &[UnitWithTenant], l: Locale) -> Markup {
    html! {
        label.check { input #pick-all-units type="checkbox" data-pick-all="units"; " " strong { (t(l, "Chọn tất cả", "Select all")) } }
        div.unit-picks {
            @if units.is_empty() { p.muted { (t(l, "Không có đơn vị cấp dưới nào thuộc đối tượng của chế độ này.", "No lower unit reports under this regime.")) } }
            @for u in units {
                label.check { input type="checkbox" name="units" value=(u.unit.id.0); " " (u.unit.name.as_str()) " " span.muted { "(" (baocao_domain::unit::level_label(u.unit.level.as_str()).get(l)) ")" } }
            }
        }
    }
}

async fn assign(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    // Repeated fields (forms, units) need the pairs as sent.
    let pairs = form.into_inner();
    let get = |k: &str| pairs.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (l, who) = form_caller(&req, who, &get("csrf_token"))?;
    let regime = get("regime");
    let parse_num = |k: &str| get(k).trim().parse::<i64>().ok();
    let kind = PeriodKind::parse(&get("period_type")).unwrap_or(PeriodKind::Year);
    let input = AssignInput {
        regime: regime.clone(),
        forms: pairs.iter().filter(|(k, _)| k == "forms").map(|(_, v)| v.clone()).collect(),
        period: Period {
            kind,
            year: parse_num("year").unwrap_or(0) as i32,
            number: parse_num("number").unwrap_or(0) as u32,
        },
        units: pairs.iter().filter(|(k, _)| k == "units").filter_map(|(_, v)| v.parse().ok()).collect(),
        level: Some(get("level")).filter(|v| !v.is_empty()),
        under: None,
        opens_on: Some(get("opens_on")).filter(|v| !v.trim().is_empty()),
        closes_on: Some(get("closes_on")).filter(|v| !v.trim().is_empty()),
    };
    let outcome = service::assign(&state.app, &who, input).await.map_err(WebError::from);
    assign_page(&state, l, &who, Some(&regime), Some(outcome)).await
}

// ------------------------------------------------------------ one report ---

#[derive(Debug, Deserialize)]
struct ReportQuery {
    done: Option<String>,
    aggregated: Option<u8>,
}

async fn report(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, query: Params<ReportQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let o = service::open(&state.app, &who, id.into_inner()).await.in_locale(l)?;
    let r = &o.report;
    let mode = match &o.filling {
        Some((Writing::Entry, columns)) => GridMode::Entry(columns.clone()),
        Some((Writing::Appraisal, columns)) => GridMode::Appraisal(columns.clone()),
        None => GridMode::View,
    };
    let (title, content) = match &o.template {
        Template::Numeric(form) => (form.title.vi.clone(), grid(form, r, &mode, l)),
        Template::Narrative(outline) => (outline.title.vi.clone(), narrative(outline, r, &o.sections, o.editable, l)),
    };
    let done = query.done.as_deref().and_then(Action::parse);
    let body = html! {
        p.muted { a href="/reports" { (t(l, "← Danh sách nhập liệu", "← Entry list")) } }
        h1 { (title) }
        @if let Some(a) = done { div.flash.ok role="status" { (t(l, "Đã thực hiện: ", "Done: ")) (a.label().get(l)) } }
        (meta_card(&o, l))
        @if query.aggregated.is_some() { div.flash.ok role="status" { (t(l, "Đã tổng hợp số liệu.", "Aggregated.")) } }
        (aggregate_note(o.aggregated.as_ref(), l))
        @if let Some((plan, names)) = &o.plan { (plan_card(r, plan, names, o.editable, &who, l)) }
        @if let Template::Numeric(form) = &o.template {
            @if o.editable { (row_tools(form, &o.catalogue, l)) }
            @if !matches!(mode, GridMode::View) { (import_tools(r.id, l)) }
        }
        (content)
        @if o.aggregated.is_some() { div.card #provenance hidden {} }
        (attachments_card(r, &o.attachments, o.editable, &who, l))
        (signatures_card(r.id, &o.signatures, l))
        @if !o.steps.is_empty() { (workflow_card(r, &o, &who, l)) }
    };
    Ok(html_page(StatusCode::OK, layout(l, &r.form, Some(&who), body)))
}

/// The report's identity: form, units, status, period, dates, version, last comment and links.
fn meta_card(o: &service::Opened, l: Locale) -> Markup {
    let r = &o.report;
    html! {
        div.card.report-meta {
            div.grid4 {
                div { span.muted { (t(l, "Biểu mẫu", "Form")) } br; code { (r.form) } }
                div { span.muted { (t(l, "Đơn vị báo cáo", "Reporting unit")) } br; (o.unit_name) }
                div { span.muted { (t(l, "Đơn vị nhận", "Receiving unit")) } br; (o.receiver_name) }
                div { span.muted { (t(l, "Trạng thái", "Status")) } br; span #report-status { (status_badge(r.status, l)) } }
                div { span.muted { (t(l, "Kỳ báo cáo", "Period")) } br; (r.period.label().get(l)) }
                div { span.muted { (t(l, "Kỳ dữ liệu", "Data window")) } br; (format::date(r.data_from, l)) " – " (format::date(r.data_to, l)) }
                div { span.muted { (t(l, "Hạn nhập liệu", "Entry closes")) } br; (format::date(r.closes_on, l)) }
                div { span.muted { (t(l, "Phiên bản", "Version")) } br; span #report-version { (r.version) } }
            }
            @if let Some(why) = o.window.refusal().filter(|_| r.status.editable()) { div.flash.error role="status" { (why.text.get(l)) } }
            @if let Some(c) = &r.last_comment {
                @if matches!(r.status, Status::Rejected) { div.flash.error { strong { (t(l, "Lý do từ chối: ", "Reason for rejection: ")) } (c) } }
                @else { p.muted { (t(l, "Ý kiến gần nhất: ", "Last comment: ")) (c) } }
            }
            p.links {
                @if matches!(o.template, Template::Numeric(_)) { a href={ "/api/v1/reports/" (r.id) "/xlsx" } download title=(t(l, "Tập tin chứa số liệu đã lưu", "The file holds the saved figures")) { (t(l, "Tải xuống Excel", "Download as Excel")) } " · " }
                a href={ "/reports/" (r.id) "/history" } { (t(l, "Xem lịch sử báo cáo", "Report history")) }
                " · " a href={ "/reports/" (r.id) "/print" } { (t(l, "Bản in", "Print view")) }
            }
        }
    }
}

fn aggregate_note(aggregated: Option<&service::AggregateState>, l: Locale) -> Markup {
    html! {
        @if let Some(a) = aggregated {
            @if a.outdated {
                div.flash.error role="alert" { (t(l, "Số liệu tổng hợp đã cũ: có báo cáo của đơn vị cấp dưới được đính chính hoặc duyệt sau lần tổng hợp. Hãy tổng hợp lại.", "The aggregate is outdated: a lower unit's report was corrected or accepted since. Aggregate again.")) }
            } @else {
                p.muted { (t(l, "Báo cáo tổng hợp từ ", "Aggregated from ")) (a.sources) (t(l, " báo cáo. Chọn một ô để xem nguồn số liệu.", " reports. Pick a cell to see where it comes from.")) }
            }
        }
    }
}

/// For the aggregator: which lower reports an aggregation takes in and which are missing.
fn plan_card(
    r: &ReportRow, p: &service::Aggregation, names: &HashMap<UnitId, String>, editable: bool, who: &Principal,
    l: Locale,
) -> Markup {
    let name = |u: &UnitId| names.get(u).cloned().unwrap_or_default();
    html! {
        div.card.aggregate {
            h2 { (t(l, "Tổng hợp báo cáo số liệu", "Aggregate the lower units' reports")) }
            p { (t(l, "Đã duyệt, sẽ được tổng hợp: ", "Accepted, included: ")) strong { (p.included.len()) } }
            ul { @for x in &p.included { li { a href={ "/reports/" (x.id) } { (name(&x.unit_id)) } " " span.muted { "(" (t(l, "phiên bản ", "version ")) (x.version) ")" } } } }
            @if !p.missing.is_empty() {
                p { (t(l, "Còn thiếu (chưa được duyệt): ", "Missing (not accepted yet): ")) strong { (p.missing.len()) } }
                ul { @for x in &p.missing { li { (name(&x.unit_id)) " — " (status_badge(x.status, l)) } } }
            }
            @if editable && !p.included.is_empty() {
                @let confirm = format!("{} {} {}{}", t(l, "Tổng hợp từ", "Aggregate"), p.included.len(), t(l, "báo cáo đã duyệt", "accepted reports"),
                    if p.missing.is_empty() { String::new() } else { format!("; {} {}", p.missing.len(), t(l, "đơn vị còn thiếu", "units missing")) });
                form method="post" action={ "/reports/" (r.id) "/aggregate" } data-confirm=(format!("{confirm}?")) {
                    (csrf_field(who))
                    button type="submit" #aggregate-button { (t(l, "Tổng hợp", "Aggregate")) }
                }
            }
        }
    }
}

/// The document ("Tải bản PDF") and its signatures as last checked ("Kiểm tra ký số").
fn signatures_card(id: i64, sigs: &[baocao_app::signatures::SignatureView], l: Locale) -> Markup {
    html! {
        div.card.signatures {
            h2 { (t(l, "Văn bản và chữ ký số", "Document and signatures")) }
            p { a #report-pdf href={ "/api/v1/reports/" (id) "/pdf" } { (t(l, "Tải bản PDF", "Download the PDF")) } }
            @for s in sigs {
                p.signature data-valid=(s.valid) {
                    @let label = if s.kind == "organisation" { t(l, "Chữ ký của cơ quan", "Organisation") } else { t(l, "Chữ ký cá nhân", "Personal") };
                    strong { (label) }
                    ": " (s.signer.as_deref().unwrap_or("?")) " — "
                    @if s.valid { span.ok { (t(l, "Chữ ký hợp lệ", "Valid signature")) } }
                    @else { span.danger { (t(l, "Chữ ký không hợp lệ: ", "Not valid: "))
                        (s.problems.iter().map(|p| if l == Locale::Vi { p.message.as_str() } else { p.message_en.as_str() }).collect::<Vec<_>>().join(" ")) } }
                }
            }
        }
    }
}

/// Signing in the step ("Duyệt và ký số", "Ký số và gửi"): the server-held key
/// (ticked when there is one), what to hide, which image.
fn sign_fields(step: &Step, o: &service::Opened, l: Locale) -> Markup {
    let kind = if step.action == Action::Send { "organisation" } else { "personal" };
    let has_key = o.server_keys.contains(&kind);
    let images = &o.images;
    html! {
        fieldset.sign {
            label { input type="checkbox" name="sign" value="server" checked[has_key] disabled[!has_key]; " " (t(l, "Ký số (chứng thư lưu trên máy chủ)", "Sign (server-held certificate)")) }
            @if !has_key { p.muted.small { (t(l, "Chưa có chứng thư số trên máy chủ.", "No certificate on the server.")) } }
            label { input type="checkbox" name="hide_signer" value="1"; " " (t(l, "Ẩn người ký", "Hide the signer")) }
            label { input type="checkbox" name="hide_time" value="1"; " " (t(l, "Ẩn ngày giờ", "Hide the time")) }
            @if !images.is_empty() {
                select name="image" { option value="" { (t(l, "— Không dùng hình ảnh —", "— No image —")) } @for i in images { option value=(i.id) { (i.title) " (" (i.kind_label().get(l)) ")" } } }
            }
        }
    }
}

/// One form per step the caller may take, with its comment and, for approval, whom to forward to.
fn workflow_card(r: &ReportRow, o: &service::Opened, who: &Principal, l: Locale) -> Markup {
    let (steps, senders) = (&o.steps, &o.senders);
    html! {
        div.card.workflow {
            h2 { (t(l, "Xử lý báo cáo", "Workflow")) }
            @for step in steps {
                form.step method="post" action={ "/reports/" (r.id) "/transition" } data-confirm=(format!("{}?", step.action.label().get(l))) {
                    (csrf_field(who))
                    input type="hidden" name="action" value=(step.action.as_str());
                    @if step.comment_required || matches!(step.action, Action::Approve | Action::Accept) {
                        label { (t(l, "Ý kiến", "Comment")) @if step.comment_required { " *" } }
                        textarea name="comment" rows="2" required[step.comment_required] {}
                    }
                    @if step.action == Action::Approve && !senders.is_empty() {
                        label { (t(l, "Chuyển cho văn thư", "Forward to")) }
                        select name="forward_to" {
                            option value="" { (t(l, "— Tất cả văn thư của đơn vị —", "— Every sender of the unit —")) }
                            @for (id, name) in senders { option value=(id.0) { (name) } }
                        }
                    }
                    @if matches!(step.action, Action::Approve | Action::Send) { (sign_fields(step, o, l)) }
                    button type="submit" class=(if step.action == Action::Reject { "danger" } else { "" }) data-action=(step.action.as_str()) { (step.action.label().get(l)) }
                }
                @if matches!(step.action, Action::Approve | Action::Send) { (super::signatures::other_ways(r.id, step.action.as_str(), who, l)) }
            }
        }
    }
}

/// How the page's grid is open: read-only, to the unit's data entry, or to
/// the receiving unit's appraiser; with the columns the viewer may fill.
enum GridMode {
    View,
    Entry(Vec<String>),
    Appraisal(Vec<String>),
}

impl GridMode {
    fn fills(&self, column: &str) -> bool {
        match self {
            GridMode::View => false,
            GridMode::Entry(columns) | GridMode::Appraisal(columns) => columns.iter().any(|c| c == column),
        }
    }
}

/// The numeric form as a table: multi-level headers, column numbers, rows
/// with their labels, an input per cell (read-only for formulas, totals and
/// the columns the viewer may not fill).
fn grid(form: &Form, r: &ReportRow, mode: &GridMode, l: Locale) -> Markup {
    let (save_url, compute_url) = match mode {
        GridMode::Appraisal(_) => {
            (format!("/api/v1/reports/{}/appraisal", r.id), format!("/api/v1/reports/{}/appraisal/compute", r.id))
        }
        _ => (format!("/api/v1/reports/{}/data", r.id), format!("/api/v1/reports/{}/compute", r.id)),
    };
    // The save and recompute buttons' labels, where the viewer may write.
    let labels = match mode {
        GridMode::View => None,
        GridMode::Entry(_) => Some((t(l, "Lưu", "Save"), t(l, "Chuẩn hóa dữ liệu", "Recompute"))),
        GridMode::Appraisal(_) => Some((t(l, "Lưu điểm thẩm định", "Save the appraisal"), t(l, "Kiểm tra", "Check"))),
    };
    html! {
        div.card {
            div.grid-tools {
                @if let Some((save, compute)) = labels {
                    button #grid-save type="button" data-report=(r.id) data-version=(r.version) { (save) }
                    button.secondary #grid-compute type="button" { (compute) }
                }
                button.secondary type="button" data-zoom="-1" title=(t(l, "Thu nhỏ", "Zoom out")) { "−" }
                button.secondary type="button" data-zoom="1" title=(t(l, "Phóng to", "Zoom in")) { "+" }
                span #grid-status.muted role="status" {}
            }
            ul #grid-errors.field-error {}
            @if let GridMode::Appraisal(columns) = mode {
                p.flash.ok {
                    (t(l, "Thẩm định: nhập vào cột ", "Appraisal: fill in column "))
                    @for (i, c) in form.columns.iter().filter(|c| columns.contains(&c.code)).enumerate() { @if i > 0 { ", " } "(" (c.number) ") " (c.header.last().cloned().unwrap_or_default()) }
                    (t(l, " rồi lưu, trước khi duyệt báo cáo.", ", save, then accept the report."))
                }
            }
            div.grid-scroll {
                table #report-grid.grid data-report=(r.id) data-version=(r.version) data-editable=(!matches!(mode, GridMode::View)) data-save-url=(save_url) data-compute-url=(compute_url) data-lang=(l.code()) {
                    (grid_head(form, l))
                    (grid_body(form, r, mode, l))
                }
            }
            @if !form.rules.is_empty() {
                p.muted { (t(l, "Ràng buộc kiểm tra khi lưu: ", "Checks on save: ")) @for (i, rule) in form.rules.iter().enumerate() { @if i > 0 { "; " } (rule.text) } }
            }
            p.muted.small { (t(l, "Phím mũi tên, Tab, Enter để di chuyển; dán trực tiếp một vùng ô từ Excel. Dữ liệu chưa lưu được giữ trên trình duyệt này.", "Arrows, Tab and Enter move between cells; paste a block straight from Excel. Unsaved edits are kept in this browser.")) }
        }
    }
}

/// The grid's header rows, merged as on paper, and the row of column numbers.
pub(crate) fn grid_head(form: &Form, l: Locale) -> Markup {
    let headers = baocao_domain::layout::header_rows(form);
    let depth = headers.len();
    html! {
    thead {
                        @for (i, level) in headers.iter().enumerate() {
                            tr {
                                @if i == 0 {
                                    th.sticky-col.c-stt rowspan=(depth) { "STT" }
                                    th.sticky-col.c-title rowspan=(depth) { (t(l, "Chỉ tiêu", "Indicator")) }
                                }
                                @for (title, colspan, rowspan) in level { th colspan=(colspan) rowspan=(rowspan) { (title) } }
                            }
                        }
                        tr.numbers { th.sticky-col.c-stt { "1" } th.sticky-col.c-title { "2" } @for c in &form.columns { th { (c.number) } } }
                    }
    }
}

/// The grid's rows: fixed rows, then the rows the unit added, the total last;
/// an input per cell, read-only where the viewer may not write.
fn grid_body(form: &Form, r: &ReportRow, mode: &GridMode, l: Locale) -> Markup {
    let values: HashMap<(&str, &str), &serde_json::Value> =
        r.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    let rows = display_rows(form, r);
    let editable = matches!(mode, GridMode::Entry(_));
    html! {
                    tbody {
                        @for DisplayRow { code, label, title, level, total, added, computed } in &rows {
                            tr data-row=(code) class=(if *total { "total" } else { "" }) {
                                td.sticky-col.c-stt { (label) }
                                td.sticky-col.c-title class={ "level-" (level) } {
                                    @if *total { strong { (title) } } @else { (title) }
                                    @if *added && editable { " " button.link.remove-row type="button" data-row=(code) title=(t(l, "Xóa dòng", "Remove row")) { "×" } }
                                }
                                @for c in &form.columns {
                                    @let v = values.get(&(code.as_str(), c.code.as_str())).copied().cloned().unwrap_or(serde_json::Value::Null);
                                    @let readonly = !mode.fills(&c.code) || *computed || form.computes_column(&c.code);
                                    @let kind = match c.cell_type { CellType::Integer => "integer", CellType::Decimal => "decimal", CellType::Percent => "percent", CellType::Text => "text", CellType::Date => "date" };
                                    td class=(if readonly { "ro" } else { "" }) {
                                        input type="text" data-row=(code) data-col=(c.code) data-type=(kind) value=(baocao_domain::layout::cell_text(&v, c.cell_type, l)) readonly[readonly] tabindex=[readonly.then_some("-1")] aria-label=(format!("{} – ({})", title, c.number));
                                    }
                                }
                            }
                        }
                    }
    }
}

/// "Import Excel" with the handbook's parameters; the page previews what changes, then saves.
fn import_tools(id: i64, l: Locale) -> Markup {
    html! {
        details.card.import-tools {
            summary { (t(l, "Nhập dữ liệu từ Excel", "Import from Excel")) }
            div.grid4 {
                div { label for="import-file" { (t(l, "Tập tin (.xlsx, .xls)", "File (.xlsx, .xls)")) } input #import-file type="file" accept=".xlsx,.xls"; }
                div { label for="import-code-col" { (t(l, "Cột mã chỉ tiêu", "Indicator-code column")) } input #import-code-col type="text" value="B" maxlength="3"; }
                div { label for="import-data-col" { (t(l, "Cột dữ liệu đầu tiên", "First data column")) } input #import-data-col type="text" value="E" maxlength="3"; }
                div { label for="import-from" { (t(l, "Từ dòng (để trống: tự động)", "From row (blank: automatic)")) } input #import-from type="text" inputmode="numeric"; }
                div { label for="import-to" { (t(l, "Đến dòng (để trống: tự động)", "To row (blank: automatic)")) } input #import-to type="text" inputmode="numeric"; }
            }
            div.actions {
                button.secondary type="button" #import-preview data-report=(id) { (t(l, "Xem trước thay đổi", "Preview changes")) }
                button type="button" #import-save hidden { (t(l, "Lưu dữ liệu nhập", "Save the import")) }
                span #import-status.muted role="status" {}
            }
            ul #import-result {}
        }
    }
}

fn row_tools(form: &Form, catalogue: &[baocao_app::catalogues::CatalogueItem], l: Locale) -> Markup {
    html! {
        @if form.row_modes.contains(&RowMode::Catalogue) || form.row_modes.contains(&RowMode::FreeText) {
            div.card.row-tools {
                @if form.row_modes.contains(&RowMode::Catalogue) {
                    label for="add-catalogue" { (t(l, "Thêm dòng từ danh mục", "Add a row from the catalogue")) }
                    select #add-catalogue { @for item in catalogue { option value=(item.code) { (item.name) } } }
                    button.secondary type="button" #add-catalogue-row { (t(l, "Thêm dòng", "Add row")) }
                }
                @if form.row_modes.contains(&RowMode::FreeText) {
                    label for="add-free" { (t(l, "Thêm dòng tự nhập", "Add a free-text row")) }
                    input #add-free type="text" maxlength="500";
                    button.secondary type="button" #add-free-row { (t(l, "Thêm dòng", "Add row")) }
                }
            }
        }
    }
}

/// The narrative editor: the outline on the left, one section on the right.
fn narrative(outline: &Outline, r: &ReportRow, saved: &HashMap<String, String>, editable: bool, l: Locale) -> Markup {
    html! {
        div.card.narrative data-report=(r.id) data-version=(r.version) {
            nav.toc {
                h2 { (t(l, "Mục lục", "Contents")) }
                ol {
                    @for s in &outline.sections {
                        li class={ "level-" (s.level) } { a href={ "#section-" (s.code) } data-section=(s.code) { (s.label) " " (s.title) } @if saved.get(&s.code).is_some_and(|h| !h.is_empty()) { " ✓" } }
                    }
                }
            }
            div.sections {
                @for s in &outline.sections {
                    section.section id={ "section-" (s.code) } data-section=(s.code) {
                        h3 { (s.label) " " (s.title) }
                        @if !s.guidance.is_empty() { p.muted { (s.guidance) } }
                        @if editable {
                            div.editor-tools {
                                button.secondary type="button" data-cmd="bold" { b { "B" } }
                                button.secondary type="button" data-cmd="italic" { i { "I" } }
                                button.secondary type="button" data-cmd="underline" { u { "U" } }
                                button.secondary type="button" data-cmd="insertUnorderedList" { "•" }
                                button.secondary type="button" data-cmd="insertOrderedList" { "1." }
                            }
                            // Sanitised on save; shown as stored (sanitised) HTML.
                            div.editor contenteditable="true" data-section=(s.code) { (PreEscaped(saved.get(&s.code).cloned().unwrap_or_default())) }
                            button type="button" data-save-section=(s.code) { (t(l, "Lưu mục này", "Save this section")) }
                            span.muted data-section-status=(s.code) {}
                        } @else {
                            div.readonly-text { (PreEscaped(saved.get(&s.code).cloned().unwrap_or_default())) }
                        }
                    }
                }
            }
        }
    }
}

fn attachments_card(
    r: &ReportRow, list: &[baocao_app::views::Attachment], editable: bool, who: &Principal, l: Locale,
) -> Markup {
    html! {
        div.card.attachments {
            h2 { (t(l, "Tập tin đính kèm", "Attachments")) }
            @if list.is_empty() { p.muted { (t(l, "Chưa có tập tin nào.", "No files yet.")) } }
            ul {
                @for a in list {
                    li {
                        a href={ "/api/v1/reports/" (r.id) "/attachments/" (a.id) } { (a.file_name) }
                        " " span.muted { "(" (format::number(a.size as f64 / 1024.0, 1, l)) " KB)" }
                        @if editable { " " button.link type="button" data-delete-attachment=(a.id) data-report=(r.id) data-csrf=(who.session.csrf_token) { (t(l, "Xóa", "Delete")) } }
                    }
                }
            }
            @if editable {
                input #attachment-file type="file";
                button.secondary type="button" data-upload-attachment="attachment-file" data-report=(r.id) data-csrf=(who.session.csrf_token) { (t(l, "Tải lên", "Upload")) }
                span #attachment-result.muted {}
                p.muted.small { (t(l, "Cho phép: pdf, doc, docx, xls, xlsx, odt, ods, png, jpg, zip, txt.", "Accepted: pdf, doc, docx, xls, xlsx, odt, ods, png, jpg, zip, txt.")) }
            }
        }
    }
}

async fn aggregate(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<CsrfOnly>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let id = id.into_inner();
    service::aggregate(&state.app, &who, id, false).await.in_locale(l)?;
    Ok(redirect(&format!("/reports/{id}?aggregated=1")))
}

#[derive(Debug, Deserialize)]
struct TransitionForm {
    csrf_token: String,
    action: String,
    comment: Option<String>,
    forward_to: Option<String>,
    sign: Option<String>,
    hide_signer: Option<String>,
    hide_time: Option<String>,
    image: Option<String>,
}

async fn transition(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<TransitionForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let id = id.into_inner();
    let form = form.into_inner();
    let input = TransitionInput {
        action: form.action.clone(),
        comment: form.comment,
        forward_to: form.forward_to.and_then(|v| v.parse().ok()),
        signature: form.sign.map(|key| baocao_app::signatures::SignatureInput {
            key,
            look: baocao_app::signatures::Look {
                hide_signer: form.hide_signer.is_some(),
                hide_time: form.hide_time.is_some(),
                image: form.image.and_then(|v| v.parse().ok()),
            },
        }),
    };
    service::transition(&state.app, &who, id, input).await.in_locale(l)?;
    Ok(redirect(&format!("/reports/{id}?done={}", form.action)))
}

async fn history(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let id = id.into_inner();
    let r = service::get(&state.app, &who, id).await.in_locale(l)?;
    let rows = service::history(&state.app, &who, id).await.in_locale(l)?;
    let status =
        |code: &str| Status::parse(code).map(|s| s.label().get(l).to_owned()).unwrap_or_else(|| code.to_owned());
    let action = |code: &str| {
        baocao_domain::report::history_label(code).map_or_else(|| code.to_owned(), |t| t.get(l).to_owned())
    };
    let body = html! {
        p.muted { a href={ "/reports/" (id) } { "← " (r.form) } }
        h1 { (t(l, "Lịch sử báo cáo", "Report history")) }
        table.history {
            thead { tr {
                th { (t(l, "Thời gian", "When")) } th { (t(l, "Người thực hiện", "By")) } th { (t(l, "Thao tác", "Action")) }
                th { (t(l, "Trạng thái", "Status")) } th { (t(l, "Ý kiến", "Comment")) } th { (t(l, "Phiên bản", "Version")) }
            } }
            tbody {
                @for h in &rows {
                    tr {
                        td { (format::moment(h.at, l)) }
                        td { (h.actor) }
                        td { (action(&h.action)) }
                        td { @if h.from == h.to { (status(&h.to)) } @else { (status(&h.from)) " → " (status(&h.to)) } }
                        td { (h.comment.clone().unwrap_or_default()) }
                        td { (h.version) }
                    }
                }
            }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Lịch sử báo cáo", "Report history"), Some(&who), body)))
}

/// A clean page to print (and, with the signature issue, to turn into PDF).
async fn print(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let r = service::get(&state.app, &who, id.into_inner()).await.in_locale(l)?;
    let template = service::template_of(&state.app, &r).await.in_locale(l)?;
    let names = baocao_app::admin::unit_names_unscoped(&state.app, &[r.unit_id, r.receiver_id]).await.in_locale(l)?;
    let (title, content) = match &template {
        Template::Numeric(form) => (form.title.vi.clone(), grid_print(form, &r, l)),
        Template::Narrative(outline) => {
            let sections = service::sections(&state.app, &who, r.id).await.in_locale(l)?;
            let content = html! {
                @for sec in &outline.sections {
                    h3 { (sec.label) " " (sec.title) }
                    div { (PreEscaped(sections.get(&sec.code).cloned().unwrap_or_default())) }
                }
            };
            (outline.title.vi.clone(), content)
        }
    };
    let body = html! {
        (maud::DOCTYPE)
        html lang=(l.code()) {
            head { meta charset="utf-8"; title { (r.form) } link rel="stylesheet" href="/static/app.css"; }
            body.print {
                div.print-head {
                    div { strong { (names.get(&r.receiver_id).cloned().unwrap_or_default().to_uppercase()) } br; (names.get(&r.unit_id).cloned().unwrap_or_default()) }
                    div.right { strong { "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" } br; "Độc lập - Tự do - Hạnh phúc" }
                }
                h1.center { (title) }
                p.center { (r.period.label().get(l)) " · " (t(l, "Số liệu từ ", "Data from ")) (format::date(r.data_from, l)) (t(l, " đến ", " to ")) (format::date(r.data_to, l)) }
                p.center.muted { code { (r.form) } " · " (r.status.label().get(l)) " · " (t(l, "phiên bản ", "version ")) (r.version) }
                (content)
            }
        }
    };
    Ok(html_page(StatusCode::OK, body))
}

/// The grid as text for paper: the same headers (their sticky classes do nothing in print).
fn grid_print(form: &Form, r: &ReportRow, l: Locale) -> Markup {
    let values: HashMap<(&str, &str), &serde_json::Value> =
        r.cells.iter().map(|c| ((c.row.as_str(), c.col.as_str()), &c.value)).collect();
    let rows = display_rows(form, r);
    html! {
        table.grid.print-grid {
            (grid_head(form, l))
            tbody {
                @for DisplayRow { code, label, title, total, .. } in &rows {
                    tr class=(if *total { "total" } else { "" }) {
                        td { (label) }
                        td { @if *total { strong { (title) } } @else { (title) } }
                        @for c in &form.columns {
                            td.num { (baocao_domain::layout::cell_text(values.get(&(code.as_str(), c.code.as_str())).copied().unwrap_or(&serde_json::Value::Null), c.cell_type, l)) }
                        }
                    }
                }
            }
        }
    }
}

// --------------------------------------------------------- notifications ---

async fn notifications(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, params: Params<NotificationFilter>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let query = notification_query(&params).in_locale(l)?;
    let inbox = baocao_app::notifications::inbox(&state.app, &who, &query).await.in_locale(l)?;
    let (unit_names, senders) =
        baocao_app::notifications::senders(&state.app, &inbox.page, params.sender.map(UserId)).await.in_locale(l)?;
    let baocao_app::notifications::Inbox { page, unread } = inbox;
    let current = params.state.clone().unwrap_or_else(|| "all".to_owned());
    let body = html! {
        h1 { (t(l, "Thông báo", "Notifications")) " " span.badge { (unread) " " (t(l, "chưa đọc", "unread")) } }
        form.card.filters method="get" {
            div.grid4 {
                div {
                    label for="state" { (t(l, "Trạng thái", "State")) }
                    select #state name="state" {
                        option value="all" selected[current == "all"] { (t(l, "Tất cả", "All")) }
                        option value="unread" selected[current == "unread"] { (t(l, "Chưa đọc", "Unread")) }
                        option value="read" selected[current == "read"] { (t(l, "Đã đọc", "Read")) }
                    }
                }
                div { label for="from" { (t(l, "Từ ngày", "From")) } input #from type="text" name="from" placeholder="dd/MM/yyyy" value=(params.from.clone().unwrap_or_default()); }
                div { label for="to" { (t(l, "Đến ngày", "To")) } input #to type="text" name="to" placeholder="dd/MM/yyyy" value=(params.to.clone().unwrap_or_default()); }
                (baocao_http::page::filter_select("sender", t(l, "Người gửi", "Sender"), senders.iter().map(|(id, n)| (id.to_string(), n.clone())), params.sender.map(|s| s.to_string()).as_deref(), l))
                (baocao_http::page::filter_select("sender_unit", t(l, "Đơn vị gửi", "Sending unit"), unit_names.iter().map(|(id, n)| (id.0.to_string(), n.clone())), params.sender_unit.map(|s| s.to_string()).as_deref(), l))
            }
            div.actions { button type="submit" { (t(l, "Lọc", "Filter")) } }
        }
        form method="post" action="/notifications/read-all" {
            (csrf_field(&who))
            button.secondary type="submit" { (t(l, "Đánh dấu tất cả đã đọc", "Mark all read")) }
        }
        table.notifications {
            thead { tr { th { (t(l, "Nội dung", "Message")) } th { (t(l, "Đơn vị gửi", "Sending unit")) } th { (t(l, "Thời gian", "When")) } } }
            tbody {
                @for n in &page.items {
                    tr class=(if n.read { "read" } else { "unread" }) {
                        td { @if let Some(rid) = n.report_id { a href={ "/reports/" (rid) } { (n.message.get(l)) } } @else { (n.message.get(l)) } }
                        td { (n.sender_unit.and_then(|u| unit_names.get(&u).cloned()).unwrap_or_default()) }
                        td { (format::moment(n.created_at, l)) }
                    }
                }
                @if page.items.is_empty() { tr { td colspan="3" .muted { (t(l, "Không có thông báo.", "No notifications.")) } } }
            }
        }
        (baocao_http::page::pager(page.page, page.total, page.per_page, |p| with_page(&req, p), l))
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Thông báo", "Notifications"), Some(&who), body)))
}

#[derive(Debug, Deserialize)]
struct CsrfOnly {
    csrf_token: String,
}

async fn read_all(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<CsrfOnly>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    baocao_app::notifications::read_all(&state.app, &who).await.in_locale(l)?;
    Ok(redirect("/notifications"))
}
