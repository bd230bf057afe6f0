//! Administration of user accounts and their groups.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::Error;
use baocao_app::views::{UnitWithTenant, UserQuery};
use baocao_domain::ids::{UnitId, UserId};
use baocao_domain::text::Locale;
use baocao_domain::user::{User, UserStatus};
use maud::{Markup, html};
use serde::Deserialize;

use baocao_app::admin::{self, AccountInput, MembershipInput, NewUserInput, UserEdit};
use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::PagePrincipal;
use baocao_http::page::{
    InLocale, PageResult, csrf_field, field_error, flash, form_caller, html_page, layout, redirect,
};
use baocao_http::params::Params;
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

const PER_PAGE: u64 = 25;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users", web::get().to(list))
        .route("/users/new", web::get().to(new_form))
        .route("/users", web::post().to(create))
        .route("/users/{id}", web::get().to(detail))
        .route("/users/{id}", web::post().to(update))
        .route("/users/{id}/status", web::post().to(set_status))
        .route("/users/{id}/password", web::post().to(reset_password))
        .route("/users/{id}/reset-token", web::post().to(reset_token))
        .route("/users/{id}/groups", web::post().to(grant))
        .route("/users/{id}/groups/revoke", web::post().to(revoke));
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub unit: Option<i64>,
    pub page: Option<u64>,
}

async fn list(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<ListQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let q = query.into_inner();
    let paging =
        baocao_domain::types::Paging::parse(q.page, None, PER_PAGE).map_err(WebError::BadQuery).in_locale(l)?;
    let page = admin::users(
        &state.app,
        &who,
        &UserQuery {
            text: q.q.clone(),
            unit: q.unit.map(UnitId),
            include_disabled: true,
            page: paging.page,
            per_page: PER_PAGE,
        },
    )
    .await
    .in_locale(l)?;
    let text = q.q.clone().unwrap_or_default();
    let link = |p: u64| {
        format!(
            "/users?page={p}&q={}{}",
            form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>(),
            q.unit.map(|u| format!("&unit={u}")).unwrap_or_default()
        )
    };
    let body = html! {
        h1 { (t(l, "Quản trị người dùng", "User administration")) }
        form.card method="get" action="/users" {
            label for="q" { (t(l, "Tìm theo tên đăng nhập, họ tên, email, số điện thoại, CMND/CCCD", "Search by username, name, e-mail, phone, ID number")) }
            input #q type="search" name="q" value=(text);
            @if let Some(unit) = q.unit { input type="hidden" name="unit" value=(unit); }
            div.actions { button type="submit" { (t(l, "Tìm kiếm", "Search")) } a.button.secondary href="/users/new" { (t(l, "+ Thêm người dùng", "+ Add user")) } a.button.secondary href="/identities" { (t(l, "Tài khoản VNConnect chờ liên kết", "VNConnect accounts waiting")) } a.button.secondary href="/tenant" { (t(l, "Thiết lập đơn vị chủ quản", "Tenant settings")) } }
        }
        p.muted { (t(l, "Tổng số: ", "Total: ")) (page.total) }
        table #users {
            thead { tr { th { (t(l, "Tên đăng nhập", "Username")) } th { (t(l, "Họ và tên", "Full name")) } th { (t(l, "Đơn vị", "Unit")) } th { (t(l, "Nhóm người dùng", "Groups")) } th { (t(l, "Trạng thái", "Status")) } } }
            tbody {
                @for r in &page.items {
                    tr {
                        td { a href={ "/users/" (r.user.id.0) } { (r.user.username.as_str()) } }
                        td { (r.user.full_name.as_str()) }
                        td { (r.unit_name) }
                        td { @for m in &r.groups { div { (admin::group_name(&state.app, &m.group, l)) span.muted { " — " (m.unit_name) } } } }
                        td { (r.user.status.label().get(l)) }
                    }
                }
            }
        }
        (baocao_http::page::pager(page.page, page.total, PER_PAGE, link, l))
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Người dùng", "Users"), Some(&who), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub unit_id: i64,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub id_number: String,
    /// One group code; the detail page grants further ones.
    #[serde(default)]
    pub group: String,
}

