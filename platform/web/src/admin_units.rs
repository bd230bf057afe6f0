//! Administration of the unit tree, reorganisations and the audit log.

use baocao_app::Error;
use baocao_app::views::AuditEntry;
use baocao_domain::audit;
use baocao_domain::text::Localised as _;
use baocao_domain::unit::{LEVELS, level_label};
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use baocao_app::views::UnitWithTenant;
use baocao_domain::format;
use baocao_domain::ids::UnitId;
use baocao_domain::text::Locale;
use baocao_domain::unit::Unit;
use maud::{Markup, html};
use serde::Deserialize;

use baocao_app::admin::{self, AccountInput, NewUnitInput, ReorganisationInput, UnitEdit};
use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::PagePrincipal;
use baocao_http::page::{
    InLocale, PageResult, csrf_field, field_error, flash, form_caller, html_page, layout, redirect,
};
use baocao_http::params::Params;
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/units", web::get().to(tree))
        .route("/units/new", web::get().to(new_form))
        .route("/units", web::post().to(create))
        .route("/units/reorganise", web::get().to(reorganise_form))
        .route("/units/reorganise", web::post().to(reorganise))
        .route("/units/{id}", web::get().to(detail))
        .route("/units/{id}", web::post().to(update))
        .route("/units/{id}/delete", web::post().to(delete))
        .route("/units/{id}/receiver", web::post().to(set_receiver))
        .route("/audit", web::get().to(audit));
}

fn validity(u: &UnitWithTenant, l: Locale) -> Markup {
    html! {
        @if let Some(end) = u.unit.valid_to {
            span.badge.closed { (t(l, "Hết hiệu lực sau ", "Closed after ")) (format::date(end, l)) }
        }
    }
}

async fn can_manage_below(state: &AppState, who: &Principal, u: &UnitWithTenant) -> bool {
    u.unit.valid_to.is_none() && admin::may_manage_units_below(&state.app, who, &u.unit).await
}

async fn tree(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let units = admin::visible_units(&state.app, &who).await.in_locale(l)?;
    let visible: HashMap<UnitId, usize> = units.iter().enumerate().map(|(i, u)| (u.unit.id, i)).collect();
    // Children by parent; a unit whose parent is not visible is a top of the caller's forest.
    let mut children: HashMap<Option<UnitId>, Vec<usize>> = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        let parent = u.unit.parent_id.filter(|p| visible.contains_key(p));
        children.entry(parent).or_default().push(i);
    }
    let mut addable = Vec::with_capacity(units.len());
    for u in &units {
        addable.push(can_manage_below(&state, &who, u).await);
    }
    fn render(
        i: usize, units: &[UnitWithTenant], children: &HashMap<Option<UnitId>, Vec<usize>>, addable: &[bool], l: Locale,
    ) -> Markup {
        let u = &units[i];
        html! {
            li data-unit-id=(u.unit.id.0) {
                span.node {
                    a href={ "/units/" (u.unit.id.0) } { (u.unit.name.as_str()) }
                    span.badge { (u.unit.kind.as_str()) }
                    (validity(u, l))
                    @if addable[i] { a href={ "/units/new?parent=" (u.unit.id.0) } { (t(l, "+ Thêm đơn vị con", "+ Add child unit")) } }
                }
                @if let Some(kids) = children.get(&Some(u.unit.id)) {
                    ul { @for k in kids { (render(*k, units, children, addable, l)) } }
                }
            }
        }
    }
    let body = html! {
        h1 { (t(l, "Cây đơn vị", "Unit tree")) }
        div.actions { a.button.secondary href="/units/reorganise" { (t(l, "Sáp nhập, chia tách, chuyển đơn vị", "Merge, split or move units")) } }
        div.card {
            @if units.is_empty() { p.muted { (t(l, "Bạn chưa được xem đơn vị nào.", "You cannot see any unit yet.")) } }
            ul.tree #unit-tree { @for i in children.get(&None).into_iter().flatten() { (render(*i, &units, &children, &addable, l)) } }
        }
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Cây đơn vị", "Unit tree"), Some(&who), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct UnitForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub parent_id: i64,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub tenant_kind: String,
    #[serde(default)]
    pub admin_username: String,
    #[serde(default)]
    pub admin_password: String,
    #[serde(default)]
    pub admin_full_name: String,
    #[serde(default)]
    pub admin_email: String,
    #[serde(default)]
    pub admin_group: String,
}

