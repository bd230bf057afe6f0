//! Sign-in for scripts and tests.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use baocao_app::outbox::MailChoices;
use baocao_app::signin::Recovery;
use baocao_identity::captcha;
use baocao_identity::session::SessionData;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiResult, ErrorBody};
use crate::principal::{Principal, SESSION_COOKIE, open_session};
use crate::state::AppState;
use baocao_app::signin::CaptchaRule;
use baocao_app::wire::{MeDto, UserDto};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// From `GET /api/v1/auth/captcha`; needed after repeated failures when captcha is on.
    #[serde(default)]
    pub captcha_id: Option<String>,
    #[serde(default)]
    pub captcha: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Session token: send as `Authorization: Bearer <token>` (no CSRF token needed then).
    pub token: String,
    pub csrf_token: String,
    pub user: UserDto,
}

pub fn session_cookie<'a>(state: &AppState, id: String) -> Cookie<'a> {
    Cookie::build(SESSION_COOKIE, id)
        .path("/")
        .http_only(true)
        .secure(state.settings().http.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::seconds(state.session_ttl().as_secs() as i64))
        .finish()
}

pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    req.peer_addr().map(|a| a.ip())
}

#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody), (status = 423, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>, req: HttpRequest, body: web::Json<LoginRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    // The captcha challenge lives in an anonymous session named by captcha_id; it is used once.
    let expected = match body.captcha_id.as_deref() {
        Some(id) => {
            let challenge = state.sessions.load(id).await?.and_then(|s| s.captcha);
            state.sessions.delete(id).await?;
            challenge
        }
        None => None,
    };
    let rule = CaptchaRule::AfterFailures { expected: expected.as_deref(), typed: body.captcha.as_deref() };
    let (user, token, session) = open_session(&state, client_ip(&req), &body.username, &body.password, rule).await?;
    let record = baocao_app::admin::user_self(&state.app, &user).await?;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, token.clone())).json(LoginResponse {
        token,
        csrf_token: session.csrf_token,
        user: UserDto::from(&record),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaptchaResponse {
    pub captcha_id: String,
    pub image_png_base64: String,
}

#[utoipa::path(get, path = "/api/v1/auth/captcha", tag = "auth", responses((status = 200, body = CaptchaResponse)))]
pub async fn captcha(state: web::Data<AppState>, req: HttpRequest) -> ApiResult<HttpResponse> {
    state.anonymous_session_allowed(&req).await?;
    let challenge = captcha::generate()?;
    let mut session = SessionData::anonymous();
    session.captcha = Some(challenge.answer);
    let id = state.sessions.create(&session, std::time::Duration::from_secs(600)).await?;
    Ok(HttpResponse::Ok().insert_header(("Cache-Control", "no-store")).json(CaptchaResponse {
        captcha_id: id,
        image_png_base64: base64::engine::general_purpose::STANDARD.encode(challenge.png),
    }))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(state: web::Data<AppState>, who: Principal) -> ApiResult<HttpResponse> {
    state.sessions.delete(&who.session_id).await?;
    let mut gone = session_cookie(&state, String::new());
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub async fn me(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<MeDto>> {
    let record = baocao_app::admin::user_self(&state.app, &who.user).await?;
    Ok(web::Json(MeDto { user: UserDto::from(&record), csrf_token: who.session.csrf_token }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    state: web::Data<AppState>, who: Principal, body: web::Json<ChangePassword>,
) -> ApiResult<HttpResponse> {
    baocao_app::admin::change_own_password(&state.app, &who, &body.current_password, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ResetWithToken {
    pub token: String,
    pub new_password: String,
}

#[utoipa::path(post, path = "/api/v1/auth/reset", tag = "auth", request_body = ResetWithToken,
    responses((status = 204), (status = 422, body = ErrorBody)))]
///
/// Cheap checks come first: the address's and the code's budgets, then the
/// code itself. Only a live code pays for hashing the new password, so
/// guessing codes cannot make the server hash for every tenant.
pub async fn reset_with_token(
    state: web::Data<AppState>, req: HttpRequest, body: web::Json<ResetWithToken>,
) -> ApiResult<HttpResponse> {
    baocao_app::signin::reset_budget(&state.app, client_ip(&req), &body.token).await?;
    baocao_app::signin::reset_with_code(&state.app, &body.token, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "auth", request_body = Recovery,
    responses((status = 202, description = "A one-time reset link goes to the account's address if it exists; the answer is the same either way"),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    state: web::Data<AppState>, req: HttpRequest, body: web::Json<Recovery>,
) -> ApiResult<HttpResponse> {
    baocao_app::signin::forgot_password(&state.app, client_ip(&req), &body).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[utoipa::path(post, path = "/api/v1/auth/forgot-username", tag = "auth", request_body = Recovery,
    responses((status = 202, description = "The user name goes to the address if an account has it; the answer is the same either way"),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn forgot_username(
    state: web::Data<AppState>, req: HttpRequest, body: web::Json<Recovery>,
) -> ApiResult<HttpResponse> {
    baocao_app::signin::forgot_username(&state.app, client_ip(&req), &body).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[utoipa::path(get, path = "/api/v1/me/mail", tag = "auth",
    responses((status = 200, description = "The language of the caller's mails and the ones turned off", body = MailChoices), (status = 401, body = ErrorBody)))]
pub async fn mail_choices(state: web::Data<AppState>, who: Principal) -> ApiResult<web::Json<MailChoices>> {
    Ok(web::Json(baocao_app::outbox::mail_choices(&state.app, &who).await?))
}

#[utoipa::path(put, path = "/api/v1/me/mail", tag = "auth", request_body = MailChoices,
    responses((status = 200, body = MailChoices), (status = 422, description = "An unknown kind, or a security mail", body = ErrorBody)))]
pub async fn set_mail_choices(
    state: web::Data<AppState>, who: Principal, body: web::Json<MailChoices>,
) -> ApiResult<web::Json<MailChoices>> {
    Ok(web::Json(baocao_app::outbox::set_mail_choices(&state.app, &who, &body).await?))
}
