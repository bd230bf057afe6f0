//! What every server-rendered page shares: the frame (head, menu, bell), the
//! error page, the signed-in extractor and the small form helpers. The pages
//! themselves are in `baocao-web`, which mounts them beside the API.
//! Vietnamese first; every state-changing form carries the session's CSRF token.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentType};
use baocao_app::Error;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, web};
use baocao_domain::text::Locale;
use maud::{DOCTYPE, Markup, html};

use crate::error::WebError;
use crate::locale::t;
use crate::principal::Principal;
use crate::state::AppState;

/// An error shown as a page. Not being signed in sends the visitor to the
/// sign-in page instead.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct PageError {
    pub error: WebError,
    pub locale: Locale,
}

impl PageError {
    pub fn new(error: WebError, locale: Locale) -> Self {
        PageError { error, locale }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self.error {
            WebError::App(Error::Unauthenticated) => StatusCode::SEE_OTHER,
            _ => self.error.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let WebError::App(Error::Unauthenticated) = self.error {
            return HttpResponse::SeeOther().insert_header((header::LOCATION, "/login")).finish();
        }
        self.error.log();
        let l = self.locale;
        // The stable code is for programs (the API's body); people get words.
        let (_, text) = self.error.public();
        let body = html! {
            div.card {
                h1 { (t(l, "Không thực hiện được", "This could not be done")) }
                div.flash.error { (text.get(l)) }
                (field_errors_list(&self.error, l))
                p { a href="javascript:history.back()" { (t(l, "← Quay lại", "← Back")) } " · " a href="/" { (t(l, "Trang chủ", "Home")) } }
            }
        };
        HttpResponse::build(self.status_code())
            .content_type(ContentType::html())
            .body(layout(l, t(l, "Lỗi", "Error"), None, body).into_string())
    }
}

pub type PageResult = Result<HttpResponse, PageError>;

/// Attaches the locale to an error.
pub trait InLocale<T> {
    fn in_locale(self, l: Locale) -> Result<T, PageError>;
}

impl<T, E: Into<WebError>> InLocale<T> for Result<T, E> {
    fn in_locale(self, l: Locale) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(e.into(), l))
    }
}

pub fn field_errors_list(error: &WebError, l: Locale) -> Markup {
    let fields = error.fields();
    html! {
        @if fields.len() > 1 {
            ul.field-error { @for f in &fields { li { (if l == Locale::Vi { &f.message } else { &f.message_en }) } } }
        }
    }
}

/// The message for one field, under its input.
pub fn field_error(error: Option<&WebError>, field: &str, l: Locale) -> Markup {
    let message = error
        .and_then(|e| e.fields().into_iter().find(|f| f.field == field))
        .map(|f| if l == Locale::Vi { f.message } else { f.message_en });
    html! { @if let Some(m) = message { div.field-error { (m) } } }
}

/// What a form's use case answered, for the page that shows it again: the
/// status, the error to show beside the fields, or the message of success.
/// A refusal of the right itself is no form error: it is the error page.
pub type Outcome<'a> = (StatusCode, Option<WebError>, Option<&'a str>);

pub fn outcome<'a>(result: Result<Option<&'a str>, impl Into<WebError>>, l: Locale) -> Result<Outcome<'a>, PageError> {
    match result.map_err(Into::into) {
        Ok(ok) => Ok((StatusCode::OK, None, ok)),
        Err(WebError::App(Error::Forbidden(d))) => Err(PageError::new(Error::Forbidden(d).into(), l)),
        Err(e) => Ok((e.status(), Some(e), None)),
    }
}

pub fn flash(error: Option<&WebError>, ok: Option<&str>, l: Locale) -> Markup {
    html! {
        @if let Some(e) = error { div.flash.error role="alert" { (e.public().1.get(l)) } }
        @if let Some(m) = ok { div.flash.ok role="status" { (m) } }
    }
}

/// The prologue of every form handler: the request's locale, and the caller
/// once the form's CSRF token has been checked against the session.
pub fn form_caller(
    req: &actix_web::HttpRequest, who: PagePrincipal, csrf_token: &str,
) -> Result<(Locale, Principal), PageError> {
    let l = crate::locale::of(req);
    let who = who.0;
    who.verify_csrf(csrf_token).in_locale(l)?;
    Ok((l, who))
}

/// A new password typed twice, with the policy's errors under the fields.
pub fn new_password_fields(error: Option<&WebError>, l: Locale) -> Markup {
    html! {
        label for="new_password" { (t(l, "Mật khẩu mới", "New password")) }
        input #new_password type="password" name="new_password" autocomplete="new-password" required;
        (field_error(error, "password", l))
        label for="confirm_password" { (t(l, "Nhập lại mật khẩu mới", "Repeat the new password")) }
        input #confirm_password type="password" name="confirm_password" autocomplete="new-password" required;
        (field_error(error, "confirm_password", l))
    }
}

pub fn csrf_field(who: &Principal) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(who.session.csrf_token); }
}

pub fn html_page(status: StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type(ContentType::html())
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, to)).finish()
}