async fn user_form_page(
    state: &AppState, l: Locale, who: &Principal, form: &UserForm, error: Option<&WebError>,
) -> Result<Markup, WebError> {
    let units = admin::manageable_units(&state.app, who).await?;
    let groups = admin::grantable_anywhere(&state.app, who, &units).await;
    Ok(html! {
        h1 { (t(l, "Thêm người dùng", "Add a user")) }
        (flash(error, None, l))
        form.card method="post" action="/users" {
            (csrf_field(who))
            div.grid2 {
                div {
                    label for="unit_id" { (t(l, "Cơ quan quản lý", "Managing unit")) }
                    select #unit_id name="unit_id" required {
                        @for u in &units { option value=(u.unit.id.0) selected[u.unit.id.0 == form.unit_id] { (u.unit.name.as_str()) } }
                    }
                    (field_error(error, "unit_id", l))
                    label for="username" { (t(l, "Tên đăng nhập", "Username")) }
                    input #username type="text" name="username" value=(form.username) required autocomplete="off";
                    (field_error(error, "username", l))
                    label for="password" { (t(l, "Mật khẩu", "Password")) }
                    input #password type="password" name="password" required autocomplete="new-password";
                    (field_error(error, "password", l))
                    label for="group" { (t(l, "Nhóm người dùng", "Group")) }
                    select #group name="group" {
                        option value="" { (t(l, "(chưa phân quyền)", "(none yet)")) }
                        @for g in &groups { option value=(g.code.as_str()) selected[form.group == g.code.as_str()] { (g.name.get(l)) } }
                    }
                    (field_error(error, "group", l))
                }
                div {
                    label for="full_name" { (t(l, "Họ và tên", "Full name")) }
                    input #full_name type="text" name="full_name" value=(form.full_name) required;
                    (field_error(error, "full_name", l))
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(form.email);
                    (field_error(error, "email", l))
                    label for="phone" { (t(l, "Số điện thoại", "Phone")) }
                    input #phone type="text" name="phone" value=(form.phone);
                    (field_error(error, "phone", l))
                    label for="id_number" { (t(l, "Số CMND/CCCD", "ID number")) }
                    input #id_number type="text" name="id_number" value=(form.id_number);
                    (field_error(error, "id_number", l))
                }
            }
            div.actions { button type="submit" { (t(l, "Thêm người dùng", "Add user")) } a.button.secondary href="/users" { (t(l, "Hủy", "Cancel")) } }
        }
    })
}

async fn new_form(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    let l = locale::of(&req);
    let body = user_form_page(&state, l, &who.0, &UserForm::default(), None).await.in_locale(l)?;
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Thêm người dùng", "Add a user"), Some(&who.0), body)))
}

fn blank(s: &str) -> Option<String> {
    if s.trim().is_empty() { None } else { Some(s.to_owned()) }
}

