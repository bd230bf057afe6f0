//! Who is calling. The session id comes from the `baocao_session` cookie
//! (browsers) or an `Authorization: Bearer` header (scripts). Cookie-borne
//! API calls that change state must also carry the session's CSRF token in
//! `X-CSRF-Token`; forms carry it in a hidden field that handlers check.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};
use baocao_app::signin::CaptchaRule;
use baocao_app::{Caller, Error};
use baocao_domain::user::User;
use baocao_identity::session::SessionData;
use baocao_identity::token::constant_time_eq;

use crate::error::WebError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "baocao_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A caller that came over the web: the user, and the session it came with.
#[derive(Debug, Clone)]
pub struct Principal {
    pub caller: Caller,
    pub session_id: String,
    pub session: SessionData,
    pub via_cookie: bool,
    /// What the caller's groups allow, for the pages' menu (empty for the API).
    pub menu: baocao_app::queues::Menu,
}

/// A principal is its caller to every use case.
impl std::ops::Deref for Principal {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Principal {
    /// Checks a form's CSRF token against the session's.
    pub fn verify_csrf(&self, token: &str) -> Result<(), WebError> {
        if constant_time_eq(&self.session.csrf_token, token) { Ok(()) } else { Err(WebError::Csrf) }
    }
}

/// The session id a request carries, and whether it came in a cookie.
pub fn session_id(req: &HttpRequest) -> Option<(String, bool)> {
    if let Some(bearer) = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some((bearer.trim().to_owned(), false));
    }
    req.cookie(SESSION_COOKIE).map(|c| (c.value().to_owned(), true))
}

pub(crate) async fn resolve(req: HttpRequest) -> Result<Principal, WebError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("the application state is missing")))?;
    let unauthenticated = || WebError::App(Error::Unauthenticated);
    let (session_id, via_cookie) = session_id(&req).ok_or_else(unauthenticated)?;
    let session = state.sessions.load(&session_id).await?.ok_or_else(unauthenticated)?;
    let user_id = session.user_id.ok_or_else(unauthenticated)?;
    let Some(caller) = baocao_app::signin::caller(&state.app, user_id, session.created_at).await? else {
        state.sessions.delete(&session_id).await?;
        return Err(unauthenticated());
    };
    let is_api = req.path().starts_with("/api/");
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if is_api && via_cookie && unsafe_method {
        let header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !constant_time_eq(header, &session.csrf_token) {
            return Err(WebError::Csrf);
        }
    }
    Ok(Principal { caller, session_id, session, via_cookie, menu: Default::default() })
}

impl FromRequest for Principal {
    type Error = crate::error::ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(req).await.map_err(crate::error::ApiError) })
    }
}

/// Signs a user in and opens a new session: returns the user, the session id
/// and its data. A new id on every sign-in prevents session fixation. Every
/// attempt is counted by outcome.
pub async fn open_session(
    state: &AppState, ip: Option<std::net::IpAddr>, username: &str, secret: &str, rule: CaptchaRule<'_>,
) -> Result<(User, String, SessionData), WebError> {
    let outcome = baocao_app::signin::sign_in(&state.app, ip, username, secret, rule).await;
    let label = match &outcome {
        Ok(_) => "success",
        Err(Error::BadCredentials) => "bad_credentials",
        Err(Error::Captcha { .. }) => "captcha",
        Err(Error::TooManyAttempts { .. }) => "throttled",
        Err(_) => "error",
    };
    state.metrics.logins.with_label_values(&[label]).inc();
    let user = outcome?;
    let session = SessionData::signed_in(user.id);
    let id = state.sessions.create(&session, state.session_ttl()).await?;
    Ok((user, id, session))
}
