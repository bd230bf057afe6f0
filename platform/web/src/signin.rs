//! Sign-in with the image captcha, sign-out, the home page, changing one's
//! password and "forgot password".

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::Error;
use baocao_domain::text::Locale;
use baocao_identity::captcha;
use baocao_identity::session::{ANONYMOUS_TTL, SessionData};
use baocao_identity::token::constant_time_eq;
use maud::html;
use serde::Deserialize;

use baocao_app::signin::CaptchaRule;
use baocao_http::api::auth::{client_ip, session_cookie};
use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::PagePrincipal;
use baocao_http::page::{
    InLocale, PageResult, csrf_field, field_error, flash, form_caller, html_page, layout, new_password_fields, redirect,
};
use baocao_http::principal::session_id;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home))
        .route("/login", web::get().to(login_form))
        .route("/login", web::post().to(login))
        .route("/captcha.png", web::get().to(captcha_image))
        .route("/logout", web::post().to(logout))
        .route("/account/password", web::get().to(password_form))
        .route("/account/password", web::post().to(change_password))
        .route("/forgot-password", web::get().to(forgot_form))
        .route("/forgot-password", web::post().to(forgot))
        .route("/forgot-password/mail", web::post().to(forgot_by_mail));
}

/// The anonymous session of the sign-in page (CSRF token and captcha answer),
/// created when missing. Returns its id and whether a cookie must be set.
async fn pre_session(state: &AppState, req: &HttpRequest) -> Result<(String, SessionData, bool), WebError> {
    if let Some((id, true)) = session_id(req)
        && let Some(data) = state.sessions.load(&id).await?
    {
        return Ok((id, data, false));
    }
    state.anonymous_session_allowed(req).await?;
    let data = SessionData::anonymous();
    let id = state.sessions.create(&data, ANONYMOUS_TTL).await?;
    Ok((id, data, true))
}

