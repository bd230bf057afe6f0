//! "Đăng nhập với VNConnect": the redirect to the identity provider and the
//! way back; the administrators' page of identities waiting to be linked;
//! the linked identity on a user's page.

use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::Error;
use baocao_app::identities::{self, Callback, UserFromIdentity, WaitingIdentity};
use baocao_domain::identity::Identity;
use baocao_domain::ids::{IdentityId, UserId};
use baocao_domain::text::Locale;
use baocao_identity::session::{ANONYMOUS_TTL, SessionData};
use maud::{Markup, html};
use serde::Deserialize;

use baocao_http::api::auth::session_cookie;
use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::{
    InLocale, PageError, PagePrincipal, PageResult, csrf_field, flash, form_caller, html_page, layout, outcome,
    redirect,
};
use baocao_http::params::Params;
use baocao_http::principal::{Principal, session_id};
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/oidc/login", web::get().to(begin))
        .route("/auth/oidc/callback", web::get().to(callback))
        .route("/identities", web::get().to(list))
        .route("/identities/{id}/link", web::post().to(link))
        .route("/identities/{id}/user", web::post().to(create_user))
        .route("/users/{id}/identity/unlink", web::post().to(unlink));
}

/// Sends the browser to the provider; the flow waits in its (new or
/// existing anonymous) session for the way back.
async fn begin(state: web::Data<AppState>, req: HttpRequest) -> PageResult {
    let l = locale::of(&req);
    let (url, flow) = identities::begin_sign_in(&state.app).await.in_locale(l)?;
    let existing = match session_id(&req) {
        Some((id, true)) => {
            state.sessions.load(&id).await.in_locale(l)?.filter(|d| d.user_id.is_none()).map(|d| (id, d))
        }
        _ => None,
    };
    let (id, mut data, fresh) = match existing {
        Some((id, data)) => (id, data, false),
        None => {
            state.anonymous_session_allowed(&req).await.in_locale(l)?;
            (String::new(), SessionData::anonymous(), true)
        }
    };
    data.oidc = Some(flow);
    let id = if fresh { state.sessions.create(&data, ANONYMOUS_TTL).await.in_locale(l)? } else { id };
    if !fresh {
        state.sessions.save(&id, &data, ANONYMOUS_TTL).await.in_locale(l)?;
    }
    let mut response = HttpResponse::SeeOther();
    response.insert_header(("Location", url)).insert_header(("Cache-Control", "no-store"));
    Ok(response.cookie(session_cookie(&state, id)).finish())
}

