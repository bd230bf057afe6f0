//! Who is calling. The session id comes from the `baocao_session` cookie
//! (browsers) or an `Authorization: Bearer` header (scripts). Cookie-borne
//! API calls that change state must also carry the session's CSRF token in
//! `X-CSRF-Token`; forms carry it in a hidden field that handlers check.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, web};
use baocao_domain::user::{User, UserStatus};
use baocao_identity::session::SessionData;
use baocao_identity::token::constant_time_eq;
use baocao_storage::Actor;

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "baocao_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub session_id: String,
    pub session: SessionData,
    pub via_cookie: bool,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor { id: Some(self.user.id), username: self.user.username.as_str().to_owned() }
    }

    /// Checks a form's CSRF token against the session's.
    pub fn verify_csrf(&self, token: &str) -> Result<(), AppError> {
        if constant_time_eq(&self.session.csrf_token, token) { Ok(()) } else { Err(AppError::Csrf) }
    }
}

/// The session id a request carries, and whether it came in a cookie.
pub fn session_id(req: &HttpRequest) -> Option<(String, bool)> {
    if let Some(bearer) = req.headers().get(actix_web::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")) {
        return Some((bearer.trim().to_owned(), false));
    }
    req.cookie(SESSION_COOKIE).map(|c| (c.value().to_owned(), true))
}

async fn resolve(req: HttpRequest) -> Result<Principal, AppError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::Internal("state missing".into()))?;
    let (session_id, via_cookie) = session_id(&req).ok_or(AppError::Unauthenticated)?;
    let session = state.sessions.load(&session_id).await?.ok_or(AppError::Unauthenticated)?;
    let user_id = session.user_id.ok_or(AppError::Unauthenticated)?;
    let user = match state.store.user_by_id(user_id).await {
        Ok(user) => user,
        Err(baocao_storage::StoreError::NotFound(_)) => return Err(AppError::Unauthenticated),
        Err(other) => return Err(other.into()),
    };
    if user.status != UserStatus::Active || session.created_at < user.password_changed_at.timestamp() {
        state.sessions.delete(&session_id).await?;
        return Err(AppError::Unauthenticated);
    }
    let is_api = req.path().starts_with("/api/");
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if is_api && via_cookie && unsafe_method {
        let header = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
        if !constant_time_eq(header, &session.csrf_token) {
            return Err(AppError::Csrf);
        }
    }
    Ok(Principal { user, session_id, session, via_cookie })
}

impl FromRequest for Principal {
    type Error = crate::error::ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { resolve(req).await.map_err(crate::error::ApiError) })
    }
}

/// The signed-in user of a page: like [`Principal`], but a visitor who is
/// not signed in is sent to the sign-in page instead of getting JSON.
#[derive(Debug, Clone)]
pub struct PagePrincipal(pub Principal);

impl FromRequest for PagePrincipal {
    type Error = crate::pages::PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let locale = crate::locale::of(&req);
            resolve(req).await.map(PagePrincipal).map_err(|e| crate::pages::PageError::new(e, locale))
        })
    }
}
