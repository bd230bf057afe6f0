//! Signing in, shared by the HTML form and the JSON API.

use std::net::IpAddr;

use baocao_domain::types::Username;
use baocao_domain::user::{User, UserStatus};
use baocao_identity::session::SessionData;
use baocao_identity::throttle::Verdict;
use baocao_identity::{captcha, password};

use crate::error::AppError;
use crate::state::AppState;

/// How the captcha applies to this attempt.
pub enum CaptchaRule<'a> {
    /// The HTML form: always, when captcha is on; `expected` is the answer
    /// stored in the sign-in page's session.
    Always { expected: Option<&'a str>, typed: &'a str },
    /// The API: only after repeated failures of the account.
    AfterFailures { expected: Option<&'a str>, typed: Option<&'a str> },
}

/// Verifies the credentials and opens a new session. Returns the user, the
/// new session id and its data. A new id on every sign-in prevents session fixation.
pub async fn sign_in(
    state: &AppState,
    ip: Option<IpAddr>,
    username: &str,
    secret: &str,
    rule: CaptchaRule<'_>,
) -> Result<(User, String, SessionData), AppError> {
    let outcome = attempt(state, ip, username, secret, rule).await;
    let label = match &outcome {
        Ok(_) => "success",
        Err(AppError::BadCredentials) => "bad_credentials",
        Err(AppError::Captcha { .. }) => "captcha",
        Err(AppError::TooManyAttempts { .. }) => "throttled",
        Err(_) => "error",
    };
    state.metrics.logins.with_label_values(&[label]).inc();
    let user = outcome?;
    let session = SessionData::signed_in(user.id);
    let id = state.sessions.create(&session, state.session_ttl()).await?;
    tracing::info!(user = %user.username, "signed in");
    Ok((user, id, session))
}

async fn attempt(state: &AppState, ip: Option<IpAddr>, username: &str, secret: &str, rule: CaptchaRule<'_>) -> Result<User, AppError> {
    if let Some(ip) = ip {
        state.limiter.attempt(ip).map_err(|wait| AppError::TooManyAttempts { seconds: wait.as_secs().max(1) })?;
    }
    let captcha_due = match state.throttle.check(username, ip) {
        Verdict::Wait(wait) => return Err(AppError::TooManyAttempts { seconds: wait.as_secs().max(1) }),
        Verdict::Proceed { captcha } => captcha,
    };
    if state.settings.auth.captcha {
        match &rule {
            CaptchaRule::Always { expected, typed } => check_captcha(*expected, Some(typed))?,
            CaptchaRule::AfterFailures { expected, typed } if captcha_due => check_captcha(*expected, *typed)?,
            CaptchaRule::AfterFailures { .. } => {}
        }
    }
    let record = match Username::parse(username) {
        Ok(name) => state.store.login_record(&name).await?,
        Err(_) => None,
    };
    // An unknown name costs the same time and counts the same as a wrong password.
    let stored = record.as_ref().map_or_else(|| password::decoy_hash().to_owned(), |r| r.password_hash.clone());
    let candidate = secret.to_owned();
    let ok = tokio::task::spawn_blocking(move || password::verify(&candidate, &stored)).await.map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(record) = record.filter(|_| ok) else {
        state.throttle.failed(username, ip);
        return Err(AppError::BadCredentials);
    };
    if record.user.status != UserStatus::Active {
        return Err(AppError::BadCredentials);
    }
    state.throttle.succeeded(username, ip);
    state.store.record_successful_login(record.user.id).await?;
    Ok(record.user)
}

fn check_captcha(expected: Option<&str>, typed: Option<&str>) -> Result<(), AppError> {
    match (expected, typed.map(str::trim).filter(|t| !t.is_empty())) {
        (_, None) => Err(AppError::Captcha { required: true }),
        (None, Some(_)) => Err(AppError::Captcha { required: false }),
        (Some(expected), Some(typed)) if captcha::matches(expected, typed) => Ok(()),
        _ => Err(AppError::Captcha { required: false }),
    }
}

/// Hashes a new password on the blocking pool.
pub async fn hash_password(p: baocao_domain::types::Password) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || password::hash(&p)).await.map_err(|e| AppError::Internal(e.to_string()))?.map_err(AppError::from)
}