async fn create(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<UserForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let form = form.into_inner();
    let input = NewUserInput {
        unit_id: form.unit_id,
        account: AccountInput {
            username: form.username.clone(),
            password: form.password.clone(),
            full_name: form.full_name.clone(),
            email: blank(&form.email),
            phone: blank(&form.phone),
            id_number: blank(&form.id_number),
        },
        groups: blank(&form.group).into_iter().collect(),
    };
    match admin::create_user(&state.app, &who, input).await.map_err(WebError::from) {
        Ok(record) => Ok(redirect(&format!("/users/{}?created=1", record.user.id.0))),
        Err(WebError::App(Error::Forbidden(d))) => {
            Err(baocao_http::page::PageError::new(Error::Forbidden(d).into(), l))
        }
        Err(error) => {
            let body = user_form_page(&state, l, &who, &form, Some(&error)).await.in_locale(l)?;
            Ok(html_page(error.status(), layout(l, t(l, "Thêm người dùng", "Add a user"), Some(&who), body)))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DetailQuery {
    pub created: Option<u8>,
    pub saved: Option<u8>,
}

async fn detail_page(
    state: &AppState, l: Locale, who: &Principal, id: UserId, error: Option<&WebError>, ok: Option<&str>,
    token: Option<&str>,
) -> Result<Markup, WebError> {
    let record = admin::user(&state.app, who, id).await?;
    let unit = admin::unit_unscoped(&state.app, record.user.unit_id).await?;
    let manage = admin::may_manage_users_at(&state.app, who, &unit).await;
    let units = if manage { admin::manageable_units(&state.app, who).await? } else { Vec::new() };
    let groups = if manage { admin::grantable_anywhere(&state.app, who, &units).await } else { Vec::new() };
    let u = &record.user;
    let linked = baocao_app::identities::of_user(&state.app, who, u.id).await?;
    let from_provider = linked.is_some();
    let identity = crate::identities::identity_card(state, l, who, u.id, linked, manage);
    Ok(html! {
        h1 { (u.full_name.as_str()) " " span.muted { "(" (u.username.as_str()) ")" } }
        (flash(error, ok, l))
        @if let Some(token) = token {
            div.flash.ok role="status" {
                (t(l, "Mã đặt lại mật khẩu (chỉ hiển thị một lần, hãy chuyển cho người dùng): ", "Reset code (shown once; hand it to the user): "))
                code #reset-token { (token) }
            }
        }
        div.card {
            h2 { (t(l, "Nhóm người dùng", "Groups")) }
            table #memberships {
                thead { tr { th { (t(l, "Nhóm", "Group")) } th { (t(l, "Tại đơn vị", "At unit")) } @if manage { th {} } } }
                tbody {
                    @for m in &record.groups {
                        tr {
                            td { (admin::group_name(&state.app, &m.group, l)) }
                            td { (m.unit_name) }
                            @if manage {
                                td {
                                    form.inline method="post" action={ "/users/" (u.id.0) "/groups/revoke" } {
                                        (csrf_field(who))
                                        input type="hidden" name="group" value=(m.group.as_str());
                                        input type="hidden" name="unit_id" value=(m.unit_id.0);
                                        button.secondary type="submit" { (t(l, "Thu hồi", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if manage {
                form method="post" action={ "/users/" (u.id.0) "/groups" } {
                    (csrf_field(who))
                    div.grid2 {
                        div {
                            label for="grant-group" { (t(l, "Gán nhóm", "Grant group")) }
                            select #grant-group name="group" { @for g in &groups { option value=(g.code.as_str()) { (g.name.get(l)) } } }
                        }
                        div {
                            label for="grant-unit" { (t(l, "Tại đơn vị", "At unit")) }
                            select #grant-unit name="unit_id" { @for un in &units { option value=(un.unit.id.0) selected[un.unit.id == u.unit_id] { (un.unit.name.as_str()) } } }
                        }
                    }
                    (field_error(error, "group", l))
                    div.actions { button type="submit" { (t(l, "Gán", "Grant")) } }
                }
            }
        }
        (identity)
        @if manage { (account_cards(u, &units, who, from_provider, error, l)) }
    })
}

/// The forms that change an account: its details, its password, its status.
/// With a linked identity the provider's fields are read-only.
fn account_cards(
    u: &User, units: &[UnitWithTenant], who: &Principal, from_provider: bool, error: Option<&WebError>, l: Locale,
) -> Markup {
    let opt = |v: Option<&str>| v.unwrap_or("").to_owned();
    html! {
    form.card method="post" action={ "/users/" (u.id.0) } {
        h2 { (t(l, "Thông tin tài khoản", "Account")) }
        (csrf_field(who))
        div.grid2 {
            div {
                label for="full_name" { (t(l, "Họ và tên", "Full name")) }
                input #full_name type="text" name="full_name" value=(u.full_name.as_str()) required readonly[from_provider];
                (field_error(error, "full_name", l))
                label for="email" { "Email" }
                input #email type="email" name="email" value=(opt(u.email.as_ref().map(|e| e.as_str()))) readonly[from_provider];
                (field_error(error, "email", l))
            }
            div {
                label for="phone" { (t(l, "Số điện thoại", "Phone")) }
                input #phone type="text" name="phone" value=(opt(u.phone.as_ref().map(|p| p.as_str()))) readonly[from_provider];
                (field_error(error, "phone", l))
                label for="id_number" { (t(l, "Số CMND/CCCD", "ID number")) }
                input #id_number type="text" name="id_number" value=(opt(u.id_number.as_ref().map(|i| i.as_str()))) readonly[from_provider];
                (field_error(error, "id_number", l))
                label for="unit" { (t(l, "Cơ quan quản lý", "Managing unit")) }
                select #unit name="unit_id" { @for un in units { option value=(un.unit.id.0) selected[un.unit.id == u.unit_id] { (un.unit.name.as_str()) } } }
            }
        }
        div.actions { button type="submit" { (t(l, "Lưu", "Save")) } }
    }
    div.card {
        h2 { (t(l, "Mật khẩu và trạng thái", "Password and status")) }
        form method="post" action={ "/users/" (u.id.0) "/password" } {
            (csrf_field(who))
            label for="new-password" { (t(l, "Đặt lại mật khẩu", "Reset password")) }
            input #new-password type="password" name="password" autocomplete="new-password" required;
            (field_error(error, "password", l))
            div.actions { button type="submit" { (t(l, "Đặt lại mật khẩu", "Reset password")) } }
        }
        div.actions {
            form.inline method="post" action={ "/users/" (u.id.0) "/reset-token" } {
                (csrf_field(who))
                button.secondary type="submit" { (t(l, "Cấp mã đặt lại mật khẩu", "Issue a reset code")) }
            }
            form.inline method="post" action={ "/users/" (u.id.0) "/status" } data-confirm=(t(l, "Xác nhận thay đổi trạng thái tài khoản?", "Change the account's status?")) {
                (csrf_field(who))
                @if u.status == UserStatus::Active {
                    input type="hidden" name="status" value="disabled";
                    button.danger type="submit" { (t(l, "Khóa tài khoản", "Deactivate")) }
                } @else {
                    input type="hidden" name="status" value="active";
                    button type="submit" { (t(l, "Mở khóa tài khoản", "Reactivate")) }
                }
            }
        }
    }
    }
}

async fn render_detail(
    state: &AppState, l: Locale, who: &Principal, id: UserId, result: Result<Option<&str>, impl Into<WebError>>,
    token: Option<&str>,
) -> PageResult {
    let (status, error, ok) = baocao_http::page::outcome(result, l)?;
    let body = detail_page(state, l, who, id, error.as_ref(), ok, token).await.in_locale(l)?;
    Ok(html_page(status, layout(l, t(l, "Người dùng", "User"), Some(who), body)))
}

async fn detail(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, query: Params<DetailQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let ok = if query.created.is_some() {
        Some(t(l, "Đã thêm người dùng.", "User added."))
    } else if query.saved.is_some() {
        Some(t(l, "Đã lưu.", "Saved."))
    } else {
        None
    };
    render_detail(&state, l, &who.0, UserId(*id), Ok::<_, WebError>(ok), None).await
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    pub csrf_token: String,
    pub full_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub id_number: String,
    pub unit_id: Option<i64>,
}

async fn update(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<EditForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let form = form.into_inner();
    let edit = UserEdit {
        full_name: form.full_name,
        email: blank(&form.email),
        phone: blank(&form.phone),
        id_number: blank(&form.id_number),
        unit_id: form.unit_id,
    };
    let id = UserId(*id);
    match admin::update_user(&state.app, &who, id, edit).await {
        Ok(_) => Ok(redirect(&format!("/users/{}?saved=1", id.0))),
        Err(e) => render_detail(&state, l, &who, id, Err::<Option<&str>, _>(e), None).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct StatusForm {
    pub csrf_token: String,
    pub status: String,
}

async fn set_status(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<StatusForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let id = UserId(*id);
    let status = UserStatus::parse(&form.status).ok_or_else(|| WebError::BadRequest("status".into())).in_locale(l)?;
    let result = admin::set_user_status(&state.app, &who, id, status)
        .await
        .map(|_| Some(t(l, "Đã cập nhật trạng thái.", "Status updated.")));
    render_detail(&state, l, &who, id, result, None).await
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    pub csrf_token: String,
    pub password: String,
}

async fn reset_password(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<PasswordForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let id = UserId(*id);
    let result = admin::reset_password(&state.app, &who, id, &form.password)
        .await
        .map(|_| Some(t(l, "Đã đặt lại mật khẩu.", "Password reset.")));
    render_detail(&state, l, &who, id, result, None).await
}

async fn reset_token(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<super::signin::CsrfOnly>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let id = UserId(*id);
    let token = admin::issue_reset_token(&state.app, &who, id).await.in_locale(l)?;
    render_detail(&state, l, &who, id, Ok::<_, WebError>(None), Some(&token)).await
}

#[derive(Debug, Deserialize)]
pub struct MembershipForm {
    pub csrf_token: String,
    pub group: String,
    pub unit_id: i64,
}

async fn grant(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<MembershipForm>,
) -> PageResult {
    change_membership(state, req, who, id, form, true).await
}

async fn revoke(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<MembershipForm>,
) -> PageResult {
    change_membership(state, req, who, id, form, false).await
}

async fn change_membership(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<MembershipForm>, grant: bool,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let id = UserId(*id);
    let form = form.into_inner();
    let input = MembershipInput { group: form.group, unit_id: form.unit_id };
    let result = if grant {
        admin::grant(&state.app, &who, id, input).await.map(|_| Some(t(l, "Đã gán nhóm.", "Group granted.")))
    } else {
        admin::revoke(&state.app, &who, id, input).await.map(|_| Some(t(l, "Đã thu hồi nhóm.", "Group revoked.")))
    };
    render_detail(&state, l, &who, id, result, None).await
}
