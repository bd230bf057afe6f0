//! The official's own mail settings: the language of the mails, and which
//! workflow mails come (security mails always do).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::outbox::MailChoices;
use baocao_domain::mail::MailKind;
use baocao_domain::text::Locale;
use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::{InLocale, PagePrincipal, PageResult, csrf_field, flash, form_caller, html_page, layout};
use baocao_http::principal::Principal;
use baocao_http::state::AppState;
use maud::html;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/mail", web::get().to(show)).route("/account/mail", web::post().to(save));
}

fn page(l: Locale, who: &Principal, choices: &MailChoices, error: Option<&WebError>, ok: Option<&str>) -> PageResult {
    let kinds = MailKind::ALL.into_iter().filter(|k| !k.always_sent());
    let body = html! {
        div.card {
            h1 { (t(l, "Thư thông báo", "Mail notifications")) }
            (flash(error, ok, l))
            form method="post" action="/account/mail" {
                (csrf_field(who))
                label for="locale" { (t(l, "Ngôn ngữ của thư", "Language of the mails")) }
                select #locale name="locale" {
                    option value="vi" selected[choices.locale == "vi"] { "Tiếng Việt" }
                    option value="en" selected[choices.locale == "en"] { "English" }
                }
                p { (t(l, "Nhận thư khi:", "Mail me when:")) }
                @for k in kinds {
                    label.check { input type="checkbox" name="on" value=(k.as_str()) checked[!choices.off.iter().any(|o| o == k.as_str())]; " " (k.subject().get(l)) }
                }
                p.muted { (t(l, "Thư đặt lại mật khẩu, tên đăng nhập và liên kết tài khoản luôn được gửi.", "Password reset, user name and account-link mails always come.")) }
                div.actions { button type="submit" { (t(l, "Lưu", "Save")) } }
            }
        }
    };
    let status = error.map_or(StatusCode::OK, WebError::status);
    Ok(html_page(status, layout(l, t(l, "Thư thông báo", "Mail notifications"), Some(who), body)))
}

async fn show(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    let (l, who) = (locale::of(&req), who.0);
    let choices = baocao_app::outbox::mail_choices(&state.app, &who).await.in_locale(l)?;
    page(l, &who, &choices, None, None)
}

/// The form lists the mails to receive; what is not ticked is turned off.
async fn save(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let csrf = form.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.clone()).unwrap_or_default();
    let (l, who) = form_caller(&req, who, &csrf)?;
    let on: Vec<&str> = form.iter().filter(|(k, _)| k == "on").map(|(_, v)| v.as_str()).collect();
    let locale = form.iter().find(|(k, _)| k == "locale").map(|(_, v)| v.clone()).unwrap_or_default();
    let off = MailKind::ALL
        .into_iter()
        .filter(|k| !k.always_sent() && !on.contains(&k.as_str()))
        .map(|k| k.as_str().to_owned())
        .collect();
    let wanted = MailChoices { locale, off };
    match baocao_app::outbox::set_mail_choices(&state.app, &who, &wanted).await.map_err(WebError::from) {
        Ok(saved) => page(l, &who, &saved, None, Some(t(l, "Đã lưu.", "Saved."))),
        Err(error) => page(l, &who, &wanted, Some(&error), None),
    }
}