async fn unit_form_page(
    state: &AppState, l: Locale, who: &Principal, form: &UnitForm, error: Option<&WebError>,
) -> Result<Markup, WebError> {
    let parents = admin::possible_parents(&state.app, who).await?;
    let parent = parents.iter().find(|u| u.unit.id.0 == form.parent_id);
    let under_root = parent.is_some_and(|p| p.unit.parent_id.is_none());
    let groups = match parent {
        Some(p) => admin::groups_grantable_below(&state.app, who, &p.unit).await,
        None => Vec::new(),
    };
    Ok(html! {
        h1 { (t(l, "Thêm đơn vị", "Add a unit")) }
        (flash(error, None, l))
        form.card method="post" action="/units" {
            (csrf_field(who))
            div.grid2 {
                div {
                    label for="parent_id" { (t(l, "Đơn vị cấp trên", "Parent unit")) }
                    select #parent_id name="parent_id" required {
                        @for p in &parents {
                            option value=(p.unit.id.0) selected[p.unit.id.0 == form.parent_id] { (p.unit.name.as_str()) }
                        }
                    }
                    (field_error(error, "parent_id", l))
                    label for="name" { (t(l, "Tên đơn vị", "Unit name")) }
                    input #name type="text" name="name" value=(form.name) required;
                    (field_error(error, "name", l))
                    label for="code" { (t(l, "Mã đơn vị", "Unit code")) }
                    input #code type="text" name="code" value=(form.code) required placeholder="vd: so-tu-phap";
                    (field_error(error, "code", l))
                    label for="kind" { (t(l, "Loại đơn vị", "Unit kind")) }
                    input #kind type="text" name="kind" value=(form.kind) required placeholder=(t(l, "Sở, UBND huyện, UBND xã, Cục …", "Department, district, commune …"));
                    (field_error(error, "kind", l))
                    label for="level" { (t(l, "Cấp hành chính", "Administrative level")) }
                    input #level type="text" name="level" value=(form.level) list="levels" required;
                    datalist #levels { @for (code, vi, en) in LEVELS { option value=(code) { (if l == Locale::Vi { *vi } else { *en }) } } }
                    (field_error(error, "level", l))
                    label for="valid_from" { (t(l, "Hiệu lực từ ngày (dd/MM/yyyy)", "Valid from (dd/MM/yyyy)")) }
                    input #valid_from type="text" name="valid_from" value=(if form.valid_from.is_empty() { format::date(baocao_domain::clock::vietnam_date(chrono::Utc::now()), Locale::Vi) } else { form.valid_from.clone() });
                    (field_error(error, "valid_from", l))
                    @if under_root {
                        label for="tenant_kind" { (t(l, "Loại đơn vị chủ quản", "Tenant kind")) }
                        select #tenant_kind name="tenant_kind" {
                            option value="province" selected[form.tenant_kind == "province"] { (t(l, "Tỉnh, thành phố", "Province")) }
                            option value="ministry" selected[form.tenant_kind == "ministry"] { (t(l, "Bộ, cơ quan ngang bộ", "Ministry")) }
                            option value="sector" selected[form.tenant_kind == "sector"] { (t(l, "Ngành dọc", "Vertical sector")) }
                        }
                        (field_error(error, "tenant_kind", l))
                    }
                }
                div {
                    h2 { (t(l, "Tài khoản quản trị của đơn vị (không bắt buộc)", "The unit's administrator (optional)")) }
                    label for="admin_username" { (t(l, "Tên đăng nhập", "Username")) }
                    input #admin_username type="text" name="admin_username" value=(form.admin_username) autocomplete="off";
                    (field_error(error, "username", l))
                    label for="admin_full_name" { (t(l, "Họ và tên", "Full name")) }
                    input #admin_full_name type="text" name="admin_full_name" value=(form.admin_full_name);
                    (field_error(error, "full_name", l))
                    label for="admin_email" { "Email" }
                    input #admin_email type="email" name="admin_email" value=(form.admin_email);
                    (field_error(error, "email", l))
                    label for="admin_password" { (t(l, "Mật khẩu", "Password")) }
                    input #admin_password type="password" name="admin_password" autocomplete="new-password";
                    (field_error(error, "password", l))
                    label for="admin_group" { (t(l, "Nhóm quản trị", "Administration group")) }
                    select #admin_group name="admin_group" {
                        option value="" { (t(l, "(theo cấp của đơn vị)", "(by the unit's level)")) }
                        @for g in &groups { option value=(g.code.as_str()) selected[form.admin_group == g.code.as_str()] { (g.name.get(l)) } }
                    }
                    (field_error(error, "admin_group", l))
                    (field_error(error, "group", l))
                }
            }
            div.actions { button type="submit" { (t(l, "Thêm đơn vị", "Add unit")) } a.button.secondary href="/units" { (t(l, "Hủy", "Cancel")) } }
        }
    })
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    pub parent: Option<i64>,
}