async fn home(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let me = baocao_app::admin::user_self(&state.app, &who.user).await.in_locale(l)?;
    let work = baocao_app::queues::summary(&state.app, &who).await.in_locale(l)?;
    let body = html! {
        h1 { (t(l, "Xin chào, ", "Welcome, ")) (who.user.full_name.as_str()) }
        @if work.iter().any(|q| q.allowed) {
            div.card.work {
                h2 { (t(l, "Công việc đang chờ", "Work waiting for you")) }
                ul { @for q in work.iter().filter(|q| q.allowed) {
                    li { a href={ "/queues/" (q.queue.as_str()) } { (q.queue.label().get(l)) } ": " strong { (q.count) }
                         @if q.overdue > 0 { " " span.overdue { (q.overdue) (t(l, " quá hạn", " overdue")) } } }
                } }
            }
        }
        div.card {
            p { (t(l, "Đơn vị quản lý: ", "Managing unit: ")) strong { (me.unit_name) } }
            h2 { (t(l, "Nhóm người dùng của bạn", "Your groups")) }
            @if me.groups.is_empty() {
                p.muted { (t(l, "Tài khoản chưa được phân quyền. Liên hệ quản trị đơn vị.", "No group granted yet. Ask your unit's administrator.")) }
            } @else {
                table {
                    thead { tr { th { (t(l, "Nhóm", "Group")) } th { (t(l, "Tại đơn vị", "At unit")) } } }
                    tbody {
                        @for m in &me.groups {
                            tr {
                                td { (baocao_app::admin::group_name(&state.app, &m.group, l)) }
                                td { (m.unit_name) }
                            }
                        }
                    }
                }
            }
        }
        div.actions {
            a.button.secondary href="/account/password" { (t(l, "Đổi mật khẩu", "Change password")) }
            a.button.secondary href="/account/mail" { (t(l, "Thư thông báo", "Mail notifications")) }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Trang chủ", "Home"), Some(&who), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub captcha: String,
    #[serde(default)]
    pub csrf_token: String,
}

pub(crate) fn login_page(
    state: &AppState, l: Locale, csrf: &str, username: &str, error: Option<&WebError>,
) -> maud::Markup {
    let captcha_on = state.settings().auth.captcha;
    let body = html! {
        div.login.card {
            h1 { (t(l, "Đăng nhập", "Sign in")) }
            p.muted.centred { (t(l, "Hệ thống thông tin báo cáo bộ, ngành, địa phương", "Reporting information system of ministries and provinces")) }
            (flash(error, None, l))
            form method="post" action="/login" {
                input type="hidden" name="csrf_token" value=(csrf);
                label for="username" { (t(l, "Tên đăng nhập", "Username")) }
                input #username type="text" name="username" value=(username) autocomplete="username" required autofocus;
                label for="password" { (t(l, "Mật khẩu", "Password")) }
                input #password type="password" name="password" autocomplete="current-password" required;
                @if captcha_on {
                    label for="captcha" { (t(l, "Mã kiểm tra", "Verification code")) }
                    div.captcha {
                        img #captcha-image src="/captcha.png" alt=(t(l, "Mã kiểm tra", "Verification code")) width="200" height="64";
                        a.button.secondary href="/login" data-refresh-captcha="captcha-image" { (t(l, "Đổi mã kiểm tra", "New code")) }
                    }
                    input #captcha type="text" name="captcha" autocomplete="off" required;
                    (field_error(error, "captcha", l))
                }
                div.actions { button type="submit" { (t(l, "Đăng nhập", "Sign in")) } }
            }
            @if let Some(label) = baocao_app::identities::provider_label(&state.app) {
                div.actions.oidc { a.button.secondary #oidc-login href="/auth/oidc/login" { (t(l, "Đăng nhập với ", "Sign in with ")) (label) } }
            }
            p { a href="/forgot-password" { (t(l, "Quên mật khẩu?", "Forgot your password?")) } }
            p { a href="/public/compliance" { (t(l, "Công khai tình hình gửi báo cáo của các địa phương", "Public figures: how the provinces report")) } }
        }
    };
    layout(l, t(l, "Đăng nhập", "Sign in"), None, body)
}

async fn login_form(state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    let l = locale::of(&req);
    let (id, data, fresh) = pre_session(&state, &req).await.in_locale(l)?;
    if data.user_id.is_some() {
        return Ok(redirect("/"));
    }
    let mut response = html_page(StatusCode::OK, login_page(&state, l, &data.csrf_token, "", None));
    if fresh {
        response
            .add_cookie(&session_cookie(&state, id))
            .map_err(|e| baocao_http::page::PageError::new(Error::internal(e).into(), l))?;
    }
    Ok(response)
}

async fn captcha_image(state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    let l = locale::of(&req);
    let (id, mut data, fresh) = pre_session(&state, &req).await.in_locale(l)?;
    let challenge = captcha::generate().in_locale(l)?;
    data.captcha = Some(challenge.answer);
    state.sessions.save(&id, &data, ANONYMOUS_TTL).await.in_locale(l)?;
    let mut response = HttpResponse::Ok();
    response.content_type("image/png").insert_header(("Cache-Control", "no-store"));
    if fresh {
        response.cookie(session_cookie(&state, id));
    }
    Ok(response.body(challenge.png))
}

async fn login(state: web::Data<AppState>, req: HttpRequest, form: web::Form<LoginForm>) -> PageResult {
    let l = locale::of(&req);
    let form = form.into_inner();
    let (pre_id, mut pre, _) = pre_session(&state, &req).await.in_locale(l)?;
    if !constant_time_eq(&pre.csrf_token, &form.csrf_token) {
        // An expired sign-in page: show a fresh one rather than an error page.
        let fresh = SessionData::anonymous();
        state.sessions.save(&pre_id, &fresh, ANONYMOUS_TTL).await.in_locale(l)?;
        return Ok(html_page(
            StatusCode::FORBIDDEN,
            login_page(&state, l, &fresh.csrf_token, &form.username, Some(&WebError::Csrf)),
        ));
    }
    // A captcha answer is good for one attempt only.
    let expected = pre.captcha.take();
    state.sessions.save(&pre_id, &pre, ANONYMOUS_TTL).await.in_locale(l)?;
    let rule = CaptchaRule::Always { expected: expected.as_deref(), typed: &form.captcha };
    match baocao_http::principal::open_session(&state, client_ip(&req), &form.username, &form.password, rule).await {
        Ok((_, session, _)) => {
            state.sessions.delete(&pre_id).await.in_locale(l)?;
            let mut response = redirect("/");
            response
                .add_cookie(&session_cookie(&state, session))
                .map_err(|e| baocao_http::page::PageError::new(Error::internal(e).into(), l))?;
            Ok(response)
        }
        Err(error) => {
            let status = error.status();
            Ok(html_page(status, login_page(&state, l, &pre.csrf_token, &form.username, Some(&error))))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    pub csrf_token: String,
}

async fn logout(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<CsrfOnly>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    state.sessions.delete(&who.session_id).await.in_locale(l)?;
    let mut gone = session_cookie(&state, String::new());
    gone.make_removal();
    let mut response = redirect("/login");
    response.add_cookie(&gone).map_err(|e| baocao_http::page::PageError::new(Error::internal(e).into(), l))?;
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    pub csrf_token: String,
    pub current_password: String,
    pub new_password: String,
    pub confirm_password: String,
}

fn password_page(
    l: Locale, who: &baocao_http::principal::Principal, error: Option<&WebError>, ok: Option<&str>,
) -> maud::Markup {
    let body = html! {
        div.card {
            h1 { (t(l, "Đổi mật khẩu", "Change password")) }
            (flash(error, ok, l))
            p.muted { (t(l, "Mật khẩu có ít nhất 8 ký tự, gồm chữ thường, chữ in hoa, chữ số và ký tự đặc biệt.", "At least 8 characters with lower case, upper case, a digit and a symbol.")) }
            form method="post" action="/account/password" {
                (csrf_field(who))
                label for="current_password" { (t(l, "Mật khẩu hiện tại", "Current password")) }
                input #current_password type="password" name="current_password" autocomplete="current-password" required;
                (field_error(error, "current_password", l))
                (new_password_fields(error, l))
                div.actions { button type="submit" { (t(l, "Lưu", "Save")) } }
            }
        }
    };
    layout(l, t(l, "Đổi mật khẩu", "Change password"), Some(who), body)
}

async fn password_form(req: HttpRequest, who: PagePrincipal) -> PageResult {
    let l = locale::of(&req);
    Ok(html_page(StatusCode::OK, password_page(l, &who.0, None, None)))
}

async fn change_password(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<PasswordForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let result = match baocao_app::signin::confirmed(&form.new_password, &form.confirm_password) {
        Err(e) => Err(WebError::from(e)),
        Ok(()) => baocao_app::admin::change_own_password(&state.app, &who, &form.current_password, &form.new_password)
            .await
            .map_err(WebError::from),
    };
    match result {
        Ok(()) => {
            // The change voided every session of the account, this one too: open a fresh one here.
            state.sessions.delete(&who.session_id).await.in_locale(l)?;
            let session = SessionData::signed_in(who.user.id);
            let id = state.sessions.create(&session, state.session_ttl()).await.in_locale(l)?;
            let fresh = baocao_http::principal::Principal { session_id: id.clone(), session, ..who };
            let done = t(
                l,
                "Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.",
                "Password changed. Other sessions were signed out.",
            );
            let mut response = html_page(StatusCode::OK, password_page(l, &fresh, None, Some(done)));
            response
                .add_cookie(&session_cookie(&state, id))
                .map_err(|e| baocao_http::page::PageError::new(Error::internal(e).into(), l))?;
            Ok(response)
        }
        Err(e) => Ok(html_page(e.status(), password_page(l, &who, Some(&e), None))),
    }
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    pub csrf_token: String,
    pub token: String,
    pub new_password: String,
    pub confirm_password: String,
}

fn forgot_page(l: Locale, csrf: &str, error: Option<&WebError>, ok: Option<&str>, token: &str) -> maud::Markup {
    let body = html! {
        div.login.card {
            h1 { (t(l, "Quên mật khẩu", "Forgotten password")) }
            (flash(error, ok, l))
            @if token.is_empty() {
                form #by-mail method="post" action="/forgot-password/mail" {
                    input type="hidden" name="csrf_token" value=(csrf);
                    label for="account" { (t(l, "Tên đăng nhập hoặc địa chỉ thư điện tử", "User name or e-mail address")) }
                    input #account type="text" name="account" autocomplete="username" required;
                    div.actions {
                        button type="submit" name="what" value="password" { (t(l, "Gửi liên kết đặt lại mật khẩu", "Mail me a reset link")) }
                        button.secondary type="submit" name="what" value="username" { (t(l, "Gửi tên đăng nhập", "Mail me my user name")) }
                    }
                }
                p.muted { (t(l, "Không có địa chỉ thư điện tử? Liên hệ quản trị đơn vị để được cấp mã đặt lại mật khẩu (dùng một lần, có thời hạn), rồi nhập mã và mật khẩu mới dưới đây.",
                             "No e-mail address? Ask your unit's administrator for a one-time reset code, then enter it with your new password below.")) }
            }
            form method="post" action="/forgot-password" {
                input type="hidden" name="csrf_token" value=(csrf);
                label for="token" { (t(l, "Mã đặt lại mật khẩu", "Reset code")) }
                input #token type="text" name="token" value=(token) autocomplete="off" required;
                (field_error(error, "token", l))
                (new_password_fields(error, l))
                div.actions { button type="submit" { (t(l, "Đặt lại mật khẩu", "Reset password")) } a.button.secondary href="/login" { (t(l, "Đăng nhập", "Sign in")) } }
            }
        }
    };
    layout(l, t(l, "Quên mật khẩu", "Forgotten password"), None, body)
}

/// A reset mail's link opens this page with the code in its fragment, which
/// app.js puts in the form: the code never travels in a URL the server sees.
async fn forgot_form(state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    let l = locale::of(&req);
    let (id, data, fresh) = pre_session(&state, &req).await.in_locale(l)?;
    let mut response = html_page(StatusCode::OK, forgot_page(l, &data.csrf_token, None, None, ""));
    if fresh {
        response
            .add_cookie(&session_cookie(&state, id))
            .map_err(|e| baocao_http::page::PageError::new(Error::internal(e).into(), l))?;
    }
    Ok(response)
}

async fn forgot(state: web::Data<AppState>, req: HttpRequest, form: web::Form<ForgotForm>) -> PageResult {
    let l = locale::of(&req);
    let (_, pre, _) = pre_session(&state, &req).await.in_locale(l)?;
    if !constant_time_eq(&pre.csrf_token, &form.csrf_token) {
        return Ok(html_page(StatusCode::FORBIDDEN, forgot_page(l, &pre.csrf_token, Some(&WebError::Csrf), None, "")));
    }
    if let Some(ip) = client_ip(&req)
        && let Err(e) = baocao_app::signin::attempt_from(&state.app, ip).await
    {
        let e = WebError::from(e);
        return Ok(html_page(e.status(), forgot_page(l, &pre.csrf_token, Some(&e), None, "")));
    }
    let result = async {
        baocao_app::signin::confirmed(&form.new_password, &form.confirm_password)?;
        baocao_app::signin::reset_with_code(&state.app, &form.token, &form.new_password).await.map_err(WebError::from)
    }
    .await;
    match result {
        Ok(()) => {
            let done = t(
                l,
                "Đã đặt lại mật khẩu. Hãy đăng nhập bằng mật khẩu mới.",
                "Password reset. Sign in with the new password.",
            );
            Ok(html_page(StatusCode::OK, forgot_page(l, &pre.csrf_token, None, Some(done), "")))
        }
        Err(e) => Ok(html_page(e.status(), forgot_page(l, &pre.csrf_token, Some(&e), None, &form.token))),
    }
}

#[derive(Debug, Deserialize)]
pub struct ByMailForm {
    pub csrf_token: String,
    pub account: String,
    /// "password" or "username".
    pub what: String,
}

/// "Gửi liên kết" / "Gửi tên đăng nhập": the same answer whether or not the account exists.
async fn forgot_by_mail(state: web::Data<AppState>, req: HttpRequest, form: web::Form<ByMailForm>) -> PageResult {
    let l = locale::of(&req);
    let (_, pre, _) = pre_session(&state, &req).await.in_locale(l)?;
    if !constant_time_eq(&pre.csrf_token, &form.csrf_token) {
        return Ok(html_page(StatusCode::FORBIDDEN, forgot_page(l, &pre.csrf_token, Some(&WebError::Csrf), None, "")));
    }
    let account = form.account.trim().to_owned();
    let by_address = account.contains('@');
    let who = baocao_app::signin::Recovery {
        username: (!by_address).then(|| account.clone()),
        email: by_address.then(|| account.clone()),
    };
    let sent = if form.what == "username" {
        baocao_app::signin::forgot_username(&state.app, client_ip(&req), &who).await
    } else {
        baocao_app::signin::forgot_password(&state.app, client_ip(&req), &who).await
    };
    let done = t(
        l,
        "Nếu tài khoản tồn tại và có địa chỉ thư điện tử, thư đã được gửi; hãy kiểm tra hộp thư của bạn.",
        "If the account exists and has an e-mail address, the mail is on its way; check your inbox.",
    );
    match sent.map_err(WebError::from) {
        Ok(()) => Ok(html_page(StatusCode::OK, forgot_page(l, &pre.csrf_token, None, Some(done), ""))),
        Err(e) => Ok(html_page(e.status(), forgot_page(l, &pre.csrf_token, Some(&e), None, ""))),
    }
}
