//! Regimes: what the tenant uses, each form's layout with its multi-level
//! header, and, for administrators, uploading plugins and enabling versions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::reports::SetApproval;
use baocao_app::views::{RegimeEntry as Entry, RegimeScope as Scope};
use baocao_domain::report::Approval;
use baocao_domain::text::Locale;
use baocao_domain::text::Localised as _;
use baocao_http::error::WebError;
use maud::{Markup, html};
use serde::Deserialize;

use baocao_app::regimes;
use baocao_http::locale::{self, t};
use baocao_http::page::PagePrincipal;
use baocao_http::page::{InLocale, PageResult, csrf_field, flash, form_caller, html_page, layout, redirect};
use baocao_http::params::Params;
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/regimes", web::get().to(list))
        .route("/regimes/{id}/enabled", web::post().to(set_enabled))
        .route("/regimes/{code}/forms/{form:.*}", web::get().to(form))
        .route("/regimes/{code}/ranking", web::get().to(ranking))
        .route("/regimes/{code}/approvals", web::get().to(approvals))
        .route("/regimes/{code}/approvals", web::post().to(set_approval));
}

async fn may_manage(state: &AppState, who: &Principal) -> bool {
    baocao_app::admin::may_manage_regimes(&state.app, who).await
}

fn scope_label(e: &Entry, l: Locale) -> &'static str {
    match e.scope {
        Scope::National => t(l, "Toàn quốc", "National"),
        Scope::Tenant(_) => t(l, "Riêng đơn vị", "This tenant"),
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub saved: Option<u8>,
}

