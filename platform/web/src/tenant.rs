//! The tenant's settings page: the sign-in rule and the reminder days.

use actix_web::{HttpRequest, web};
use baocao_app::Error;
use baocao_app::tenants::{self, SettingsChange};
use baocao_domain::text::Locale;
use maud::{Markup, html};
use serde::Deserialize;

use baocao_http::error::WebError;
use baocao_http::locale::{self, t};
use baocao_http::page::{
    InLocale, PagePrincipal, PageResult, csrf_field, field_error, flash, form_caller, html_page, layout, outcome,
};
use baocao_http::principal::Principal;
use baocao_http::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tenant", web::get().to(show)).route("/tenant", web::post().to(save));
}

async fn page(
    state: &AppState, l: Locale, who: &Principal, error: Option<&WebError>, ok: Option<&str>,
) -> Result<Markup, WebError> {
    let (settings, may) = tenants::settings(&state.app, who).await?;
    let provider = baocao_app::identities::provider_label(&state.app);
    let platform_days = state.settings().jobs.reminder_days;
    let days = settings.reminder_days.map(|d| d.to_string()).unwrap_or_default();
    Ok(html! {
        h1 { (t(l, "Thiết lập của đơn vị chủ quản", "Tenant settings")) }
        (flash(error, ok, l))
        form.card method="post" action="/tenant" {
            (csrf_field(who))
            @if provider.is_some() || settings.require_identity {
                label {
                    input #require_identity type="checkbox" name="require_identity" value="true" checked[settings.require_identity] disabled[!may];
                    " " (t(l, "Bắt buộc đăng nhập bằng ", "Require sign-in through ")) (provider.unwrap_or("VNConnect"))
                    (t(l, " (không dùng mật khẩu)", " (no passwords)"))
                }
            }
            label for="reminder_days" { (t(l, "Số ngày nhắc trước hạn nhập số liệu", "Days before an entry deadline to remind")) }
            input #reminder_days type="number" min="1" max=(tenants::MAX_REMINDER_DAYS) name="reminder_days" value=(days) disabled[!may];
            p.muted { (t(l, "Để trống: theo thiết lập chung của hệ thống (", "Empty: the platform's setting (")) (platform_days) (t(l, " ngày).", " days).")) }
            (field_error(error, "reminder_days", l))
            @if may { div.actions { button type="submit" { (t(l, "Lưu", "Save")) } } }
        }
    })
}

async fn render(state: &AppState, l: Locale, who: &Principal, result: Result<Option<&str>, Error>) -> PageResult {
    let (status, error, ok) = outcome(result, l)?;
    let body = page(state, l, who, error.as_ref(), ok).await.in_locale(l)?;
    Ok(html_page(status, layout(l, t(l, "Thiết lập đơn vị chủ quản", "Tenant settings"), Some(who), body)))
}

async fn show(state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal) -> PageResult {
    render(&state, locale::of(&req), &who.0, Ok(None)).await
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    pub csrf_token: String,
    #[serde(default)]
    pub require_identity: Option<String>,
    #[serde(default)]
    pub reminder_days: String,
}

async fn save(
    state: web::Data<AppState>, req: HttpRequest, who: PagePrincipal, form: web::Form<SettingsForm>,
) -> PageResult {
    let (l, who) = form_caller(&req, who, &form.csrf_token)?;
    let days = form.reminder_days.trim();
    let reminder_days = if days.is_empty() {
        None
    } else {
        let parsed = days.parse::<u32>().map_err(|_| {
            Error::invalid(
                "reminder_days",
                "not_a_number",
                "Số ngày phải là số nguyên.",
                "Days must be a whole number.",
            )
        });
        match parsed {
            Ok(n) => Some(n),
            Err(e) => return render(&state, l, &who, Err(e)).await,
        }
    };
    let change =
        SettingsChange { require_identity: Some(form.require_identity.is_some()), reminder_days: Some(reminder_days) };
    let result = tenants::change(&state.app, &who, &change).await;
    render(&state, l, &who, result.map(|_| Some(t(l, "Đã lưu thiết lập.", "Settings saved.")))).await
}