/// The provider's redirect back: the flow is taken out of the session
/// before anything else, so the same callback never works twice.
async fn callback(state: web::Data<AppState>, req: HttpRequest, query: Params<Callback>) -> PageResult {
    let l = locale::of(&req);
    let mut pre = None;
    if let Some((id, true)) = session_id(&req)
        && let Some(mut data) = state.sessions.load(&id).await.in_locale(l)?
    {
        let flow = data.oidc.take();
        state.sessions.save(&id, &data, ANONYMOUS_TTL).await.in_locale(l)?;
        pre = Some((id, data, flow));
    }
    let flow = pre.as_mut().and_then(|(_, _, flow)| flow.take());
    match identities::finish_sign_in(&state.app, flow, &query).await {
        Ok(user) => {
            if let Some((id, _, _)) = &pre {
                state.sessions.delete(id).await.in_locale(l)?;
            }
            state.metrics.logins.with_label_values(&["success"]).inc();
            let session = SessionData::signed_in(user.id);
            let id = state.sessions.create(&session, state.session_ttl()).await.in_locale(l)?;
            let mut response = redirect("/");
            response
                .add_cookie(&session_cookie(&state, id))
                .map_err(|e| PageError::new(Error::internal(e).into(), l))?;
            Ok(response)
        }
        Err(error) => {
            state.metrics.logins.with_label_values(&["oidc_refused"]).inc();
            let error = WebError::from(error);
            let csrf = pre.map(|(_, data, _)| data.csrf_token).unwrap_or_default();
            Ok(html_page(error.status(), crate::signin::login_page(&state, l, &csrf, "", Some(&error))))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub done: Option<String>,
}

fn identity_rows(
    found: &[WaitingIdentity], who: &Principal, units: &[baocao_app::views::UnitWithTenant], l: Locale,
) -> Markup {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        table #identities {
            thead { tr {
                th { (t(l, "Họ và tên", "Full name")) } th { (t(l, "Số CCCD", "CCCD number")) }
                th { (t(l, "Điện thoại", "Phone")) } th { "Email" } th { (t(l, "Lần đăng nhập gần nhất", "Last sign-in")) } th {}
            } }
            tbody { @for i in found {
                tr data-identity=(i.id.0) {
                    td { (opt(&i.full_name)) } td { (opt(&i.id_number)) } td { (opt(&i.phone)) } td { (opt(&i.email)) }
                    td { (baocao_domain::format::moment(i.last_seen_at, l)) }
                    td {
                        form.inline method="post" action={ "/identities/" (i.id.0) "/link" } {
                            (csrf_field(who))
                            input type="text" name="username" required placeholder=(t(l, "Tên đăng nhập", "User name")) aria-label=(t(l, "Liên kết với tên đăng nhập", "Link to user name"));
                            button type="submit" { (t(l, "Liên kết", "Link")) }
                        }
                        form.inline method="post" action={ "/identities/" (i.id.0) "/user" } {
                            (csrf_field(who))
                            input type="text" name="username" required placeholder=(t(l, "Tên đăng nhập mới", "New user name")) aria-label=(t(l, "Tên đăng nhập mới", "New user name"));
                            select name="unit_id" aria-label=(t(l, "Cơ quan quản lý", "Managing unit")) {
                                @for u in units { option value=(u.unit.id.0) { (u.unit.name.as_str()) } }
                            }
                            button.secondary type="submit" { (t(l, "Tạo người dùng", "Create user")) }
                        }
                    }
                }
            } }
        }
    }
}

async fn list_page(
    state: &AppState, l: Locale, who: &Principal, q: &str, error: Option<&WebError>, ok: Option<&str>,
) -> Result<Markup, WebError> {
    let found = match identities::search(&state.app, who, q).await {
        Ok(found) => found,
        Err(e @ Error::Invalid(_)) if error.is_none() => {
            return list_page_with(state, l, who, q, &[], Some(&e.into()), ok).await;
        }
        Err(e) => return Err(e.into()),
    };
    list_page_with(state, l, who, q, &found, error, ok).await
}

async fn list_page_with(
    state: &AppState, l: Locale, who: &Principal, q: &str, found: &[WaitingIdentity], error: Option<&WebError>,
    ok: Option<&str>,
) -> Result<Markup, WebError> {
    let units = baocao_app::admin::manageable_units(&state.app, who).await?;
    Ok(html! {
        h1 { (t(l, "Tài khoản VNConnect chờ liên kết", "VNConnect accounts waiting to be linked")) }
        (flash(error, ok, l))
        form.card method="get" action="/identities" {
            label for="q" { (t(l, "Tìm theo họ tên, số CCCD, số điện thoại hoặc email", "Search by name, CCCD number, phone or e-mail")) }
            input #q type="search" name="q" value=(q);
            p.muted { (t(l, "Tìm theo họ tên thì các số được che bớt; nhập đủ số CCCD, số điện thoại hoặc email để xem đầy đủ.", "A search by name shows the numbers masked; type a whole CCCD number, phone or e-mail to see them whole.")) }
            div.actions { button type="submit" { (t(l, "Tìm kiếm", "Search")) } }
        }
        @if found.is_empty() {
            p.muted { (t(l, "Không có tài khoản nào đang chờ.", "No account is waiting.")) }
        } @else {
            (identity_rows(found, who, &units, l))
        }
        p { a href="/tenant" { (t(l, "Thiết lập của đơn vị chủ quản (bắt buộc đăng nhập bằng VNConnect)", "Tenant settings (require VNConnect)")) } }
    })
}