async fn new_form(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<NewQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let form = UnitForm { parent_id: query.parent.unwrap_or_default(), ..Default::default() };
    let body = unit_form_page(&state, l, &who.0, &form, None).await.in_locale(l)?;
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Thêm đơn vị", "Add a unit"), Some(&who.0), body)))
}

async fn create(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<UnitForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let form = form.into_inner();
    let blank = |s: &str| if s.trim().is_empty() { None } else { Some(s.to_owned()) };
    let input = NewUnitInput {
        parent_id: form.parent_id,
        code: form.code.clone(),
        name: form.name.clone(),
        kind: form.kind.clone(),
        level: form.level.clone(),
        valid_from: blank(&form.valid_from),
        tenant_kind: blank(&form.tenant_kind),
        admin: blank(&form.admin_username).map(|username| AccountInput {
            username,
            password: form.admin_password.clone(),
            full_name: form.admin_full_name.clone(),
            email: blank(&form.admin_email),
            phone: None,
            id_number: None,
        }),
        admin_group: blank(&form.admin_group),
    };
    match admin::create_unit(&state.app, &who, input).await.map_err(WebError::from) {
        Ok(unit) => Ok(redirect(&format!("/units/{}?created=1", unit.id.0))),
        Err(WebError::App(Error::Forbidden(d))) => {
            Err(baocao_http::page::PageError::new(Error::Forbidden(d).into(), l))
        }
        Err(error) => {
            let body = unit_form_page(&state, l, &who, &form, Some(&error)).await.in_locale(l)?;
            Ok(html_page(error.status(), layout(l, t(l, "Thêm đơn vị", "Add a unit"), Some(&who), body)))
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct DetailQuery {
    pub created: Option<u8>,
    pub saved: Option<u8>,
}

async fn detail_page(
    state: &AppState, l: Locale, who: &Principal, id: UnitId, error: Option<&WebError>, ok: Option<&str>,
) -> Result<Markup, WebError> {
    let page = admin::unit_page(&state.app, who, id).await?;
    let (unit, successors) = (&page.unit, &page.successors);
    let u = &unit.unit;
    Ok(html! {
        h1 { (u.name.as_str()) }
        (flash(error, ok, l))
        div.card {
            table {
                tbody {
                    tr { th { (t(l, "Mã", "Code")) } td { (u.code.as_str()) } }
                    tr { th { (t(l, "Loại", "Kind")) } td { (u.kind.as_str()) } }
                    tr { th { (t(l, "Cấp", "Level")) } td { (level_label(u.level.as_str()).get(l)) } }
                    tr { th { (t(l, "Đơn vị chủ quản", "Tenant")) } td { (unit.tenant_kind.label().get(l)) } }
                    tr { th { (t(l, "Hiệu lực", "Validity")) } td {
                        (format::date(u.valid_from, l)) " – " (u.valid_to.map(|d| format::date(d, l)).unwrap_or_else(|| t(l, "nay", "now").to_owned()))
                    } }
                    @if !successors.is_empty() {
                        tr { th { (t(l, "Đơn vị kế thừa", "Successors")) } td {
                            @for s in successors { a href={ "/units/" (s.id.0) } { (s.name.as_str()) } " " }
                        } }
                    }
                }
            }
            p { a href={ "/users?unit=" (u.id.0) } { (t(l, "Người dùng của đơn vị", "Users of this unit")) } }
        }
        @if page.manage { (edit_form(u, who, error, l)) }
        @if let Some(receivers) = &page.receivers { (receiver_form(u, receivers, who, l)) }
        @if page.manage_parent { (delete_form(u, who, l)) }
    })
}

fn edit_form(u: &Unit, who: &Principal, error: Option<&WebError>, l: Locale) -> Markup {
    html! {
    form.card method="post" action={ "/units/" (u.id.0) } {
        h2 { (t(l, "Sửa thông tin", "Edit")) }
        (csrf_field(who))
        label for="name" { (t(l, "Tên đơn vị", "Unit name")) }
        input #name type="text" name="name" value=(u.name.as_str()) required;
        (field_error(error, "name", l))
        label for="code" { (t(l, "Mã đơn vị", "Unit code")) }
        input #code type="text" name="code" value=(u.code.as_str()) required;
        (field_error(error, "code", l))
        label for="kind" { (t(l, "Loại đơn vị", "Unit kind")) }
        input #kind type="text" name="kind" value=(u.kind.as_str()) required;
        label for="level" { (t(l, "Cấp hành chính", "Administrative level")) }
        input #level type="text" name="level" value=(u.level.as_str()) required;
        div.actions { button type="submit" { (t(l, "Lưu", "Save")) } }
    }
    }
}

/// Which unit receives this unit's reports, for one regime or all.
fn receiver_form(u: &Unit, receivers: &admin::ReceiverChoices, who: &Principal, l: Locale) -> Markup {
    html! {
    form.card method="post" action={ "/units/" (u.id.0) "/receiver" } {
        h2 { (t(l, "Cấu hình đơn vị nhận báo cáo", "Receiving unit")) }
        (csrf_field(who))
        @let current = receivers.current.as_ref();
        p.muted { (t(l, "Đơn vị nhận báo cáo hiện tại (mọi chế độ): ", "Current receiving unit (every regime): ")) strong { (current.map_or("—", |(_, n)| n.as_str())) } }
        @if !receivers.by_regime.is_empty() {
            table.receivers {
                thead { tr { th { (t(l, "Chế độ báo cáo", "Regime")) } th { (t(l, "Đơn vị nhận riêng", "Own receiving unit")) } } }
                tbody { @for (regime, _, name) in &receivers.by_regime { tr { td { (regime) } td { (name) } } } }
            }
        }
        label for="receiver-regime" { (t(l, "Chế độ báo cáo", "Regime")) }
        // Each choice carries its receiver now, so the unit list below shows it (app.js).
        select #receiver-regime name="regime" {
            option value="*" data-receiver=[current.map(|(id, _)| id.0)] { (t(l, "Mọi chế độ", "Every regime")) }
            @for e in &receivers.regimes {
                @let code = &e.plugin.manifest.code;
                @let own = receivers.by_regime.iter().find(|(r, ..)| r == code).map(|(_, id, _)| *id).or(current.map(|(id, _)| *id));
                option value=(code) data-receiver=[own.map(|id| id.0)] { (code) " — " (e.plugin.manifest.name.get(l)) }
            }
        }
        label for="receiver" { (t(l, "Đơn vị nhận", "Receiving unit")) }
        select #receiver name="receiver" {
            @for (id, name) in &receivers.units { option value=(id.0) selected[current.is_some_and(|(c, _)| c == id)] { (name) } }
        }
        div.actions { button type="submit" { (t(l, "Lưu cấu hình", "Save")) } }
    }
    }
}

/// Deleting a unit created by mistake.
fn delete_form(u: &Unit, who: &Principal, l: Locale) -> Markup {
    html! {
    form.card method="post" action={ "/units/" (u.id.0) "/delete" } data-confirm=(t(l, "Xóa đơn vị này?", "Delete this unit?")) {
        (csrf_field(who))
        p.muted { (t(l, "Chỉ xóa được đơn vị tạo nhầm, chưa có đơn vị con, người dùng hay lịch sử. Đơn vị đã hoạt động thì dùng sáp nhập/chia tách.",
                     "Only a unit created by mistake, without children, users or history, can be deleted. Use merge/split for real reorganisations.")) }
        button.danger type="submit" { (t(l, "Xóa đơn vị", "Delete unit")) }
    }
    }
}

#[derive(Debug, Deserialize)]
struct ReceiverForm {
    csrf_token: String,
    regime: String,
    receiver: i64,
}

async fn set_receiver(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<ReceiverForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    baocao_app::reports::set_receiver(&state.app, &who, UnitId(*id), &form.regime, UnitId(form.receiver))
        .await
        .in_locale(l)?;
    Ok(redirect(&format!("/units/{}?saved=1", *id)))
}

async fn detail(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, query: Params<DetailQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let ok = if query.created.is_some() {
        Some(t(l, "Đã thêm đơn vị.", "Unit added."))
    } else if query.saved.is_some() {
        Some(t(l, "Đã lưu.", "Saved."))
    } else {
        None
    };
    let body = detail_page(&state, l, &who.0, UnitId(*id), None, ok).await.in_locale(l)?;
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Đơn vị", "Unit"), Some(&who.0), body)))
}

#[derive(Debug, Deserialize)]
pub struct EditForm {
    pub csrf_token: String,
    pub name: String,
    pub code: String,
    pub kind: String,
    pub level: String,
}

async fn update(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>, form: web::Form<EditForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let form = form.into_inner();
    let edit =
        UnitEdit { name: Some(form.name), kind: Some(form.kind), level: Some(form.level), code: Some(form.code) };
    match admin::update_unit(&state.app, &who, UnitId(*id), edit).await.map_err(WebError::from) {
        Ok(_) => Ok(redirect(&format!("/units/{}?saved=1", *id))),
        Err(WebError::App(Error::Forbidden(d))) => {
            Err(baocao_http::page::PageError::new(Error::Forbidden(d).into(), l))
        }
        Err(error) => {
            let body = detail_page(&state, l, &who, UnitId(*id), Some(&error), None).await.in_locale(l)?;
            Ok(html_page(error.status(), layout(l, t(l, "Đơn vị", "Unit"), Some(&who), body)))
        }
    }
}

async fn delete(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, id: web::Path<i64>,
    form: web::Form<super::signin::CsrfOnly>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    admin::delete_unit(&state.app, &who, UnitId(*id)).await.in_locale(l)?;
    Ok(redirect("/units"))
}

#[derive(Debug, Default, Deserialize)]
pub struct ReorganiseForm {
    #[serde(default)]
    pub csrf_token: String,
    #[serde(default)]
    pub kind: String,
    /// Comma-separated unit ids.
    #[serde(default)]
    pub units: String,
    #[serde(default)]
    pub into: String,
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub decision: String,
}

fn ids(raw: &str) -> Vec<i64> {
    raw.split([',', ' ', ';']).filter_map(|s| s.trim().parse().ok()).collect()
}

async fn reorganise_page(
    state: &AppState, l: Locale, who: &Principal, form: &ReorganiseForm, error: Option<&WebError>, ok: Option<&str>,
) -> Result<Markup, WebError> {
    let units = admin::visible_units(&state.app, who).await?;
    Ok(html! {
        h1 { (t(l, "Sắp xếp lại đơn vị", "Reorganise units")) }
        (flash(error, ok, l))
        (baocao_http::page::field_errors_list(error.unwrap_or(&WebError::App(Error::NotFound(""))), l))
        form.card method="post" action="/units/reorganise" {
            (csrf_field(who))
            p.muted { (t(l, "Đơn vị bị sáp nhập hoặc chia tách vẫn được giữ lại cùng toàn bộ báo cáo đã lập; từ ngày hiệu lực, việc mới chuyển sang đơn vị kế thừa.",
                         "Merged or split units are kept with all their past reports; from the effective date, new work goes to their successors.")) }
            label for="kind" { (t(l, "Hình thức", "Operation")) }
            select #kind name="kind" {
                option value="merge" selected[form.kind == "merge"] { (t(l, "Sáp nhập nhiều đơn vị vào một đơn vị", "Merge several units into one")) }
                option value="split" selected[form.kind == "split"] { (t(l, "Chia tách một đơn vị thành nhiều đơn vị", "Split one unit into several")) }
                option value="move" selected[form.kind == "move"] { (t(l, "Chuyển đơn vị sang đơn vị cấp trên khác", "Move a unit under another parent")) }
            }
            label for="units" { (t(l, "Đơn vị bị sáp nhập / chia tách / chuyển (mã số, cách nhau bởi dấu phẩy)", "Units merged / split / moved (ids, comma-separated)")) }
            input #units type="text" name="units" value=(form.units) required;
            label for="into" { (t(l, "Đơn vị tiếp nhận / kế thừa / cấp trên mới (mã số)", "Receiving / successor / new parent units (ids)")) }
            input #into type="text" name="into" value=(form.into) required;
            label for="effective" { (t(l, "Ngày hiệu lực (dd/MM/yyyy)", "Effective date (dd/MM/yyyy)")) }
            input #effective type="text" name="effective" value=(form.effective) required placeholder="01/07/2025";
            (field_error(error, "effective", l))
            label for="decision" { (t(l, "Văn bản quyết định", "Deciding document")) }
            input #decision type="text" name="decision" value=(form.decision) required placeholder="Nghị quyết số …/NQ-UBTVQH15";
            (field_error(error, "decision", l))
            div.actions { button type="submit" { (t(l, "Ghi nhận", "Record")) } }
        }
        div.card {
            h2 { (t(l, "Mã số các đơn vị", "Unit ids")) }
            table { thead { tr { th { "ID" } th { (t(l, "Đơn vị", "Unit")) } th { (t(l, "Cấp", "Level")) } } }
                tbody { @for u in &units { tr { td { (u.unit.id.0) } td { (u.unit.name.as_str()) " " (validity(u, l)) } td { (level_label(u.unit.level.as_str()).get(l)) } } } } }
        }
    })
}

