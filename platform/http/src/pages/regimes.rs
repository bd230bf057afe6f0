//! Regimes: what the tenant uses, each form's layout with its multi-level
//! header, and, for administrators, uploading plugins and enabling versions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::views::{RegimeEntry as Entry, RegimeScope as Scope};
use baocao_domain::text::Locale;
use maud::{Markup, html};
use serde::Deserialize;

use super::PagePrincipal;
use super::{InLocale, PageResult, csrf_field, flash, form_caller, html_page, layout, redirect};
use crate::locale::{self, t};
use crate::principal::Principal;
use crate::state::AppState;
use baocao_app::regimes;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/regimes", web::get().to(list))
        .route("/regimes/{id}/enabled", web::post().to(set_enabled))
        .route("/regimes/{code}/forms/{form:.*}", web::get().to(form));
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
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: web::Query<ListQuery>,
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
                h2 { (e.plugin.manifest.name.get_vi_en(l)) }
                p.muted {
                    code { (e.plugin.manifest.code) } " · " (t(l, "phiên bản ", "version ")) (e.plugin.manifest.version) " · "
                    (scope_label(e, l)) " · " (t(l, "áp dụng từ ", "from ")) (e.plugin.manifest.effective_from) " · " (e.plugin.manifest.legal_basis)
                }
                ul {
                    @for f in &e.plugin.manifest.forms {
                        li { a href={ "/regimes/" (e.plugin.manifest.code) "/forms/" (f.code) } { (f.code) } " — " (if l == Locale::Vi { &f.title.vi } else { &f.title.en }) }
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

trait Bilingual {
    fn get_vi_en(&self, l: Locale) -> &str;
}

impl Bilingual for baocao_app::views::RegimeText {
    fn get_vi_en(&self, l: Locale) -> &str {
        if l == Locale::Vi { &self.vi } else { &self.en }
    }
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
    let headers = baocao_domain::layout::header_rows(form);
    let depth = headers.len();
    let number = |c: &str| {
        form.columns.iter().find(|x| x.code == c).map(|x| format!("({})", x.number)).unwrap_or_else(|| c.to_owned())
    };
    let body: Markup = html! {
        p.muted { a href="/regimes" { (t(l, "← Chế độ báo cáo", "← Regimes")) } }
        h1 { (form.title.get_vi_en(l)) }
        p.muted { code { (form.code) } @if let Some(u) = &form.unit_of_measure { " · " (u) } }
        @if let Some(p) = &form.provenance { p.muted { (t(l, "Nguồn mẫu biểu: ", "Layout source: ")) (p) } }
        div style="overflow-x:auto" {
            table #form-layout {
                thead {
                    @for (i, level) in headers.iter().enumerate() {
                        tr {
                            @if i == 0 {
                                th rowspan=(depth) { "STT" }
                                th rowspan=(depth) { (t(l, "Chỉ tiêu", "Indicator")) }
                            }
                            @for (title, colspan, rowspan) in level { th colspan=(colspan) rowspan=(rowspan) { (title) } }
                        }
                    }
                    tr { td { "1" } td { "2" } @for c in &form.columns { td { (c.number) } } }
                }
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
