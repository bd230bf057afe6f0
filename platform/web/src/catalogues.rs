//! Shared catalogues: every user reads them; the platform operator publishes
//! a maintained one as a whole new version, written "mã | tên" per line.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::catalogues::{self, Catalogue, Publish};
use baocao_domain::catalogue::{parse_lines, to_lines};
use baocao_domain::format::moment;
use baocao_domain::text::Locale;
use maud::{Markup, html};
use serde::Deserialize;

use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::{
    InLocale, PagePrincipal, PageResult, csrf_field, field_errors_list, flash, form_caller, html_page, layout, redirect,
};
use baocao_http::params::Params;
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/catalogues", web::get().to(list))
        .route("/catalogues/{name}", web::get().to(show))
        .route("/catalogues/{name}", web::post().to(publish));
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// A new catalogue's name, from the operator's "create" form.
    pub new: Option<String>,
}

async fn list(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<ListQuery>,
) -> PageResult {
    if let Some(name) = &query.new {
        return Ok(redirect(&format!(
            "/catalogues/{}",
            form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        )));
    }
    let (l, who) = (locale::of(&req), who.0);
    let all = catalogues::list(&state.app, &who).await.in_locale(l)?;
    let operator = catalogues::may_publish(&state.app, &who).await;
    let body = html! {
        h1 { (t(l, "Danh mục dùng chung", "Shared catalogues")) }
        table #catalogues {
            thead { tr { th { (t(l, "Danh mục", "Catalogue")) } th { (t(l, "Phiên bản", "Version")) } th { (t(l, "Số dòng", "Rows")) } th { (t(l, "Công bố", "Published")) } } }
            tbody { @for c in &all { tr {
                td { a href={ "/catalogues/" (c.name) } { (c.title) } br; small.muted { (c.name) } }
                td { @if let Some(v) = c.version { (v) } @else { (t(l, "Lấy từ dữ liệu hệ thống", "From the platform's data")) } }
                td { @if let Some(n) = c.items { (n) } }
                td { @if let (Some(at), Some(by)) = (c.published_at, &c.published_by) { (moment(at, l)) " · " (by) } }
            } } }
        }
        @if operator {
            form.card method="get" action="/catalogues" {
                label for="new" { (t(l, "Tạo danh mục mới (tên viết thường, không dấu, ví dụ: linh_vuc_moi)", "New catalogue (lower-case name, e.g. new_field)")) }
                input #new name="new" required pattern="[a-z0-9_]{1,40}";
                div.actions { button type="submit" { (t(l, "Tạo", "Create")) } }
            }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Danh mục dùng chung", "Shared catalogues"), Some(&who), body)))
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    pub version: Option<i32>,
    pub saved: Option<i32>,
}

/// What the operator's form holds: the stored version, or what was typed
/// when publishing failed (so nothing typed is lost).
struct Draft<'a> {
    title: String,
    lines: String,
    note: String,
    base_version: Option<i32>,
    error: Option<&'a WebError>,
}

async fn show(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, name: web::Path<String>, query: Params<ShowQuery>,
) -> PageResult {
    let (l, who) = (locale::of(&req), who.0);
    let operator = catalogues::may_publish(&state.app, &who).await;
    let found = match catalogues::show(&state.app, &who, &name, query.version).await {
        Err(baocao_app::Error::NotFound(_)) if operator && query.version.is_none() => None,
        other => Some(other.in_locale(l)?),
    };
    let draft = found.as_ref().map_or(
        Draft { title: String::new(), lines: String::new(), note: String::new(), base_version: None, error: None },
        |c| Draft {
            title: c.title.clone(),
            lines: to_lines(&c.items),
            note: String::new(),
            base_version: c.version,
            error: None,
        },
    );
    let ok = query.saved.map(|v| format!("{} {v}.", t(l, "Đã công bố phiên bản", "Published version")));
    page(&state, l, &who, &name, found.as_ref(), operator.then_some(draft), ok.as_deref()).await
}