pub fn layout(l: Locale, title: &str, who: Option<&Principal>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (t(l, "Hệ thống thông tin báo cáo", "Reporting information system")) }
                link rel="stylesheet" href="/static/app.css";
                @if let Some(who) = who { meta name="csrf-token" content=(who.session.csrf_token); }
                script src="/static/app.js" defer {}
            }
            body {
                header.topbar {
                    a.brand href="/" { (t(l, "HỆ THỐNG THÔNG TIN BÁO CÁO", "REPORTING INFORMATION SYSTEM")) }
                    @if let Some(who) = who {
                        (menu(&who.menu, l))
                        div.who {
                            a #bell href="/notifications" title=(t(l, "Thông báo", "Notifications")) data-stream="/api/v1/notifications/stream" {
                                (bell_icon()) span #bell-count.count hidden {}
                            }
                            a href="/account/password" title=(t(l, "Đổi mật khẩu", "Change password")) { (who.user.full_name.as_str()) }
                            a href={ "?lang=" (if l == Locale::Vi { "en" } else { "vi" }) } { (if l == Locale::Vi { "English" } else { "Tiếng Việt" }) }
                            form method="post" action="/logout" {
                                (csrf_field(who))
                                button type="submit" { (t(l, "Đăng xuất", "Sign out")) }
                            }
                        }
                    } @else {
                        nav {}
                        div.who { a href={ "?lang=" (if l == Locale::Vi { "en" } else { "vi" }) } { (if l == Locale::Vi { "English" } else { "Tiếng Việt" }) } }
                    }
                }
                main { (body) }
                footer { "baocao · " (t(l, "Thông tư 01/2020/TT-VPCP", "Circular 01/2020/TT-VPCP")) }
            }
        }
    }
}

/// The signed-in user of a page: like [`Principal`], but a visitor who is
/// not signed in is sent to the sign-in page instead of getting JSON.
#[derive(Debug, Clone)]
pub struct PagePrincipal(pub Principal);

impl FromRequest for PagePrincipal {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let locale = crate::locale::of(&req);
            let mut who = crate::principal::resolve(req.clone()).await.map_err(|e| PageError::new(e, locale))?;
            if let Some(state) = req.app_data::<web::Data<AppState>>() {
                who.menu =
                    baocao_app::queues::menu(&state.app, &who).await.map_err(|e| PageError::new(e.into(), locale))?;
            }
            Ok(PagePrincipal(who))
        })
    }
}

/// The current query string with some parameters set; the others are kept
/// (empty ones dropped), so links keep the filters a person chose.
pub fn query_with(req: &HttpRequest, set: &[(&str, String)]) -> String {
    let kept = form_urlencoded::parse(req.query_string().as_bytes())
        .filter(|(k, v)| !v.is_empty() && !set.iter().any(|(s, _)| s == k))
        .collect::<Vec<_>>();
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.extend_pairs(kept).extend_pairs(set.iter().map(|(k, v)| (*k, v.as_str())));
    out.finish()
}

/// A filter's drop-down: "— Tất cả —" (no filter), then the choices as
/// (value, text), the one equal to `chosen` selected.
pub fn filter_select(
    id: &str, label: &str, choices: impl IntoIterator<Item = (String, String)>, chosen: Option<&str>, l: Locale,
) -> Markup {
    html! {
        div {
            label for=(id) { (label) }
            select id=(id) name=(id) {
                option value="" { (t(l, "— Tất cả —", "— All —")) }
                @for (value, text) in choices { option value=(value) selected[chosen == Some(value.as_str())] { (text) } }
            }
        }
    }
}

/// Previous, "Trang n / N", next; `link` makes each page's address.
pub fn pager(page: u64, total: u64, per_page: u64, link: impl Fn(u64) -> String, l: Locale) -> Markup {
    let pages = total.div_ceil(per_page.max(1)).max(1);
    html! {
        div.pager {
            @if page > 1 { a.button.secondary href=(link(page - 1)) { "‹ " (t(l, "Trước", "Previous")) } }
            span { (t(l, "Trang ", "Page ")) (page) " / " (pages) }
            @if page < pages { a.button.secondary href=(link(page + 1)) { (t(l, "Sau", "Next")) " ›" } }
        }
    }
}

/// The caller's menu: its work under "Nghiệp vụ" (each queue with a count
/// that app.js fills from /api/v1/queues), then what its groups allow.
fn menu(m: &baocao_app::queues::Menu, l: Locale) -> Markup {
    html! {
        nav #menu {
            @if !m.queues.is_empty() || m.assign || m.read_reports {
                span.menu-title { (t(l, "Nghiệp vụ", "Work")) }
                @for q in &m.queues {
                    a href={ "/queues/" (q.as_str()) } { (q.label().get(l)) " " span.count.queue-count data-queue=(q.as_str()) hidden {} }
                }
                @if m.assign { a href="/reports/assign" { (t(l, "Giao báo cáo", "Assign")) } }
                @if m.read_reports {
                    a href="/compliance" { (t(l, "Theo dõi trạng thái", "Status tracking")) }
                    a href="/reports/search" { (t(l, "Tra cứu", "Search")) }
                }
            }
            a href="/signatures" { (t(l, "Ký số", "Signatures")) }
            @if m.administers() {
                span.menu-title { (t(l, "Quản trị", "Administration")) }
                @if m.units { a href="/units" { (t(l, "Đơn vị", "Units")) } }
                @if m.users { a href="/users" { (t(l, "Người dùng", "Users")) } }
                @if m.regimes {
                    a href="/regimes" { (t(l, "Chế độ báo cáo", "Regimes")) }
                    a href="/catalogues" { (t(l, "Danh mục dùng chung", "Shared catalogues")) }
                }
                @if m.audit { a href="/audit" { (t(l, "Nhật ký", "Audit log")) } }
                @if m.operations { a href="/operations" { (t(l, "Vận hành", "Operations")) } }
            }
        }
    }
}

/// The notification bell drawn inline: an emoji needs an emoji font, which
/// many office machines lack (it then shows as an empty box).
fn bell_icon() -> Markup {
    html! {
        svg.icon width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"
            stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" {
            path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" {}
            path d="M13.73 21a2 2 0 0 1-3.46 0" {}
        }
    }
}
