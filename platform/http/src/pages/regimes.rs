//! Regimes: what the tenant uses, each form's layout with its multi-level
//! header, and, for administrators, uploading plugins and enabling versions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::views::{RegimeEntry as Entry, RegimeScope as Scope};
use baocao_domain::text::Locale;
use baocao_domain::text::Localised as _;
use maud::{Markup, html};
use serde::Deserialize;

use super::PagePrincipal;
use super::{InLocale, PageResult, csrf_field, flash, form_caller, html_page, layout, redirect};
use crate::locale::{self, t};
use crate::params::Params;
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::regimes;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/regimes", web::get().to(list))
        .route("/regimes/{id}/enabled", web::post().to(set_enabled))
        .route("/regimes/{code}/forms/{form:.*}", web::get().to(form))
        .route("/regimes/{code}/ranking", web::get().to(ranking));
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
                @if e.plugin.manifest.forms.iter().any(|f| f.scoring.is_some()) {
                    p { a href={ "/regimes/" (e.plugin.manifest.code) "/ranking" } { (t(l, "Xếp hạng các đơn vị", "Rank the units")) } }
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
        .ok_or(crate::error::Error::NotFound("form"))
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
    params: Params<crate::api::regimes::RankingParams>,
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
    let query = super::query_with(&req, &[("form", form.clone()), ("period", period_key.clone())]);
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