async fn reorganise_form(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    let l = locale::of(&req);
    let body = reorganise_page(&state, l, &who.0, &ReorganiseForm::default(), None, None).await.in_locale(l)?;
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Sắp xếp lại đơn vị", "Reorganise units"), Some(&who.0), body)))
}

async fn reorganise(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<ReorganiseForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let form = form.into_inner();
    let input = ReorganisationInput {
        kind: form.kind.clone(),
        units: ids(&form.units),
        into: ids(&form.into),
        effective: form.effective.clone(),
        decision: form.decision.clone(),
    };
    let (status, error, ok) = match admin::reorganise(&state.app, &who, input).await.map_err(WebError::from) {
        Ok(_) => (StatusCode::OK, None, Some(t(l, "Đã ghi nhận việc sắp xếp lại.", "Reorganisation recorded."))),
        Err(WebError::App(Error::Forbidden(d))) => {
            return Err(baocao_http::page::PageError::new(Error::Forbidden(d).into(), l));
        }
        Err(e) => (e.status(), Some(e), None),
    };
    let body = reorganise_page(&state, l, &who, &form, error.as_ref(), ok).await.in_locale(l)?;
    Ok(html_page(status, layout(l, t(l, "Sắp xếp lại đơn vị", "Reorganise units"), Some(&who), body)))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    pub page: Option<u64>,
}