async fn page(
    state: &AppState, l: Locale, who: &Principal, name: &str, found: Option<&Catalogue>, draft: Option<Draft<'_>>,
    ok: Option<&str>,
) -> PageResult {
    let versions = catalogues::versions(&state.app, name).await.unwrap_or_default();
    let title = found.map_or(name, |c| c.title.as_str());
    let status = draft.as_ref().and_then(|d| d.error).map_or(StatusCode::OK, WebError::status);
    let body = html! {
        h1 { (title) }
        (flash(draft.as_ref().and_then(|d| d.error), ok, l))
        @if let Some(d) = draft.as_ref().and_then(|d| d.error) { (field_errors_list(d, l)) }
        @if let Some(c) = found {
            p.muted { code { (c.name) } @if let (Some(v), Some(at)) = (c.version, c.published_at) {
                " · " (t(l, "phiên bản ", "version ")) (v) " · " (moment(at, l)) " · " (c.published_by.as_deref().unwrap_or_default())
            } @if let Some(n) = &c.note { " · " (n) } }
            table #catalogue-items {
                thead { tr { th { (t(l, "Mã", "Code")) } th { (t(l, "Tên", "Name")) } } }
                tbody { @for i in &c.items { tr { td { code { (i.code) } } td { (i.name) } } } }
            }
        }
        @if !versions.is_empty() {
            h2 { (t(l, "Các phiên bản", "Versions")) }
            ul #catalogue-versions { @for v in &versions { li {
                a href={ "/catalogues/" (name) "?version=" (v.version.unwrap_or_default()) } { (t(l, "Phiên bản ", "Version ")) (v.version.unwrap_or_default()) }
                " · " (v.items.unwrap_or_default()) (t(l, " dòng · ", " rows · ")) @if let Some(at) = v.published_at { (moment(at, l)) }
                " · " (v.published_by.as_deref().unwrap_or_default()) @if let Some(n) = &v.note { " · " (n) }
            } } }
        }
        @if let Some(d) = draft.filter(|_| !found.is_some_and(|c| c.derived)) { (publish_form(l, who, name, &d)) }
    };
    Ok(html_page(status, layout(l, title, Some(who), body)))
}

fn publish_form(l: Locale, who: &Principal, name: &str, d: &Draft<'_>) -> Markup {
    html! {
        form.card #publish-catalogue method="post" action={ "/catalogues/" (name) } {
            h2 { (t(l, "Công bố phiên bản mới", "Publish a new version")) }
            (csrf_field(who))
            @if let Some(v) = d.base_version { input type="hidden" name="base_version" value=(v); }
            label for="title" { (t(l, "Tiêu đề", "Title")) }
            input #title name="title" value=(d.title) required maxlength="200";
            label for="lines" { (t(l, "Các dòng: mỗi dòng \"mã | tên\" (dán từ bảng tính cũng được)", "Rows: one \"code | name\" per line (pasting from a spreadsheet works too)")) }
            textarea #lines name="lines" rows="16" required { (d.lines) }
            label for="note" { (t(l, "Căn cứ, ghi chú", "Basis, note")) }
            input #note name="note" value=(d.note) maxlength="500";
            p.muted { (t(l, "Phiên bản cũ vẫn được giữ; báo cáo đã chọn dòng theo phiên bản cũ không bị thay đổi.",
                         "Earlier versions are kept; reports that picked rows from them are not changed.")) }
            div.actions { button type="submit" { (t(l, "Công bố", "Publish")) } }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    pub csrf_token: String,
    pub title: String,
    pub lines: String,
    #[serde(default)]
    pub note: String,
    pub base_version: Option<i32>,
}

async fn publish(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, name: web::Path<String>,
    form: web::Form<PublishForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let published = match parse_lines(&form.lines) {
        Ok(items) => {
            let input = Publish {
                title: Some(form.title.clone()),
                items,
                base_version: form.base_version,
                note: Some(form.note.clone()),
            };
            catalogues::publish(&state.app, &who, &name, input).await
        }
        Err(problems) => Err(baocao_app::Error::Invalid(problems)),
    };
    match published.map_err(WebError::from) {
        Ok(c) => Ok(redirect(&format!("/catalogues/{}?saved={}", c.name, c.version.unwrap_or_default()))),
        Err(error @ WebError::App(baocao_app::Error::Forbidden(_))) => Err(baocao_http::page::PageError::new(error, l)),
        Err(error) => {
            let found = catalogues::show(&state.app, &who, &name, None).await.ok();
            let (title, lines, note) = (form.title.clone(), form.lines.clone(), form.note.clone());
            let draft = Draft { title, lines, note, base_version: form.base_version, error: Some(&error) };
            page(&state, l, &who, &name, found.as_ref(), Some(draft), None).await
        }
    }
}