async fn render(
    state: &AppState, l: Locale, who: &Principal, q: &str, result: Result<Option<&str>, Error>,
) -> PageResult {
    let (status, error, ok) = outcome(result, l)?;
    let body = list_page(state, l, who, q, error.as_ref(), ok).await.in_locale(l)?;
    Ok(html_page(status, layout(l, t(l, "Tài khoản VNConnect", "VNConnect accounts"), Some(who), body)))
}

async fn list(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<ListQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let q = query.into_inner();
    let ok = q.done.as_deref().map(|_| t(l, "Đã liên kết tài khoản VNConnect.", "The VNConnect account was linked."));
    render(&state, l, &who.0, q.q.as_deref().unwrap_or_default(), Ok(ok)).await
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    pub csrf_token: String,
    pub username: String,
}

async fn link(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<LinkForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    match identities::link_by_username(&state.app, &who, IdentityId(*id), &form.username).await {
        Ok(_) => Ok(redirect("/identities?done=1")),
        Err(e) => render(&state, l, &who, "", Err(e)).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    pub csrf_token: String,
    pub username: String,
    pub unit_id: i64,
}

async fn create_user(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<CreateForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let input = UserFromIdentity { username: form.username.clone(), unit_id: form.unit_id };
    match identities::create_user(&state.app, &who, IdentityId(*id), &input).await {
        Ok(record) => Ok(redirect(&format!("/users/{}?created=1", record.user.id.0))),
        Err(e) => render(&state, l, &who, "", Err(e)).await,
    }
}

async fn unlink(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<crate::signin::CsrfOnly>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    identities::unlink(&state.app, &who, UserId(*id)).await.in_locale(l)?;
    Ok(redirect(&format!("/users/{}?saved=1", *id)))
}

/// The identity linked to a user, read-only (it comes from the provider),
/// with the unlink button for those who manage the user.
pub fn identity_card(
    state: &AppState, l: Locale, who: &Principal, user: UserId, linked: Option<Identity>, manage: bool,
) -> Markup {
    if linked.is_none() && identities::provider_label(&state.app).is_none() {
        return html! {};
    }
    html! {
        div.card #identity {
            h2 { (t(l, "Tài khoản VNConnect", "VNConnect account")) }
            @match linked {
                None => p.muted { (t(l, "Chưa liên kết. Khi người dùng đăng nhập bằng VNConnect lần đầu, tài khoản sẽ hiện ở trang ", "Not linked. After the person's first VNConnect sign-in, the account appears on the page ")) a href="/identities" { (t(l, "Tài khoản VNConnect chờ liên kết", "VNConnect accounts waiting")) } "." },
                Some(i) => {
                    p.muted { (t(l, "Thông tin do VNConnect cung cấp, chỉ xem.", "Provided by VNConnect; read-only.")) }
                    dl {
                        dt { (t(l, "Họ và tên", "Full name")) } dd { (i.claims.full_name.clone().unwrap_or_default()) }
                        dt { (t(l, "Số CCCD", "CCCD number")) } dd { (i.claims.id_number.clone().unwrap_or_default()) }
                        dt { (t(l, "Điện thoại", "Phone")) } dd { (i.claims.phone.clone().unwrap_or_default()) }
                        dt { "Email" } dd { (i.claims.email.clone().unwrap_or_default()) }
                        dt { (t(l, "Lần đăng nhập gần nhất", "Last sign-in")) } dd { (baocao_domain::format::moment(i.last_seen_at, l)) }
                    }
                    @if manage {
                        form.inline method="post" action={ "/users/" (user.0) "/identity/unlink" } data-confirm=(t(l, "Gỡ liên kết tài khoản VNConnect?", "Unlink the VNConnect account?")) {
                            (csrf_field(who))
                            button.danger type="submit" { (t(l, "Gỡ liên kết", "Unlink")) }
                        }
                    }
                }
            }
        }
    }
}