async fn audit(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, query: Params<AuditQuery>,
) -> PageResult {
    let l = locale::of(&req);
    let who = who.0;
    let paging = baocao_domain::types::Paging::parse(query.page, None, 50).map_err(WebError::BadQuery).in_locale(l)?;
    let page = admin::audit(&state.app, &who, paging.page).await.in_locale(l)?;
    let subjects = admin::audit_subjects(&state.app, &page.items).await;
    let groups = admin::groups(&state.app);
    let subject = |e: &AuditEntry| {
        let name = subjects.get(&(e.entity.clone(), e.entity_id.clone())).cloned().unwrap_or_default();
        format!("{}: {}", audit::entity_label(&e.entity).get(l), name)
    };
    let value = |field: &str, text: String| match field {
        "group" => groups.iter().find(|g| g.code.as_str() == text).map_or(text, |g| g.name.get(l).to_owned()),
        "level" => level_label(&text).get(l).to_owned(),
        _ => text,
    };
    let body = html! {
        h1 { (t(l, "Nhật ký quản trị", "Administration audit log")) }
        table {
            thead { tr { th { (t(l, "Thời điểm", "When")) } th { (t(l, "Người thực hiện", "Who")) } th { (t(l, "Thao tác", "Action")) } th { (t(l, "Đối tượng", "Object")) } th { (t(l, "Trước", "Before")) } th { (t(l, "Sau", "After")) } } }
            tbody {
                @for e in &page.items {
                    tr {
                        td { (format::moment(e.at, l)) }
                        td { (e.actor) }
                        td { (audit::action_label(&e.action).get(l)) }
                        td { (subject(e)) }
                        @for state in [&e.before, &e.after] {
                            td { ul.fields { @for (field, label, text) in audit::readable_fields(state.as_ref()) {
                                li { (label.get(l)) ": " (value(&field, text)) }
                            } } }
                        }
                    }
                }
            }
        }
        (baocao_http::page::pager(page.page, page.total, page.per_page, |p| format!("/audit?page={p}"), l))
    };
    Ok(html_page(StatusCode::OK, layout(l, t(l, "Nhật ký", "Audit log"), Some(&who), body)))
}