async fn list(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<ListQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let current = regimes::list(&state.app, &who, false).await.in_locale(l)?;
    let manage = may_manage(&state, &who).await;
    let versions = if manage { regimes::list(&state.app, &who, true).await.in_locale(l)? } else { Vec::new() };
    let ok = query.saved.map(|_| t(l, "Đã cập nhật.", "Updated."));
    let body = html! {
        h1 { (t(l, "Chế độ báo cáo", "Reporting regimes")) }
        (flash(None, ok, l))
        @for e in &current {
            div.card {
                h2 { (e.plugin.manifest.name.get(l)) }
                p.muted {
                    code { (e.plugin.manifest.code) } " · " (t(l, "phiên bản ", "version ")) (e.plugin.manifest.version) " · "
                    (scope_label(e, l)) " · " (t(l, "áp dụng từ ", "from ")) (e.plugin.manifest.effective_from) " · " (e.plugin.manifest.legal_basis)
                }
                p {
                    @if e.plugin.manifest.forms.iter().any(|f| f.scoring.is_some()) {
                        a href={ "/regimes/" (e.plugin.manifest.code) "/ranking" } { (t(l, "Xếp hạng các đơn vị", "Rank the units")) } " · "
                    }
                    a href={ "/regimes/" (e.plugin.manifest.code) "/approvals" } { (t(l, "Bước duyệt cấp đơn vị", "Unit-level approval")) }
                }
                ul {
                    @for f in &e.plugin.manifest.forms {
                        li { a href={ "/regimes/" (e.plugin.manifest.code) "/forms/" (f.code) } { (f.code) } " — " (f.title.get(l)) }
                    }
                }
            }
        }
        @if manage {
            div.card {
                h2 { (t(l, "Tải lên chế độ báo cáo (tệp .wasm)", "Upload a regime plugin (.wasm)")) }
                p.muted { (t(l, "Tệp được kiểm tra trong môi trường cách ly trước khi lưu; dùng được ngay, không cần khởi động lại.",
                             "The file is checked in the sandbox before it is stored; it is usable at once, without a restart.")) }
                div #upload-result role="status" {}
                input #plugin-file type="file" accept=".wasm,application/wasm";
                div.actions { button type="button" data-upload-regime="plugin-file" data-csrf=(who.session.csrf_token) data-result="upload-result" { (t(l, "Tải lên", "Upload")) } }
            }
            h2 { (t(l, "Mọi phiên bản", "Every version")) }
            table #regime-versions {
                thead { tr { th { (t(l, "Mã", "Code")) } th { (t(l, "Phiên bản", "Version")) } th { (t(l, "Phạm vi", "Scope")) } th { "SHA-256" } th { (t(l, "Trạng thái", "Status")) } th {} } }
                tbody {
                    @for e in &versions {
                        tr {
                            td { (e.plugin.manifest.code) }
                            td { (e.plugin.manifest.version) }
                            td { (scope_label(e, l)) @if e.builtin() { " · " (t(l, "có sẵn", "built in")) } }
                            td { code { (&e.plugin.sha256[..16]) "…" } }
                            td { (if e.enabled { t(l, "Đang dùng", "Enabled") } else { t(l, "Đã tắt", "Disabled") }) }
                            td {
                                @if let Some(id) = e.id {
                                    form.inline method="post" action={ "/regimes/" (id) "/enabled" } {
                                        (csrf_field(&who))
                                        input type="hidden" name="enabled" value=(if e.enabled { "false" } else { "true" });
                                        button.secondary type="submit" { (if e.enabled { t(l, "Tắt", "Disable") } else { t(l, "Bật", "Enable") }) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Chế độ báo cáo", "Reporting regimes"), Some(&who), body)))
}

#[derive(Debug, Deserialize)]
pub struct EnabledForm {
    pub csrf_token: String,
    pub enabled: bool,
}

async fn set_enabled(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<EnabledForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    regimes::set_enabled(&state.app, &who, *id, form.enabled).await.in_locale(l)?;
    Ok(redirect("/regimes?saved=1"))
}

async fn form(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, path: web::Path<(String, String)>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let (code, form_code) = path.into_inner();
    let entry = regimes::find(&state.app, &who, &code).await.in_locale(l)?;
    let form = entry
        .plugin
        .manifest
        .forms
        .iter()
        .find(|f| f.code == form_code)
        .ok_or(baocao_http::error::Error::NotFound("form"))
        .in_locale(l)?;
    let number = |c: &str| {
        form.columns.iter().find(|x| x.code == c).map(|x| format!("({})", x.number)).unwrap_or_else(|| c.to_owned())
    };
    let body: Markup = html! {
        p.muted { a href="/regimes" { (t(l, "← Chế độ báo cáo", "← Regimes")) } }
        h1 { (form.title.get(l)) }
        p.muted { code { (form.code) } @if let Some(u) = &form.unit_of_measure { " · " (u) } }
        @if let Some(p) = &form.provenance { p.muted { (t(l, "Nguồn mẫu biểu: ", "Layout source: ")) (baocao_domain::layout::provenance_text(p)) } }
        div.scroll {
            table #form-layout {
                (super::reports::grid_head(form, l))
                tbody {
                    @for r in &form.rows {
                        tr {
                            td { (r.label) }
                            td { @if r.total { strong { (r.title) } } @else { (r.title) } }
                            @for c in &form.columns {
                                td.muted { @if let Some(f) = &c.formula { "= " (f.notation(number)) } }
                            }
                        }
                    }
                }
            }
        }
        @if !form.rules.is_empty() {
            h2 { (t(l, "Ràng buộc kiểm tra khi lưu", "Checks on save")) }
            ul { @for r in &form.rules { li { (r.text) } } }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, &form.code, Some(&who), body)))
}

/// "Xếp hạng": a scoring form's units ranked for a period, with each index's points.
async fn ranking(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, code: web::Path<String>,
    params: Params<baocao_http::api::regimes::RankingParams>,
) -> PageResult {
    let (l, who) = (locale::of(&req), who.0);
    let entry = regimes::find(&state.app, &who, &code).await.in_locale(l)?;
    let forms: Vec<_> = entry.plugin.manifest.forms.iter().filter(|f| f.scoring.is_some()).collect();
    let form = params.form.clone().or_else(|| forms.first().map(|f| f.code.clone())).unwrap_or_default();
    let period_key = params.period.clone().unwrap_or_else(|| state.app.today().format("%Y").to_string());
    let period = baocao_app::filters::period(&Some(period_key.clone())).in_locale(l)?;
    let lines = match period {
        Some(p) if !form.is_empty() => {
            baocao_app::ranking::ranking(&state.app, &who, &code, &form, p).await.in_locale(l)?
        }
        _ => Vec::new(),
    };
    let query = baocao_http::page::query_with(&req, &[("form", form.clone()), ("period", period_key.clone())]);
    let body = html! {
        h1 { (t(l, "Xếp hạng — ", "Ranking — ")) (entry.plugin.manifest.name.get(l)) }
        form.card.filters method="get" { div.grid4 {
            div { label for="form" { (t(l, "Biểu mẫu", "Form")) } select #form name="form" { @for f in &forms { option value=(f.code) selected[f.code == form] { (f.title.get(l)) } } } }
            div { label for="period" { (t(l, "Kỳ (vd. 2026)", "Period (e.g. 2026)")) } input #period type="text" name="period" value=(period_key); }
            div.actions { button type="submit" { (t(l, "Xem", "Show")) } a.button.secondary href={ "/api/v1/regimes/" (code) "/ranking.xlsx?" (query) } download { (t(l, "Xuất Excel", "Export to Excel")) } }
        } }
        @if lines.is_empty() { p.muted { (t(l, "Chưa có đơn vị nào gửi biểu này trong kỳ.", "No unit has sent this form for the period.")) } }
        @else { (ranking_table(&lines, l)) }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Xếp hạng", "Ranking"), Some(&who), body)))
}

fn ranking_table(lines: &[baocao_domain::ranking::RankedUnit], l: Locale) -> Markup {
    let indices = lines.first().map(|x| x.indices.as_slice()).unwrap_or_default();
    let points = |p: f64| baocao_domain::format::number(p, 2, l);
    html! { div.scroll { table #ranking {
        thead { tr { th { (t(l, "Hạng", "Rank")) } th { (t(l, "Đơn vị", "Unit")) } th { (t(l, "Tổng điểm", "Total")) }
            @for i in indices { th title=(i.title) { (i.label) " " (i.title) } } } }
        tbody { @for line in lines { tr {
            td { (line.rank) } td { a href={ "/reports/" (line.report_id) } { (line.name) } }
            td { (points(line.total)) @if !line.appraised { " " span.muted { (t(l, "(tự đánh giá)", "(self-assessed)")) } } }
            @for i in &line.indices { td.num { (i.points.map(points).unwrap_or_default()) } }
        } } }
    } } }
}

/// "Bước duyệt cấp đơn vị": for each level of the tenant that reports under
/// the regime, whether its reports pass the leader's approval; the tenant's
/// administrator changes a level's rule here.
async fn approvals(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, code: web::Path<String>, query: Params<ListQuery>,
) -> PageResult {
    let (l, who) = (locale::of(&req), who.0);
    approvals_page(&state, l, &who, &code, None, query.saved.map(|_| t(l, "Đã cập nhật.", "Updated."))).await
}

async fn approvals_page(
    state: &AppState, l: Locale, who: &Principal, code: &str, error: Option<&WebError>, ok: Option<&str>,
) -> PageResult {
    let entry = regimes::find(&state.app, who, code).await.in_locale(l)?;
    let levels = baocao_app::reports::approval_levels(&state.app, who, code).await.in_locale(l)?;
    let root = baocao_app::admin::own_tenant_root(&state.app, who).await.in_locale(l)?;
    let configure = baocao_app::admin::may_configure_receivers_at(&state.app, who, &root).await;
    let choice = |rule: Option<Approval>| rule.map_or("default", Approval::as_str);
    let body = html! {
        p.muted { a href="/regimes" { (t(l, "← Chế độ báo cáo", "← Regimes")) } }
        h1 { (t(l, "Bước duyệt cấp đơn vị — ", "Unit-level approval — ")) (entry.plugin.manifest.name.get(l)) }
        (flash(error, ok, l))
        p.muted { (t(l, "Ở cấp không có nhóm lãnh đạo duyệt (như Cục, Vụ của bộ), báo cáo trình xong được chuyển thẳng văn thư gửi và lịch sử ghi rõ bước duyệt được bỏ qua.",
                     "Where a level has no approving group (a ministry's departments), a submitted report goes straight to the sender, and the history says the step was skipped.")) }
        table #approvals {
            thead { tr { th { (t(l, "Cấp", "Level")) } th { (t(l, "Theo nhóm quyền", "By the groups")) } th { (t(l, "Đang áp dụng", "In force")) } @if configure { th {} } } }
            tbody { @for lv in &levels { tr {
                td { (baocao_domain::unit::level_label(&lv.level).get(l)) }
                td { (lv.default.label().get(l)) }
                td { (lv.approval.label().get(l)) @if lv.rule.is_some() { " " span.muted { (t(l, "(đơn vị đặt)", "(set here)")) } } }
                @if configure { td { form.inline method="post" action={ "/regimes/" (code) "/approvals" } {
                    (csrf_field(who))
                    input type="hidden" name="level" value=(lv.level);
                    select name="approval" aria-label=(t(l, "Bước duyệt", "Approval")) {
                        option value="default" selected[choice(lv.rule) == "default"] { (Approval::DEFAULT_LABEL.get(l)) }
                        @for a in [Approval::Required, Approval::Skipped] { option value=(a.as_str()) selected[choice(lv.rule) == a.as_str()] { (a.label().get(l)) } }
                    }
                    button.secondary type="submit" { (t(l, "Lưu", "Save")) }
                } } }
            } } }
        }
    };
    let status = error.map_or(StatusCode::OK, WebError::status);
    Ok(html_page(status, layout(l, t(l, "Bước duyệt cấp đơn vị", "Unit-level approval"), Some(who), body)))
}

#[derive(Debug, Deserialize)]
pub struct ApprovalForm {
    pub csrf_token: String,
    pub level: String,
    pub approval: String,
}

async fn set_approval(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, code: web::Path<String>,
    form: web::Form<ApprovalForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let input = SetApproval { level: form.level.clone(), approval: Approval::parse(&form.approval) };
    match baocao_app::reports::set_approval(&state.app, &who, &code, input).await.map_err(WebError::from) {
        Ok(_) => Ok(redirect(&format!("/regimes/{code}/approvals?saved=1"))),
        Err(error) => approvals_page(&state, l, &who, &code, Some(&error), None).await,
    }
}
